// Timing probe of 2026-12-04 (docs/BENCHMARKS.md, "Fewer nodes for the Q4_1 offset"): the cached
// default graph (argv[2]) against the graph the current builder makes, interleaved, random caches.
// Run from scripts/ after applying experiment.diff and npx tsc -p .:
//   cp docs/bench/nodes-zen4-dec04/probe.mjs scripts/_probe.mjs && PS=300,500,1000 SS=2 node scripts/_probe.mjs ~/.cache/prism-complete/graphs/<hash>-nbits-a4-int8-p8192.onnx [fp32]
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const { readGguf } = require('../out/kernels/gguf.js');
const { readModelConfig } = require('../out/kernels/model-config.js');
const { buildTargetGraph, DEFAULT_GRAPH_OPTIONS, kvInputNames } = require('../out/kernels/llama-graph.js');
const { resolveModelPath } = require('../out/server/paths.js');
const { causalMask } = require('../out/server/engine/masks.js');
const file = readGguf(resolveModelPath()); const cfg = readModelConfig(file);
const B = buildTargetGraph(file, cfg, { ...DEFAULT_GRAPH_OPTIONS, maxPositions: 8192, ...(process.argv[3] === 'fp32' ? { accuracyLevel: 0, head: 'f32' } : {}) });
const so = { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '1' } } } };
const sa = await ort.InferenceSession.create(process.argv[2], so); const sb = await ort.InferenceSession.create(B, so);
const W = cfg.nKvHeads * cfg.headDim;
for (const P of (process.env.PS ?? "500,1000").split(",").map(Number)) {
  for (const S of (process.env.SS ?? "2,8").split(",").map(Number)) {
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from({ length: S }, (_, i) => BigInt(100 + 37 * i)), [1, S]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: S }, (_, i) => BigInt(P + i)), [1, S]),
      attn_mask: new ort.Tensor('float32', causalMask(P, S), [S, P + S]),
      logits_index: new ort.Tensor('int64', BigInt64Array.from({ length: S }, (_, i) => BigInt(i)), [S]),
      inv_temperature: new ort.Tensor('float32', Float32Array.of(0), [1]),
    };
    for (let l = 0; l < cfg.nLayers; l++) { const n = kvInputNames(l); const k = new Float32Array(P * W).map(() => Math.random() - 0.5); feeds[n.pastK] = new ort.Tensor('float32', k, [1, P, W]); feeds[n.pastV] = new ort.Tensor('float32', k.slice(), [1, P, W]); }
    const fetches = ['argmax']; for (let l = 0; l < cfg.nLayers; l++) { const n = kvInputNames(l); fetches.push(n.newK, n.newV); }
    const oa = await sa.run(feeds, ['logits', 'argmax', 'new_k_29', 'taps']); const ob = await sb.run(feeds, ['logits', 'argmax', 'new_k_29', 'taps']);
    let md = 0; const la = oa.logits.data, lb = ob.logits.data; for (let i = 0; i < la.length; i++) md = Math.max(md, Math.abs(la[i] - lb[i]));
    const same = [...oa.argmax.data].every((v, i) => v === ob.argmax.data[i]);
    const time = async (s) => { const t0 = performance.now(); for (let i = 0; i < 8; i++) await s.run(feeds, fetches); return (performance.now() - t0) / 8; };
    await time(sa); await time(sb);
    const ra = [], rb = [];
    for (let r = 0; r < 15; r++) { ra.push(await time(sa)); rb.push(await time(sb)); }
    const med = (x) => x.sort((a, b) => a - b)[7];
    console.log(`P=${P} S=${S}: before ${med(ra).toFixed(2)} ms, after ${med(rb).toFixed(2)} ms, ratio ${(med(ra) / med(rb)).toFixed(3)}; logits max |diff| ${md.toExponential(2)}, argmax equal ${same}`);
  }
}
