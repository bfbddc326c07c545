// The target's matmuls alone (30 layers of qkv, o, gate/up, down; random weights), ms per run at M rows:
//   nbits  MatMulNBits, 4-bit blocks of 32, int8 activations per block (the default numerics today)
//   qg     8-bit weights per output column (s8) by MatMulInteger, activations quantized per row in the
//          graph (u8, zero point 128, scale = max|x| / 127), int32 products scaled back to fp32
//   qgq    the same with QuantizeLinear per row (fewer nodes)
//   mi     MatMulInteger alone on an already-quantized u8 input (the kernel's own scaling)
// node docs/bench/qgemm-zen4/mm-probe.mjs   (VARIANTS=nbits,qg MS=1,8 ROUNDS=7 L=30)
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { onnx } = require('onnx-proto');
const ort = require('onnxruntime-node');
const DT = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;
const variants = (process.env.VARIANTS ?? 'nbits,qg,qgq,mi').split(',');
const Ms = (process.env.MS ?? '1,2,4,8,16').split(',').map(Number);
const L = Number(process.env.L ?? 30);
const shapes = [[576, 960], [576, 576], [576, 3072], [1536, 576]];
const vi = (name, shape, t = DT.FLOAT) => ({ name, type: { tensorType: { elemType: t, shape: { dim: shape.map((d) => typeof d === 'number' ? { dimValue: d } : { dimParam: d }) } } } });
const rnd = (n) => { const q = new Uint8Array(n); for (let i = 0; i < n; i++) q[i] = (Math.random() * 256) | 0; return q; };
const f32 = (a) => new Uint8Array(Float32Array.from(a).buffer);
const i64 = (a) => new Uint8Array(BigInt64Array.from(a.map(BigInt)).buffer);

function build(v) {
  const nodes = [], inits = [];
  let c = 0;
  const node = (opType, input, output, attrs = [], domain = '') => nodes.push({ opType, domain, input, output, name: `n${c++}`,
    attribute: attrs.map(([name, val]) => typeof val === 'number' ? { name, type: A.INT, i: val } : { name, type: A.FLOAT, f: val.f }) });
  const init = (name, dataType, dims, rawData) => { inits.push({ name, dataType, dims, rawData }); return name; };
  init('c127', DT.FLOAT, [], f32([1 / 127])); init('eps', DT.FLOAT, [], f32([1e-30])); init('c128', DT.FLOAT, [], f32([128]));
  init('c0', DT.FLOAT, [], f32([0])); init('c255', DT.FLOAT, [], f32([255])); init('zp', DT.UINT8, [], Uint8Array.of(128));
  init('zp1', DT.UINT8, [1], Uint8Array.of(128)); init('axm1', DT.INT64, [1], i64([-1]));
  // per-row quantization of x: [xq u8, s [M,1]]
  const quant = (x) => {
    const id = `q${c++}`;
    node('Abs', [x], [id + 'a']);
    if (v === 'qgq') {
      node('ReduceMax', [id + 'a', 'axm1'], [id + 'm'], [['keepdims', 0]]);
      node('Mul', [id + 'm', 'c127'], [id + 's0']); node('Max', [id + 's0', 'eps'], [id + 's']);
      node('Shape', [id + 's'], [id + 'sh']); node('Expand', ['zp1', id + 'sh'], [id + 'z']);
      node('QuantizeLinear', [x, id + 's', id + 'z'], [id + 'q'], [['axis', 0]]);
      node('Unsqueeze', [id + 's', 'axm1'], [id + 'su']);
      return [id + 'q', id + 'su'];
    }
    node('ReduceMax', [id + 'a', 'axm1'], [id + 'm'], [['keepdims', 1]]);
    node('Mul', [id + 'm', 'c127'], [id + 's0']); node('Max', [id + 's0', 'eps'], [id + 's']);
    node('Div', [x, id + 's'], [id + 'd']); node('Round', [id + 'd'], [id + 'r']); node('Add', [id + 'r', 'c128'], [id + 'o']);
    node('Clip', [id + 'o', 'c0', 'c255'], [id + 'cl']); node('Cast', [id + 'cl'], [id + 'q'], [['to', DT.UINT8]]);
    return [id + 'q', id + 's'];
  };
  const input = v === 'mi' ? 'xq' : 'x';
  let x = input;
  for (let l = 0; l < L; l++) {
    const outs = [];
    for (const [k, n] of shapes) {
      const inp = k === 1536 ? outs[2] + '_half' : x;
      const id = `w${c++}`;
      const y = id + 'y';
      if (v === 'nbits') {
        const blocks = k / 32, bpb = 16;
        init(id + 'q', DT.UINT8, [n, blocks, bpb], rnd(n * blocks * bpb));
        init(id + 's', DT.FLOAT, [n * blocks], f32(new Array(n * blocks).fill(0.001)));
        init(id + 'z', DT.UINT8, [n, Math.ceil(blocks / 2)], new Uint8Array(n * Math.ceil(blocks / 2)).fill(0x88));
        node('MatMulNBits', [inp, id + 'q', id + 's', id + 'z'], [y], [['K', k], ['N', n], ['bits', 4], ['block_size', 32], ['accuracy_level', 4]], 'com.microsoft');
      } else if (v.startsWith('grp')) {
        // K split in groups of G: batched MatMulInteger [g,M,G] x [g,G,N], a scale per (row, group) and per (group, column)
        const G = Number(v.slice(3)), g = k / G;
        init(id + 'q', DT.INT8, [g, G, n], rnd(k * n));
        init(id + 'cs', DT.FLOAT, [g, 1, n], f32(new Array(g * n).fill(0.001)));
        init(id + 'sh', DT.INT64, [3], i64([-1, g, G]));
        node('Reshape', [inp, id + 'sh'], [id + 'r']);
        node('Transpose', [id + 'r'], [id + 't'], [['perm', 0]]);
        nodes[nodes.length - 1].attribute = [{ name: 'perm', type: A.INTS, ints: [1, 0, 2] }];
        const [xq, s] = quant(id + 't');
        node('MatMulInteger', [xq, id + 'q', 'zp'], [id + 'i']);
        node('Cast', [id + 'i'], [id + 'f'], [['to', DT.FLOAT]]);
        node('Mul', [id + 'f', s], [id + 'm1']);
        node('Mul', [id + 'm1', id + 'cs'], [id + 'm2']);
        init(id + 'ax0', DT.INT64, [1], i64([0]));
        node('ReduceSum', [id + 'm2', id + 'ax0'], [y], [['keepdims', 0]]);
      } else {
        init(id + 'q', DT.INT8, [k, n], rnd(k * n));
        init(id + 'cs', DT.FLOAT, [n], f32(new Array(n).fill(0.001)));
        if (v === 'mi') {
          node('MatMulInteger', [inp, id + 'q', 'zp'], [id + 'i']);
          // keep the chain in u8 for the next layer: cast down
          node('Cast', [id + 'i'], [y], [['to', DT.UINT8]]);
        } else {
          const [xq, s] = quant(inp);
          node('MatMulInteger', [xq, id + 'q', 'zp'], [id + 'i']);
          node('Cast', [id + 'i'], [id + 'f'], [['to', DT.FLOAT]]);
          node('Mul', [id + 'f', s], [id + 'm1']);
          node('Mul', [id + 'm1', id + 'cs'], [y]);
        }
      }
      outs.push(y);
      if (n === 3072) {
        init(id + 'st', DT.INT64, [1], i64([0])); init(id + 'en', DT.INT64, [1], i64([1536]));
        node('Slice', [y, id + 'st', id + 'en', 'axm1'], [y + '_half']);
      }
    }
    if (v === 'mi') { x = outs[1]; continue; }
    node('Add', [outs[1], outs[3]], [`r${l}a`]); node('Add', [x, `r${l}a`], [`r${l}`]);
    x = `r${l}`;
  }
  const t = v === 'mi' ? DT.UINT8 : DT.FLOAT;
  const graph = { name: 'p', node: nodes, initializer: inits, input: [vi(input, ['M', 576], t)], output: [vi(x, ['M', 576], t)] };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 10, opsetImport: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }], graph })).finish();
}
const sessions = {};
for (const v of variants) sessions[v] = await ort.InferenceSession.create(build(v), { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
const res = {};
const rounds = Number(process.env.ROUNDS ?? 7), inner = 10;
for (let r = 0; r < rounds; r++) for (const M of Ms) for (const v of variants) {
  const x = v === 'mi' ? new ort.Tensor('uint8', Uint8Array.from({ length: M * 576 }, () => (Math.random() * 256) | 0), [M, 576])
    : new ort.Tensor('float32', Float32Array.from({ length: M * 576 }, () => Math.random() - 0.5), [M, 576]);
  const feeds = { [v === 'mi' ? 'xq' : 'x']: x };
  await sessions[v].run(feeds);
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) await sessions[v].run(feeds);
  (res[`${v}:${M}`] ??= []).push((performance.now() - t0) / inner);
}
const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
for (const v of variants) console.log(`${v.padEnd(5)} ` + Ms.map((M) => `M=${M} ${med(res[`${v}:${M}`]).toFixed(2)}ms (${(med(res[`${v}:${M}`]) / med(res[`${v}:1`])).toFixed(2)}x)`).join('  '));
