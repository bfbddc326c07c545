// (node invoked.mjs LOG...) Invoked requests in a copied output channel: their answer (server / cache) and ms, and how many
// completion lines the server logged between the ask and the answer.
import * as fs from 'node:fs';
for (const f of process.argv.slice(2)) {
  const lines = fs.readFileSync(f, 'utf8').split('\n');
  const open = new Map();
  const rows = [];
  for (const l of lines) {
    let m = l.match(/asked at (\S+) (v\d+).*, invoked$/);
    if (m) { open.set(m[1] + m[2], { completions: 0 }); continue; }
    if (/\[info\] completion: /.test(l)) for (const v of open.values()) v.completions++;
    m = l.match(/answered (\S+) (v\d+)(?: \(suggestion .*\))? after (\d+) ms: (\w+)(.*)$/);
    if (m && open.has(m[1] + m[2])) { const o = open.get(m[1] + m[2]); open.delete(m[1] + m[2]); rows.push({ ms: +m[3], kind: m[4], completions: o.completions, text: m[5].slice(0, 30) }); }
    else if (m) for (const v of open.values()) v.completions = v.completions; // typing requests: ignored
  }
  const server = rows.filter((r) => r.kind === 'server');
  const ms = server.map((r) => r.ms).sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
  console.log(f, 'invoked requests', rows.length, 'to the server', server.length, 'ms p50', q(0.5), 'p90', q(0.9), 'mean', Math.round(ms.reduce((a, b) => a + b, 0) / ms.length), 'completions logged per server request', server.map((r) => r.completions).join(','), 'with items', server.filter((r) => r.text.trim() && r.text.trim() !== '(nothing)').length);
}
