// How many dev-split files fit a 1,024-token prompt whole (SmolLM2 tokenizer):
// node docs/bench/doc-ratio-zen4/whole-file-fit.js
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
let n=0, fit=0, fit700=0; const sizes=[];
for (const lang of ['python','typescript','go','java','rust','c_cpp','javascript']) {
  for (const line of fs.readFileSync(path.join(DATA, 'corpus', `${lang}.jsonl`),'utf8').split('\n')) {
    if (!line) continue; const r = JSON.parse(line); if (!dev.has(r.repo)) continue;
    const t = r.content; if (t.length > 60000) { n++; continue; }
    const k = tok.encode(t).length; n++; if (k <= 1024) fit++; sizes.push(k);
  }
}
sizes.sort((a,b)=>a-b);
console.log('dev files', n, 'fit 1024 tokens', fit, (fit/n*100).toFixed(1)+'%', 'median tokens', sizes[sizes.length>>1]);
