// The target's attention alone (30 layers, 9 query heads over 3 kv heads of 64, as SmolLM2-135M),
// ms per run after P cached positions for S new rows: the default graph's fp32 keys (Concat,
// MatMul over the transposed keys, Softmax, MatMul over the values) against int8 keys with a scale
// per position and kv head (the new rows' keys and the queries quantized in the graph, the scores
// by MatMulInteger, exact in int32); values fp32 in both. Random data; a probe of the cost only,
// not of the numerics.
//   node docs/bench/attention-int8k-zen4/probe.mjs        (PS=300,1000,1500 SS=2,8 ROUNDS=7)
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { onnx } = require('onnx-proto');
const ort = require('onnxruntime-node');
const DT = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;
const L = 30, HKV = 3, G = 3, D = 64, W = HKV * D;
const Ps = (process.env.PS ?? '300,1000,1500').split(',').map(Number);
const Ss = (process.env.SS ?? '2,8').split(',').map(Number);
const KT = process.env.KT !== '0';

function vi(name, type, shape) { return { name, type: { tensorType: { elemType: type, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } }; }

function build(int8) {
  const nodes = [], inits = [], inputs = [];
  let c = 0;
  const op = (opType, input, attrs = {}, domain = '') => {
    const out = `t${c++}`;
    const attribute = Object.entries(attrs).map(([name, v]) => (Array.isArray(v) ? { name, type: A.INTS, ints: v } : typeof v === 'number' && Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v }));
    nodes.push({ opType, domain, input, output: [out], name: out, attribute });
    return out;
  };
  const i64 = (vals) => { const n = `c${c++}`; inits.push({ name: n, dataType: DT.INT64, dims: [vals.length], rawData: new Uint8Array(BigInt64Array.from(vals.map(BigInt)).buffer) }); return n; };
  const i32 = (v) => { const n = `c${c++}`; inits.push({ name: n, dataType: DT.INT32, dims: [], rawData: new Uint8Array(Int32Array.of(v).buffer) }); return n; };
  const f32 = (v) => { const n = `c${c++}`; inits.push({ name: n, dataType: DT.FLOAT, dims: [], rawData: new Uint8Array(Float32Array.of(v).buffer) }); return n; };
  inputs.push(vi('q', DT.FLOAT, ['S', 9 * D]), vi('k', DT.FLOAT, [1, 'S', W]), vi('v', DT.FLOAT, [1, 'S', W]));
  // Per (row, kv head) symmetric int8: x [.., 64] -> (int8, scale).
  const quant = (x, shape) => {
    const r = op('Reshape', [x, i64(shape)]);
    const s = op('Div', [op('ReduceMax', [op('Abs', [r]), i64([-1])], { keepdims: 1 }), f32(127)]);
    const s1 = op('Max', [s, f32(1e-12)]);
    return { q: op('Cast', [op('Round', [op('Div', [r, s1])])], { to: DT.INT8 }), s: s1 };
  };
  const qh = op('Transpose', [op('Reshape', [op('Mul', ['q', f32(1 / 8)]), i64([-1, HKV, G, D])])], { perm: [1, 2, 0, 3] }); // [Hkv,G,S,D]
  let qq;
  let u8zp;
  if (int8) {
    qq = quant(qh, [HKV, G, -1, D]); // q int8 [Hkv,G,S,D], scale [Hkv,G,S,1]
    u8zp = `c${c++}`;
    inits.push({ name: u8zp, dataType: DT.UINT8, dims: [], rawData: Uint8Array.of(128) });
    qq.u = op('Cast', [op('Add', [op('Cast', [qq.q], { to: DT.INT32 }), i32(128)])], { to: DT.UINT8 });
  }
  let kNew8, kNewS;
  let kNewT;
  if (int8) {
    const kq = quant('k', [1, -1, HKV, D]);
    kNew8 = op('Reshape', [kq.q, i64([1, -1, W])]);
    kNewS = op('Reshape', [kq.s, i64([1, -1, HKV])]);
    kNewT = op('Transpose', [op('Reshape', [kNew8, i64([-1, HKV, 1, D])])], { perm: [1, 2, 3, 0] });
  }
  let acc;
  for (let l = 0; l < L; l++) {
    const pv = `pv${l}`;
    inputs.push(vi(pv, DT.FLOAT, [1, 'P', W]));
    const vAll = op('Concat', [pv, 'v'], { axis: 1 });
    const vh = op('Transpose', [op('Reshape', [vAll, i64([-1, HKV, 1, D])])], { perm: [1, 2, 0, 3] }); // [Hkv,1,T,D]
    let scores;
    if (!int8) {
      const pk = `pk${l}`;
      inputs.push(vi(pk, DT.FLOAT, [1, 'P', W]));
      const kAll = op('Concat', [pk, 'k'], { axis: 1 });
      const kt = op('Transpose', [op('Reshape', [kAll, i64([-1, HKV, 1, D])])], { perm: [1, 2, 3, 0] }); // [Hkv,1,D,T]
      scores = op('MatMul', [qh, kt]);
    } else {
      const pk = `pk${l}`, ps = `ps${l}`;
      let kt;
      if (KT) {
        // The cache keeps the keys transposed, [Hkv,1,D,P]: the new rows' keys join along the last axis.
        inputs.push(vi(pk, DT.INT8, [HKV, 1, D, 'P']), vi(ps, DT.FLOAT, [1, 'P', HKV]));
        kt = op('Concat', [pk, kNewT], { axis: 3 });
      } else {
        inputs.push(vi(pk, DT.INT8, [1, 'P', W]), vi(ps, DT.FLOAT, [1, 'P', HKV]));
        const kAll = op('Concat', [pk, kNew8], { axis: 1 });
        kt = op('Transpose', [op('Reshape', [kAll, i64([-1, HKV, 1, D])])], { perm: [1, 2, 3, 0] }); // int8 [Hkv,1,D,T]
      }
      const sAll = op('Concat', [ps, kNewS], { axis: 1 }); // [1,T,Hkv]
      const st = op('Transpose', [sAll], { perm: [2, 0, 1] }); // [Hkv,1,T]
      // uint8 queries with zero point 128 (VNNI's u8 x s8), or int8 (U8Q=0).
      const si = process.env.U8Q === '0' ? op('MatMulInteger', [qq.q, kt]) : op('MatMulInteger', [qq.u, kt, u8zp]); // int32 [Hkv,G,S,T]
      scores = op('Mul', [op('Mul', [op('Cast', [si], { to: DT.FLOAT }), qq.s]), op('Unsqueeze', [st, i64([1])])]);
    }
    const ctx = op('MatMul', [op('Softmax', [scores], { axis: -1 }), vh]); // [Hkv,G,S,D]
    acc = acc ? op('Add', [acc, ctx]) : ctx;
  }
  const graph = { name: 'a', node: nodes, initializer: inits, input: inputs, output: [vi(acc, DT.FLOAT, [HKV, G, 'S', D])] };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 10, opsetImport: [{ domain: '', version: 21 }], graph })).finish();
}

const so = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', ...(process.env.PROFILE ? { enableProfiling: true, profileFilePrefix: process.env.PROFILE } : {}) };
const sess = { fp32: await ort.InferenceSession.create(build(false), so), int8k: await ort.InferenceSession.create(build(true), so) };
const rnd = (n) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
function feeds(kind, P, S) {
  const f = { q: new ort.Tensor('float32', rnd(S * 9 * D), [S, 9 * D]), k: new ort.Tensor('float32', rnd(S * W), [1, S, W]), v: new ort.Tensor('float32', rnd(S * W), [1, S, W]) };
  for (let l = 0; l < L; l++) {
    f[`pv${l}`] = new ort.Tensor('float32', rnd(P * W), [1, P, W]);
    if (kind === 'fp32') f[`pk${l}`] = new ort.Tensor('float32', rnd(P * W), [1, P, W]);
    else {
      f[`pk${l}`] = new ort.Tensor('int8', Int8Array.from({ length: P * W }, () => ((Math.random() * 255) | 0) - 127), KT ? [HKV, 1, D, P] : [1, P, W]);
      f[`ps${l}`] = new ort.Tensor('float32', Float32Array.from({ length: P * HKV }, () => 0.01), [1, P, HKV]);
    }
  }
  return f;
}
const res = {};
const rounds = Number(process.env.ROUNDS ?? 7), inner = 5;
const all = [];
for (const P of Ps) for (const S of Ss) for (const kind of ['fp32', 'int8k']) all.push({ P, S, kind, f: feeds(kind, P, S) });
for (const x of all) await sess[x.kind].run(x.f);
for (let r = 0; r < rounds; r++) for (const x of all) {
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) await sess[x.kind].run(x.f);
  (res[`${x.P}:${x.S}:${x.kind}`] ??= []).push((performance.now() - t0) / inner);
}
if (process.env.PROFILE) { for (const s of Object.values(sess)) s.endProfiling(); }
const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
console.log('| P | S | fp32 keys ms | int8 keys ms | int8 / fp32 |');
console.log('|---|---|---|---|---|');
for (const P of Ps) for (const S of Ss) {
  const a = med(res[`${P}:${S}:fp32`]), b = med(res[`${P}:${S}:int8k`]);
  console.log(`| ${P} | ${S} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)}x |`);
}
