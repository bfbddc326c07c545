// Where a head's curve points: dev validation (top-1 agreement at draft step 1, simulated
// acceptance length) against the token positions the head has been trained on in all, across the
// rounds of continued training that made it. Each round is a run folder of prism.train (its
// metrics.jsonl has a validation record every --every iterations with the run's positions so far);
// a round starts where the previous one ended. Writes an SVG chart and a markdown table.
//
//   npx tsc -p . && node scripts/head-curve.mjs --out docs/head-curve \
//     --series 'PRISM (M = 3)=1228800:baseline-prism,cont-prism-i1300-b8,cont-prism-i700-b8-r2' \
//     --series 'EAGLE-3 (M = 1)=1228800:baseline-eagle3,cont-eagle3-i1300-b8'
//
// START (positions before the first folder) is the budget of the head the first folder
// continued; a folder whose only record is at iteration 1 (prism.train --lr 0 --iters 1, a
// validation of that head) is its starting point. Folders are read from $PRISM_PIPELINE
// (default ~/.cache/prism-complete/pipeline) unless given as paths. A RUN that names a table.md
// this script wrote takes that series' rows from it (earlier rounds trained on another machine,
// whose run folders this cache lacks); the folders after it continue from its last row:
//   node scripts/head-curve.mjs --out docs/head-curve \
//     --series 'PRISM (M = 3)=0:docs/head-curve/table.md,cont-prism-i1000-b8-r7' --series 'EAGLE-3 (M = 1)=0:docs/head-curve/table.md'
// RUN#VARIANT reads one head of a prism.online run (several heads per record); RUN may be a .jsonl:
//   node scripts/head-curve.mjs --out docs/head-curve-gpu \
//     --series 'PRISM, GPU=0:./docs/bench/heads-gpu-h200-dec04#prism' --series 'EAGLE-3, GPU=0:./docs/bench/heads-gpu-h200-dec04#eagle3'
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { lineChart } = require('../out/server/bench/svg.js');

const args = process.argv.slice(2);
const take = (flag) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
const out = take('--out')[0];
const specs = take('--series');
if (!out || specs.length === 0) {
  console.error('usage: node scripts/head-curve.mjs --out DIR --series "NAME=START:RUN,RUN,..." [--series ...]');
  process.exit(2);
}
const pipeline = process.env.PRISM_PIPELINE ?? path.join(os.homedir(), '.cache', 'prism-complete', 'pipeline');

/**
 * The validation records of one run, in order: a run folder, or a metrics .jsonl file. RUN#VARIANT
 * takes that head's reports from a run of prism.online, which validates several heads per record.
 */
function records(spec) {
  const [run, variant] = spec.split('#');
  const dir = path.isAbsolute(run) || run.startsWith('.') ? run : path.join(pipeline, run);
  const file = run.endsWith('.jsonl') ? dir : path.join(dir, 'metrics.jsonl');
  if (!fs.existsSync(file)) throw new Error(`${file}: no metrics.jsonl (is the run folder right? PRISM_PIPELINE=${pipeline})`);
  const rs = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => r.val);
  if (!variant) return rs;
  if (!rs.every((r) => r.val[variant])) throw new Error(`${file}: not every record has a report for '${variant}'`);
  return rs.map((r) => ({ ...r, val: r.val[variant] }));
}

/** A series' rows of a table.md this script wrote (positions to 10K, as printed). */
function tableRows(file, name) {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such table`);
  const rows = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.split('|').map((c) => c.trim()))
    .filter((c) => c[1] === name && /M$/.test(c[3] ?? ''))
    .map((c) => ({ run: c[2], positions: Number(c[3].slice(0, -1)) * 1e6, top1: Number(c[4]), accept: Number(c[5]) }));
  if (rows.length === 0) throw new Error(`${file}: no rows for the series '${name}'`);
  return rows;
}

const series = specs.map((spec) => {
  const m = /^(.+)=(\d+):(.+)$/.exec(spec);
  if (!m) throw new Error(`--series ${spec}: expected NAME=START:RUN,RUN,...`);
  let base = Number(m[2]);
  const points = [];
  for (const run of m[3].split(',')) {
    if (run.endsWith('.md')) {
      const rows = tableRows(run, m[1]);
      points.push(...rows);
      base = rows.at(-1).positions;
      continue;
    }
    const rs = records(run);
    const onlyStart = rs.length === 1 && rs[0].iter === 1;
    // A resumed run logs the records after its checkpoint again from there: keep the last per iteration.
    const byIter = new Map(rs.map((r) => [r.iter, r]));
    let last = 0;
    for (const r of [...byIter.values()].sort((a, b) => a.iter - b.iter)) {
      const p = onlyStart ? 0 : r.positions;
      points.push({ run, positions: base + p, top1: r.val.acc[0], accept: r.val.acceptance_length });
      last = p;
    }
    base += last;
  }
  return { name: m[1], points };
});

fs.mkdirSync(out, { recursive: true });
const chart = (key, yLabel, title) => lineChart(
  series.map((s) => ({ name: s.name, points: s.points.map((p) => [p.positions / 1e6, p[key]]), dots: true })),
  { title, xLabel: 'token positions trained on (millions, all rounds)', yLabel },
);
fs.writeFileSync(path.join(out, 'top1.svg'), chart('top1', 'dev top-1 agreement, step 1', 'Draft head vs training positions: top-1'));
fs.writeFileSync(path.join(out, 'acceptance.svg'), chart('accept', 'simulated acceptance length', 'Draft head vs training positions: acceptance'));
const lines = ['| head | run | positions (all rounds) | dev top-1, step 1 | simulated acceptance length |', '|---|---|---|---|---|'];
for (const s of series) for (const p of s.points) lines.push(`| ${s.name} | ${p.run} | ${(p.positions / 1e6).toFixed(2)}M | ${p.top1.toFixed(3)} | ${p.accept.toFixed(3)} |`);
fs.writeFileSync(path.join(out, 'table.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
