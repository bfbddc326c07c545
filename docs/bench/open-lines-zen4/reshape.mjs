// Shaping rules tried offline on the model text bench-quality recorded (PRISM_BENCH_QUALITY_RAW):
// the same replies, shaped three ways, scored against the real code after the cursor.
//   node docs/bench/open-lines-zen4/reshape.mjs RAW.jsonl
// before: as shaped before 2026-12-06 (no rule for unfinished lines)
// run:    an unfinished line (its token budget ran out) cut at a run it repeats (shape.ts cutOpenRun)
// run+drop: and a block that ran out of tokens ends at its last whole line (shape.ts as shipped)
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { cutOpenRun, shapeCompletion } = require('../../../out/server/lsp/shape.js');
const { cursorContext } = require('../../../out/server/lsp/completer.js');
const { editSimilarity } = require('../../../out/server/bench/quality.js');

const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const variants = {
  before: (r, c) => shapeCompletion(r.raw, c, r.mode),
  // The run rule alone: the unfinished last line cut at a run, then shaped as before.
  run: (r, c) => {
    if (r.finish !== 'length') return shapeCompletion(r.raw, c, r.mode);
    const last = r.raw.lastIndexOf('\n') + 1;
    return shapeCompletion(r.raw.slice(0, last) + cutOpenRun(r.raw.slice(last)), c, r.mode);
  },
  // As shipped: the run rule, and a block that ran out of tokens ends at its last whole line.
  'run+drop': (r, c) => shapeCompletion(r.raw, c, r.mode, { open: r.finish === 'length' }),
};
// The real text after the cursor: the rest of its line, then the following lines.
const real = (r) => `${r.line}\n${r.following}`;
const lcp = (a, b) => { let i = 0; while (i < a.length && i < b.length && a[i] === b[i]) i++; return i; };
const score = (r, shown) => {
  const first = shown.split('\n')[0] ?? '';
  const n = shown.split('\n').length;
  const whole = [r.line, ...r.following.split('\n')].slice(0, n).join('\n');
  const right = lcp(shown, real(r));
  return { sim: editSimilarity(first.trimEnd(), r.line.trimEnd()), simWhole: editSimilarity(shown.trimEnd(), whole.trimEnd()), right, wrong: shown.length - right, empty: shown ? 0 : 1, chars: shown.length };
};
const byContender = new Map();
for (const r of rows) byContender.set(r.contender, [...(byContender.get(r.contender) ?? []), r]);
for (const [name, rs] of byContender) {
  console.log(`\n## ${name} (${rs.length} replies; finish: ${Object.entries(rs.reduce((a, r) => ({ ...a, [r.finish]: (a[r.finish] ?? 0) + 1 }), {})).map(([k, v]) => `${k} ${v}`).join(', ')})\n`);
  console.log('| shaping | changed vs before | first-line edit similarity | whole edit similarity | characters shown | right before the first wrong one | after it (to delete) | empty |');
  console.log('|---|---|---|---|---|---|---|---|');
  const base = rs.map((r) => variants.before(r, cursorContext(r.text, r.offset)));
  for (const [v, f] of Object.entries(variants)) {
    const shown = rs.map((r) => f(r, cursorContext(r.text, r.offset)));
    const s = rs.map((r, i) => score(r, shown[i]));
    const mean = (k) => s.reduce((a, x) => a + x[k], 0) / s.length;
    const changed = shown.filter((x, i) => x !== base[i]).length;
    console.log(`| ${v} | ${changed} | ${mean('sim').toFixed(4)} | ${mean('simWhole').toFixed(4)} | ${mean('chars').toFixed(1)} | ${mean('right').toFixed(1)} | ${mean('wrong').toFixed(1)} | ${s.reduce((a, x) => a + x.empty, 0)} |`);
    if (v !== 'before') {
      for (const [i, r] of rs.entries()) if (shown[i] !== base[i]) {
        const q = (t) => JSON.stringify(t.length > 90 ? `${t.slice(0, 90)}…` : t);
        console.log(`|   | ${r.file} (${r.kind}) | real ${q(real(r).slice(0, Math.max(base[i].length, 20)))} | before ${q(base[i])} | now ${q(shown[i])} | | | |`);
      }
    }
  }
}
