// What a confidence gate on the model's own indentation would have shown at the probe's
// positions: gate.mjs's gaps joined with probe.mjs's DUMP lines (same positions, same order).
// Where the model leaves the editor's indentation by less than MARGIN nats, the line is the
// editor-indent arm's; elsewhere the own-indent arm's.
// Usage: node docs/bench/dedent-zen4/gate-sim.mjs probe-80x4.txt gaps.jsonl
import { readFileSync } from 'node:fs';
import { require } from '../hybrid-setup.mjs';
const { editSimilarity } = require('./out/server/bench/quality.js');

const dump = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.startsWith('{"kind"')).map((l) => JSON.parse(l));
const gaps = readFileSync(process.argv[3], 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
if (dump.length !== gaps.length || dump.some((d, i) => d.kind !== gaps[i].kind)) throw new Error(`the two files are not the same positions (${dump.length} vs ${gaps.length})`);
const indentOf = (l) => /^[ \t]*/.exec(l)[0];
console.log('| margin (nats) | real line | n | exact | indentation right | edit similarity | empty | gate kept the editor\'s |');
console.log('|---|---|---|---|---|---|---|---|');
for (const margin of [0, 1, 2, 3, 4, 6, 8, Infinity]) {
  const rows = dump.map((d, i) => {
    const g = gaps[i];
    const keep = g.gap > 0 && g.gap < margin;
    const line = keep ? d.editor : d.own;
    return { kind: d.kind, keep, exact: line === d.real, indent: indentOf(line) === indentOf(d.real), sim: editSimilarity(line, d.real), empty: line.trim() === '' };
  });
  for (const kind of ['dedent', 'same', 'deeper', 'all']) {
    const s = rows.filter((r) => kind === 'all' || r.kind === kind);
    const cnt = (k) => s.filter((r) => r[k]).length;
    console.log(`| ${margin === Infinity ? 'always editor\'s where it leaves it' : margin} | ${kind} | ${s.length} | ${cnt('exact')} | ${cnt('indent')} | ${(s.reduce((a, r) => a + r.sim, 0) / s.length).toFixed(3)} | ${cnt('empty')} | ${cnt('keep')} |`);
  }
}
