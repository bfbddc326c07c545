// ms per target run, fast vs split attention (experiment.diff applied), interleaved, median of 7 rounds of 5 runs,
// k rows after P cached positions: node docs/bench/attention-split-zen4/splitt-probe.mjs (PS=..., KS=...).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { interleavedRuns, median } from '../interleaved-runs.mjs';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { TargetModel } = require('./out/server/engine/target.js');
const { resolveModelPath } = require('./out/server/paths.js');
const M = { fast: await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2 }),
  split: await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2, graph: { attention: 'split' } }) };
const text = fs.readFileSync(new URL('../../../server/engine/speculative.ts', import.meta.url), 'utf8') + fs.readFileSync(new URL('../../../server/engine/engine.ts', import.meta.url), 'utf8');
const all = M.fast.tokenizer.encode(text);
const c = M.fast.newCache();
await M.fast.extend(c, all.slice(0, 1600));
const Ps = (process.env.PS ?? '100,300,600,1000,1500').split(',').map(Number);
const Ks = (process.env.KS ?? '1,8').split(',').map(Number);
const res = await interleavedRuns(M, c, all, { Ps, Ks, rounds: 7 });
const med = median;
for (const k of Ks) console.log(`k=${k}: ` + Ps.map((P) => { const f = med(res[`${P}:${k}:fast`]), s = med(res[`${P}:${k}:split`]); return `P=${P} ${f.toFixed(1)} -> ${s.toFixed(1)} ms (${(f / s).toFixed(2)}x)`; }).join('  '));
