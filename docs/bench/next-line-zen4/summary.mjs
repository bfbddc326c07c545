// Run: node docs/bench/next-line-zen4/summary.mjs old.jsonl new.jsonl
// Per package: cases, the next line shown after Tab (how many, ms p50 / p90, right), ghost text
// after Enter (how many, ms p50 / p90, its first line the file's next line).
import * as fs from 'node:fs';
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : '-'; };
for (const f of process.argv.slice(2)) {
  const rows = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((r) => !r.error);
  const next = rows.filter((r) => r.next_ms >= 0), enter = rows.filter((r) => r.enter_ms >= 0);
  const firstLine = (s) => s.split(/\s{2,}/)[0];
  console.log(JSON.stringify({
    file: f, cases: rows.length,
    next_shown: next.length, next_ms_p50: pct(next.map((r) => r.next_ms), 0.5), next_ms_p90: pct(next.map((r) => r.next_ms), 0.9), next_right: rows.filter((r) => r.next_right).length,
    enter_shown: enter.length, enter_ms_p50: pct(enter.map((r) => r.enter_ms), 0.5), enter_ms_p90: pct(enter.map((r) => r.enter_ms), 0.9),
    enter_first_line_right: rows.filter((r) => r.enter_ghost && r.file_next.startsWith(firstLine(r.enter_ghost)) && firstLine(r.enter_ghost).length > 0).length,
    enter_frames_blank_later: rows.filter((r) => r.frames_after_enter.slice(1).some((x) => x.endsWith(':0'))).length,
  }));
}
