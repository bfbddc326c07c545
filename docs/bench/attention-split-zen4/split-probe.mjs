// The split attention (experiment.diff) against the default fast attention: logits and new K/V rows
// bit for bit at P cached positions x S new rows of real code. Apply the diff first:
//   git apply docs/bench/attention-split-zen4/experiment.diff && npx tsc -p . && node docs/bench/attention-split-zen4/split-probe.mjs
// (PS=..., SS=... override the grid). Not kept in the product: docs/BENCHMARKS.md, "The past read in place".
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { TargetModel } = require('./out/server/engine/target.js');
const { resolveModelPath } = require('./out/server/paths.js');
const fast = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2 });
const split = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2, graph: { attention: 'split' } });
const text = fs.readFileSync(new URL('../../../server/engine/speculative.ts', import.meta.url), 'utf8') + fs.readFileSync(new URL('../../../server/engine/engine.ts', import.meta.url), 'utf8');
const ids = t => t;
const all = fast.tokenizer.encode(text);
const c = fast.newCache();
await fast.extend(c, all.slice(0, 1600));
const Ps = (process.env.PS ?? '0,1,100,250,255,256,257,300,500,511,512,513,700,1000,1500').split(',').map(Number);
const Ss = (process.env.SS ?? '1,2,5,8,16,64,256').split(',').map(Number);
let bad = 0, n = 0;
for (const P of Ps) for (const S of Ss) {
  c.tokens = all.slice(0, P);
  c.length = P; // (truncate only moves length back; rows stay)
  const req = { ids: all.slice(P, P + S), rows: Array.from({ length: S }, (_, i) => i), logits: true };
  const a = await fast.forward(c, req), b = await split.forward(c, req);
  let md = 0, same = true;
  for (let i = 0; i < a.logits.length; i++) { const d = Math.abs(a.logits[i] - b.logits[i]); if (d > md) md = d; if (a.logits[i] !== b.logits[i]) same = false; }
  for (let l = 0; l < a.newK.length; l++) for (let i = 0; i < a.newK[l].length; i++) if (a.newK[l][i] !== b.newK[l][i] || a.newV[l][i] !== b.newV[l][i]) same = false;
  n++; if (!same) { bad++; console.log(`P=${P} S=${S}: differs, max |dlogit| ${md}`); }
}
console.log(`${n - bad}/${n} (P,S) pairs bit-identical`);
