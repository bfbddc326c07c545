// The target's matmuls alone (30 layers of qkv, o, gate/up, down as MatMulNBits with int8 activations, random
// weights), ms per run at M rows, 4-bit vs 8-bit weights: node docs/bench/attention-split-zen4/mm-probe.mjs
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { onnx } = require('onnx-proto');
const ort = require('onnxruntime-node');
const DT = onnx.TensorProto.DataType;
const bitsList = (process.env.BITS ?? '4,8').split(',').map(Number);
const Ms = (process.env.MS ?? '1,2,4,8,16').split(',').map(Number);
const L = Number(process.env.L ?? 30);
const shapes = [[576, 960], [576, 576], [576, 3072], [1536, 576]];
function vi(name, shape) { return { name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: shape.map((d) => typeof d === 'number' ? { dimValue: d } : { dimParam: d }) } } } }; }
function build(bits) {
  const nodes = [], inits = [];
  let x = 'x', c = 0;
  const A = onnx.AttributeProto.AttributeType;
  for (let l = 0; l < L; l++) {
    let h = x;
    const outs = [];
    for (const [k, n] of shapes) {
      const inp = k === 1536 ? outs[2] + '_half' : x;
      const blocks = k / 32, bpb = 32 * bits / 8;
      const q = new Uint8Array(n * blocks * bpb); for (let i = 0; i < q.length; i++) q[i] = (Math.random() * 256) | 0;
      const s = new Float32Array(n * blocks).fill(0.001);
      const zpPer = bits === 4 ? Math.ceil(blocks / 2) : blocks;
      const zp = new Uint8Array(n * zpPer).fill(bits === 4 ? 0x88 : 128);
      const id = `w${c++}`;
      inits.push({ name: id + 'q', dataType: DT.UINT8, dims: [n, blocks, bpb], rawData: q });
      inits.push({ name: id + 's', dataType: DT.FLOAT, dims: [n * blocks], rawData: new Uint8Array(s.buffer) });
      inits.push({ name: id + 'z', dataType: DT.UINT8, dims: [n, zpPer], rawData: zp });
      const y = id + 'y';
      nodes.push({ opType: 'MatMulNBits', domain: 'com.microsoft', input: [inp, id + 'q', id + 's', id + 'z'], output: [y], name: id,
        attribute: [['K', k], ['N', n], ['bits', bits], ['block_size', 32], ['accuracy_level', 4]].map(([a, v]) => ({ name: a, type: A.INT, i: v })) });
      outs.push(y);
      if (n === 3072) {
        // take half of gate/up as the down input
        inits.push({ name: id + 'st', dataType: DT.INT64, dims: [1], rawData: new Uint8Array(BigInt64Array.of(0n).buffer) });
        inits.push({ name: id + 'en', dataType: DT.INT64, dims: [1], rawData: new Uint8Array(BigInt64Array.of(1536n).buffer) });
        inits.push({ name: id + 'ax', dataType: DT.INT64, dims: [1], rawData: new Uint8Array(BigInt64Array.of(-1n).buffer) });
        nodes.push({ opType: 'Slice', domain: '', input: [y, id + 'st', id + 'en', id + 'ax'], output: [y + '_half'], name: id + 'sl' });
      }
    }
    // residual: x = x + o + down
    nodes.push({ opType: 'Add', domain: '', input: [outs[1], outs[3]], output: [`r${l}a`], name: `r${l}a` });
    nodes.push({ opType: 'Add', domain: '', input: [x, `r${l}a`], output: [`r${l}`], name: `r${l}` });
    x = `r${l}`;
  }
  const graph = { name: 'p', node: nodes, initializer: inits, input: [vi('x', ['M', 576])], output: [vi(x, ['M', 576])] };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 10, opsetImport: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }], graph })).finish();
}
const sessions = {};
for (const b of bitsList) sessions[b] = await ort.InferenceSession.create(build(b), { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
const res = {};
const rounds = Number(process.env.ROUNDS ?? 7), inner = 10;
for (let r = 0; r < rounds; r++) for (const M of Ms) for (const b of bitsList) {
  const x = new ort.Tensor('float32', Float32Array.from({ length: M * 576 }, () => Math.random() - 0.5), [M, 576]);
  await sessions[b].run({ x });
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) await sessions[b].run({ x });
  ((res[`${b}:${M}`] ??= [])).push((performance.now() - t0) / inner);
}
const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
for (const b of bitsList) console.log(`bits ${b}: ` + Ms.map((M) => `M=${M} ${med(res[`${b}:${M}`]).toFixed(2)}ms (${(med(res[`${b}:${M}`]) / med(res[`${b}:1`])).toFixed(2)}x)`).join('  '));
