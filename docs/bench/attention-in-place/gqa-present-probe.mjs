// onnxruntime-node and GroupQueryAttention with past and present in one buffer (a preallocated output): ORT writes in place, but the binding copies every fetched output back into a new ArrayBuffer. One GQA node, 32,768-row buffer, 20 runs. From the repository root after npm run build: node docs/bench/attention-in-place/gqa-present-probe.mjs prealloc|none
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const ort = require('onnxruntime-node');
const { GraphBuilder, DT } = require(new URL('../../../out/kernels/onnx.js', import.meta.url).pathname);
const Hq = 9, Hkv = 3, D = 64, CAP = 32768;
const g = new GraphBuilder('gqa');
const q = g.input('q', DT.FLOAT, [1, 'S', Hq * D]);
const k = g.input('k', DT.FLOAT, [1, 'S', Hkv * D]);
const v = g.input('v', DT.FLOAT, [1, 'S', Hkv * D]);
const pk = g.input('past_k', DT.FLOAT, [1, Hkv, 'C', D]);
const pv = g.input('past_v', DT.FLOAT, [1, Hkv, 'C', D]);
const sl = g.input('seqlens_k', DT.INT32, [1]);
const tot = g.input('total', DT.INT32, [1]);
g.node('GroupQueryAttention', [q, k, v, pk, pv, sl, tot], { num_heads: Hq, kv_num_heads: Hkv }, { outs: ['out', 'present_k', 'present_v'], domain: 'com.microsoft' });
g.output('out', DT.FLOAT, [1, 'S', Hq * D]);
g.output('present_k', DT.FLOAT, [1, Hkv, 'C', D]);
g.output('present_v', DT.FLOAT, [1, Hkv, 'C', D]);
const s = await ort.InferenceSession.create(g.build(), { intraOpNumThreads: 2 });
const K = new Float32Array(Hkv * CAP * D).fill(7), V = new Float32Array(Hkv * CAP * D).fill(7);
const S = 2, P = 100;
const feeds = {
  q: new ort.Tensor('float32', new Float32Array(S * Hq * D).fill(0.1), [1, S, Hq * D]),
  k: new ort.Tensor('float32', new Float32Array(S * Hkv * D).fill(0.2), [1, S, Hkv * D]),
  v: new ort.Tensor('float32', new Float32Array(S * Hkv * D).fill(0.3), [1, S, Hkv * D]),
  past_k: new ort.Tensor('float32', K, [1, Hkv, CAP, D]),
  past_v: new ort.Tensor('float32', V, [1, Hkv, CAP, D]),
  seqlens_k: new ort.Tensor('int32', Int32Array.of(P + S - 1), [1]),
  total: new ort.Tensor('int32', Int32Array.of(P + S), [1]),
};
const mode = process.argv[2];
const fetches = mode === 'prealloc' ? { out: null, present_k: new ort.Tensor('float32', K, [1, Hkv, CAP, D]), present_v: new ort.Tensor('float32', V, [1, Hkv, CAP, D]) } : ['out'];
let o;
const t0 = performance.now();
for (let i = 0; i < 20; i++) o = await s.run(feeds, fetches);
console.log(mode, `${((performance.now() - t0) / 20).toFixed(2)} ms`, 'K[P*D]', K[P * D], 'K[last]', K[CAP * D - 1], 'returned present same buffer', o.present_k ? o.present_k.data.buffer === K.buffer : 'n/a');
