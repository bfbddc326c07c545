// ms per target run over k rows after P cached positions (ARMS: fast = the default graph, inexact = one-row
// kernels, rows = the experiment's attention, experiment.diff applied; median of R rounds of 5 runs), and
// bit-identity of a k-row chain's rows with the same rows decoded alone (padded), on real code (EXACT=0: skip).
// node docs/bench/zen3-avx2/rows-probe.mjs (ARMS=fast,rows R=7 PS=250,1000 KS=1,8)
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { interleavedRuns, median } from '../interleaved-runs.mjs';
const ROOT = new URL('../../..', import.meta.url).pathname;
const require = createRequire(ROOT + '/package.json');
const { TargetModel } = require(ROOT + '/out/server/engine/target.js');
const { resolveModelPath } = require(ROOT + '/out/server/paths.js');
const names = (process.env.ARMS ?? 'fast,rows').split(',');
const M = {};
for (const a of names) M[a] = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2, exact: a !== 'inexact', graph: a === 'fast' || a === 'inexact' ? {} : { attention: a } });
const first = M[names[0]];
const text = fs.readFileSync(ROOT + '/server/engine/speculative.ts', 'utf8') + fs.readFileSync(ROOT + '/server/engine/engine.ts', 'utf8');
const all = first.tokenizer.encode(text);
const c = first.newCache();
await first.extend(c, all.slice(0, 1700));
const Ps = (process.env.PS ?? '250,1000').split(',').map(Number);
const Ks = (process.env.KS ?? '1,8').split(',').map(Number);
const R = Number(process.env.R ?? 7);
if (process.env.EXACT !== '0') {
  // bit identity: each arm's k-row chain rows vs the same arm's padded single rows; and arms vs each other
  for (const [name, t] of Object.entries(M)) {
    let same = 0, total = 0, argSame = 0;
    for (const P of Ps) for (const k of [2, 4, 8, 16]) {
      c.length = P; c.tokens = all.slice(0, P);
      const block = await t.forward(c, { ids: all.slice(P, P + k), rows: [...Array(k).keys()], logits: true });
      const V = block.logits.length / k;
      for (let r = 0; r < k; r++) {
        c.length = P + r; c.tokens = all.slice(0, P + r);
        const one = await t.forward(c, { ids: [all[P + r]], logits: true });
        const a = block.logits.subarray(r * V, (r + 1) * V), b = one.logits;
        let eq = true; for (let i = 0; i < V; i++) if (a[i] !== b[i]) { eq = false; break; }
        same += eq ? 1 : 0; total++; argSame += block.argmax[r] === one.argmax[0] ? 1 : 0;
      }
    }
    console.log(`${name}: chain rows equal to rows decoded alone, bit for bit: ${same} / ${total} (argmax ${argSame})`);
  }
}
const res = await interleavedRuns(M, c, all, { Ps, Ks, rounds: R });
const med = median;
for (const k of Ks) console.log(`k=${k}${k === 1 ? ' (padded)' : ''}: ` + Ps.map((P) => `P=${P} ` + names.map((n) => med(res[`${P}:${k}:${n}`]).toFixed(1)).join(' / ') + ' ms').join('  '));
console.log('arms: ' + names.join(' / '));
