// Summary of dot.mjs outputs: node summary.mjs FILE... (list, ghost and settled ms p50/p90; members right; whether an open list selected the ghost text's member).
import fs from 'node:fs';
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : '-'; };
for (const f of process.argv.slice(2)) {
  const rows = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{"name"')).map((l) => JSON.parse(l));
  const list = rows.filter((r) => r.list_ms >= 0).map((r) => r.list_ms), ghost = rows.filter((r) => r.ghost_ms >= 0).map((r) => r.ghost_ms), whole = rows.filter((r) => r.ghost_ms >= 0).map((r) => r.whole_ms);
  console.log(f.split('/').pop(), `n ${rows.length} | list ${list.length} p50/p90 ${q(list, 0.5)}/${q(list, 0.9)} | ghost p50/p90 ${q(ghost, 0.5)}/${q(ghost, 0.9)} | settled p50/p90 ${q(whole, 0.5)}/${q(whole, 0.9)} | right ${rows.filter((r) => r.right).length} item_right ${rows.filter((r) => r.item_right).length} | open list selects the ghost's member ${rows.filter((r) => r.list && r.item === r.ghost_member).length}/${rows.filter((r) => r.list).length}`);
}
