// Summary of type-enter.mjs runs: node docs/bench/next-line-typed/summary.mjs A.jsonl B.jsonl ...
// Per run: at how many files something showed at the line's end while the user paused (and its
// first frame, ms after the last key), and the ghost text after Enter (ms after Enter, p50 / p90).
import { readFileSync } from 'node:fs';
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
for (const f of process.argv.slice(2)) {
  const rows = readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((r) => !r.error);
  const end = rows.filter((r) => r.end_ms >= 0).map((r) => r.end_ms);
  const enter = rows.filter((r) => r.enter_ms >= 0).map((r) => r.enter_ms);
  const under50 = enter.filter((ms) => ms < 50).length;
  console.log(`${f}: ${rows.length} files; shown at the line's end ${end.length} (first frame p50 / p90 ${q(end, 0.5)} / ${q(end, 0.9)} ms); ghost text after Enter ${enter.length}, p50 / p90 ${q(enter, 0.5)} / ${q(enter, 0.9)} ms, under 50 ms at ${under50}`);
}
