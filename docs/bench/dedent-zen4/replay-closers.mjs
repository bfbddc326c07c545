// Shapes the model text bench-quality kept (PRISM_BENCH_QUALITY_RAW=/tmp/qraw.jsonl node dist/cli.js
// bench-quality --files 30 --per-kind 2 --no-llama --out DIR) with shape.js before 262e409 (copied to
// out/server/lsp/shape-before.js) and after it; prints how many replies changed and, over those, the
// whole suggestion's edit similarity to the file's text. Needs `npx tsc -p .` (out/).
import * as fs from 'node:fs';
import { require } from '../hybrid-setup.mjs';
const after = require('./out/server/lsp/shape.js');
const before = require('./out/server/lsp/shape-before.js');
const { cursorContext } = require('./out/server/lsp/completer.js');
const { editSimilarity } = require('./out/server/bench/quality.js');
let n = 0, diff = 0, sumB = 0, sumA = 0; const ex = [];
for (const l of fs.readFileSync(process.argv[2] ?? '/tmp/qraw.jsonl', 'utf8').trim().split('\n')) {
  const r = JSON.parse(l);
  if (!r.contender.startsWith('ours')) continue;
  const c = cursorContext(r.text, r.offset);
  const o = { open: r.finish === 'length' };
  const b = before.shapeCompletion(r.raw, c, r.mode, o), a = after.shapeCompletion(r.raw, c, r.mode, o);
  n++;
  if (a === b) continue;
  diff++;
  const real = (s) => [r.line, ...r.following.split('\n')].slice(0, s.split('\n').length).join('\n');
  sumB += editSimilarity(b, real(b)); sumA += editSimilarity(a, real(a));
  ex.push({ contender: r.contender.slice(0, 30), file: r.file, before: b.slice(-60), after: a.slice(-60), next: r.following.split('\n').slice(0, 2) });
}
console.log(`${n} replies (every 'ours' contender), ${diff} shaped differently; whole-suggestion edit similarity over those: before ${(sumB / (diff || 1)).toFixed(3)}, after ${(sumA / (diff || 1)).toFixed(3)}`);
for (const e of ex) console.log(JSON.stringify(e));
