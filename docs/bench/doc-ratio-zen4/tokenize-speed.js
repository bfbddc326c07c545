// Tokenizing 64,000 characters of new text (five languages), the first call warming the JIT:
// node docs/bench/doc-ratio-zen4/tokenize-speed.js
const path = require('path');
const ROOT = path.join(__dirname, '..', '..', '..');
const { readGguf } = require(path.join(ROOT, 'out/kernels/gguf.js'));
const { sharedDataDir } = require(path.join(ROOT, 'out/server/bench/data.js'));
const DATA = sharedDataDir(ROOT);
const { Tokenizer } = require(path.join(ROOT, 'out/kernels/tokenizer.js'));
const fs = require('fs');
const tok = Tokenizer.fromGguf(readGguf(path.join(ROOT, '.models/SmolLM2-135M-Instruct.Q4_1.gguf')));
const texts = [];
for (const lang of ['python','go','java','rust','c_cpp']) { let t=''; for (const line of fs.readFileSync(path.join(DATA, 'corpus', `${lang}.jsonl`),'utf8').split('\n').slice(100,200)) { if (line) t += JSON.parse(line).content; if (t.length > 64000) break; } texts.push(t.slice(0,64000)); }
for (const t of texts){const a=performance.now(); const n=tok.encode(t).length; console.log(t.length, n, (performance.now()-a).toFixed(1),'ms');}
