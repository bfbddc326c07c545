// Profile probe of 2026-12-04 (docs/BENCHMARKS.md, "Where a one-token step goes now"): onnxruntime's
// profiler over 30 padded 2-row steps after P cached positions of real code, ms per run by operator.
// Run from scripts/ after npx tsc -p .:
//   cp docs/bench/nodes-zen4-dec04/profile-probe.mjs scripts/_probe.mjs && mkdir -p /tmp/prof && PS=500,1000 node scripts/_probe.mjs
// (NOPROF=1: the same runs unprofiled, ms per run only).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const { TargetModel } = require('../out/server/engine/target.js');
const { resolveModelPath } = require('../out/server/paths.js');
const { causalMask } = require('../out/server/engine/masks.js');
const { kvInputNames } = require('../out/kernels/llama-graph.js');
const opts = { modelPath: resolveModelPath(), device: 'cpu', threads: 2 };
const t = await TargetModel.load(opts);
const { graphPath } = TargetModel.prepare(opts);
const text = fs.readFileSync(new URL('../server/cli.ts', import.meta.url), 'utf8') + fs.readFileSync(new URL('../server/lsp/server.ts', import.meta.url), 'utf8');
const ids = t.tokenizer.encode(text);
const Ps = (process.env.PS ?? '500,1000').split(',').map(Number);
for (const P of Ps) {
  const c = t.newCache();
  await t.extend(c, ids.slice(0, P));
  const so = { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableProfiling: !process.env.NOPROF, profileFilePrefix: `/tmp/prof/p${P}`, extra: { session: { intra_op: { allow_spinning: '1' } } } };
  const s = await ort.InferenceSession.create(graphPath, so);
  const S = 2;
  const feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from([ids[P], ids[P]].map(BigInt)), [1, S]),
    position_ids: new ort.Tensor('int64', BigInt64Array.from([P, P].map(BigInt)), [1, S]),
    attn_mask: new ort.Tensor('float32', causalMask(P, S), [S, P + S]),
    logits_index: new ort.Tensor('int64', BigInt64Array.of(0n), [1]),
    inv_temperature: new ort.Tensor('float32', Float32Array.of(0), [1]),
  };
  for (let l = 0; l < t.cfg.nLayers; l++) { const n = kvInputNames(l); const p = c.past(l); feeds[n.pastK] = new ort.Tensor('float32', p.k, [1, P, c.width]); feeds[n.pastV] = new ort.Tensor('float32', p.v, [1, P, c.width]); }
  const fetches = ['argmax']; for (let l = 0; l < t.cfg.nLayers; l++) { const n = kvInputNames(l); fetches.push(n.newK, n.newV); }
  for (let i = 0; i < 5; i++) await s.run(feeds, fetches);
  const t0 = performance.now();
  for (let i = 0; i < 30; i++) await s.run(feeds, fetches);
  console.log(`P=${P}: ${((performance.now() - t0) / 30).toFixed(2)} ms per run`);
  if (process.env.NOPROF) { await s.release(); continue; }
  s.endProfiling(); await s.release();
  // onnxruntime-node's endProfiling returns nothing: the newest file with this run's prefix.
  const f = `/tmp/prof/${fs.readdirSync('/tmp/prof').filter((n) => n.startsWith(`p${P}`) && n.endsWith('.json')).sort().pop()}`;
  const ev = JSON.parse(fs.readFileSync(f, 'utf8')).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const by = new Map();
  for (const e of ev) { const k = e.args.op_name; by.set(k, (by.get(k) ?? 0) + e.dur); }
  const runs = 35; const tot = [...by.values()].reduce((a, b) => a + b, 0);
  console.log(`  kernel total ${(tot / runs / 1000).toFixed(2)} ms/run`);
  for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`  ${k.padEnd(28)} ${(v / runs / 1000).toFixed(3)} ms`);
}
await t.dispose();
