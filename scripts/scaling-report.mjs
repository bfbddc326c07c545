// The report of scripts/scaling.sh: for each arm (PRISM M = 3, EAGLE-3, stacked EAGLE-3) and each
// budget, the dev validation at the end of its run (per-step top-1 agreement with the target under
// teacher forcing, simulated acceptance length of the K = 4 chain, training time); the ablation
// over M and sigma at the middle budget; each arm's measured draft step cost. Writes
// acceptance.svg, top1.svg and report.md to --out, and prints report.md. Runs that are missing (a
// study still going) are left out and listed.
//
//   npm run build && node scripts/scaling-report.mjs --dir ~/.cache/prism-complete/pipeline/scaling \
//     --budgets "60 120 240" --out docs/scaling
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { lineChart } = require('../out/server/bench/svg.js');

const args = process.argv.slice(2);
const opt = (flag) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
const dir = opt('--dir'), out = opt('--out'), budgets = (opt('--budgets') ?? '').trim().split(/\s+/).map(Number);
if (!dir || !out || budgets.length !== 3 || budgets.some((b) => !(b > 0))) {
  console.error('usage: node scripts/scaling-report.mjs --dir SCALING_DIR --budgets "I1 I2 I3" --out DIR');
  process.exit(2);
}

const missing = [];
/** The last validation of a run and its training time, or undefined when the run has not finished. */
function result(name, iters) {
  const file = path.join(dir, `${name}-i${iters}`, 'metrics.jsonl');
  if (!fs.existsSync(path.join(dir, `${name}-i${iters}`, 'head.gguf')) || !fs.existsSync(file)) { missing.push(`${name}-i${iters}`); return undefined; }
  const rs = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const val = rs.filter((r) => r.val && r.iter === iters).pop();
  const train = rs.filter((r) => r.elapsed_s !== undefined && !r.val).pop();
  if (!val) { missing.push(`${name}-i${iters}`); return undefined; }
  return { positions: val.positions, acc: val.val.acc, accept: val.val.acceptance_length, loss: val.val.loss, minutes: train ? train.elapsed_s / 60 : NaN };
}
/** ms per single-position draft step with 8-bit weights (median of the rounds), from bench-draft-graphs.js's output. */
function stepMs(name) {
  const file = path.join(dir, `${name}-step.txt`);
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const ms = [...text.matchAll(/8-bit weights ([\d.]+) ms\/step/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  return ms.length ? { ms: ms[Math.floor(ms.length / 2)], cpu: text.split('\n')[0].replace(/; [^;]*, \d+ modules, .*$/, '') } : undefined;
}

const arms = [
  { name: 'prism', label: 'PRISM (M = 3, sigma 1,2,3,3)' },
  { name: 'eagle3', label: 'EAGLE-3 (M = 1)' },
  { name: 'stacked', label: 'stacked EAGLE-3 (3 layers per step)' },
];
const rows = arms.map((a) => ({ ...a, points: budgets.map((b) => ({ iters: b, r: result(a.name, b) })).filter((p) => p.r) }));

fs.mkdirSync(out, { recursive: true });
const chart = (key, yLabel, title) => lineChart(
  rows.filter((a) => a.points.length).map((a) => ({ name: a.label.replace(/ \(.*/, ''), dots: true, points: a.points.map((p) => [p.r.positions / 1e6, key(p.r)]) })),
  { title, xLabel: 'token positions trained on (millions, from scratch)', yLabel },
);
fs.writeFileSync(path.join(out, 'acceptance.svg'), chart((r) => r.accept, 'simulated acceptance length (K = 4)', 'Heads vs training positions: acceptance'));
fs.writeFileSync(path.join(out, 'top1.svg'), chart((r) => r.acc[0], 'dev top-1 agreement, step 1', 'Heads vs training positions: top-1'));

const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const lines = ['## Scaling: three arms, three budgets', '',
  '| arm | iterations | positions | top-1 step 1 / 2 / 3 / 4 | simulated acceptance | vs EAGLE-3 | training min |', '|---|---|---|---|---|---|---|'];
for (const a of rows) {
  for (const p of a.points) {
    const e = rows[1].points.find((q) => q.iters === p.iters);
    lines.push(`| ${a.label} | ${p.iters} | ${(p.r.positions / 1e6).toFixed(2)}M | ${p.r.acc.map(f3).join(' / ')} | ${f3(p.r.accept)} | ${e ? `${(p.r.accept / e.r.accept).toFixed(3)}x` : '-'} | ${p.r.minutes.toFixed(1)} |`);
  }
}
// Where the curve points: the gain in acceptance per doubling of positions, per arm.
lines.push('', '| arm | acceptance gain per doubling of positions (budget 1 -> 2, 2 -> 3) |', '|---|---|');
for (const a of rows) {
  const g = [];
  for (let i = 1; i < a.points.length; i++) {
    const p = a.points[i - 1].r, q = a.points[i].r;
    g.push(((q.accept - p.accept) / Math.log2(q.positions / p.positions)).toFixed(3));
  }
  lines.push(`| ${a.label} | ${g.join(', ') || '-'} |`);
}
const mid = budgets[1];
const ablation = [
  ['eagle3', 'M = 1 (EAGLE-3)', '1,1,1,1'], ['prism-m2', 'M = 2', '1,2,2,2'], ['prism', 'M = 3', '1,2,3,3'],
  ['prism-m4', 'M = 4', '1,2,3,4'], ['prism-cyclic', 'M = 3, cyclic', '1,2,3,1'], ['prism-late', 'M = 3, late split', '1,1,2,3'],
];
lines.push('', `## Ablation over M and sigma (${mid} iterations each)`, '',
  '| head | sigma (module of step 1..4) | top-1 step 1 / 2 / 3 / 4 | simulated acceptance | training min |', '|---|---|---|---|---|');
for (const [name, label, sigma] of ablation) {
  const r = result(name, mid);
  if (r) lines.push(`| ${label} | ${sigma} | ${r.acc.map(f3).join(' / ')} | ${f3(r.accept)} | ${r.minutes.toFixed(1)} |`);
}
const costs = arms.map((a) => ({ ...a, s: stepMs(a.name) })).filter((a) => a.s);
if (costs.length) {
  lines.push('', `## Per-step cost (one draft position, 500 cached, 8-bit weights, 1 thread; ${costs[0].s.cpu})`, '', '| arm | ms per draft step |', '|---|---|');
  for (const a of costs) lines.push(`| ${a.label} | ${a.s.ms.toFixed(3)} |`);
}
if (missing.length) lines.push('', `Not finished (left out): ${[...new Set(missing)].join(', ')}.`);
fs.writeFileSync(path.join(out, 'report.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
