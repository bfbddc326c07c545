// Summary of dot.mjs outputs by their frame fields: node frames-summary.mjs FILE... (first ghost and settled ms p50/p90 from every frame, dots with a blank after the ghost text first showed, members right, lists).
import fs from 'node:fs';
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : '-'; };
for (const f of process.argv.slice(2)) {
  const R = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{"name"')).map((l) => JSON.parse(l));
  const g = R.filter((r) => r.frame_ghost_ms >= 0);
  console.log(f.split('/').pop(), `n ${R.length} | first ghost p50/p90 ${q(g.map((r) => r.frame_ghost_ms), 0.5)}/${q(g.map((r) => r.frame_ghost_ms), 0.9)} | settled p50/p90 ${q(g.map((r) => r.frame_settled_ms), 0.5)}/${q(g.map((r) => r.frame_settled_ms), 0.9)} | dots with a blank ${R.filter((r) => r.blanks > 0).length} (blank ms ${R.filter((r) => r.blanks > 0).map((r) => r.blank_ms).join(',')}) | right ${R.filter((r) => r.right).length} | list ${R.filter((r) => r.list_ms >= 0).length}`);
}
