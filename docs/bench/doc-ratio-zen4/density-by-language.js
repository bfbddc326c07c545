// Chars per token of dev-split files by language (SmolLM2 tokenizer, the first 6,000 characters of
// up to 40 files of at least 3,000 per language): node docs/bench/doc-ratio-zen4/density-by-language.js
const path = require('path');
const ROOT = path.join(__dirname, '..', '..', '..');
const { readGguf } = require(path.join(ROOT, 'out/kernels/gguf.js'));
const { sharedDataDir } = require(path.join(ROOT, 'out/server/bench/data.js'));
const DATA = sharedDataDir(ROOT);
const { Tokenizer } = require(path.join(ROOT, 'out/kernels/tokenizer.js'));
const fs = require('fs');
const tok = Tokenizer.fromGguf(readGguf(path.join(ROOT, '.models/SmolLM2-135M-Instruct.Q4_1.gguf')));
const splits = JSON.parse(fs.readFileSync(path.join(DATA, 'splits.json'),'utf8'));
const dev = new Set(splits.dev.map(r=>r.repo));
for (const lang of ['python','typescript','go','java','rust','c_cpp','javascript']) {
  const rs = [];
  for (const line of fs.readFileSync(path.join(DATA, 'corpus', `${lang}.jsonl`),'utf8').split('\n')) {
    if (!line) continue; const r = JSON.parse(line); if (!dev.has(r.repo)) continue;
    const t = r.text ?? r.content; if (!t || t.length < 3000) continue;
    const s = t.slice(0, 6000); rs.push(s.length / tok.encode(s).length);
    if (rs.length >= 40) break;
  }
  rs.sort((a,b)=>a-b); const q = p => rs[Math.floor(p*(rs.length-1))].toFixed(2);
  console.log(lang, rs.length, 'min', q(0), 'p10', q(.1), 'p50', q(.5), 'p90', q(.9), 'max', q(1));
}
