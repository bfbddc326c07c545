// node-llama-cpp, the same GGUF, 2 threads: one token's evaluation (controlledEvaluate, what the
// verification table times as k=1) vs a token of its evaluate() generator at temperature 0 (what
// bench-plain times as its decode), after the same 300 tokens of dev-split code, alternating, 5 rounds.
//   npx tsc -p . && node docs/bench/stop49-zen4/llama-eval-vs-generator.mjs
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
const root = new URL('../../..', import.meta.url).pathname;
const require = createRequire(`${root}/package.json`);
const { LlamaContender } = require('./out/server/bench/llama.js');
const { resolveModelPath } = require('./out/server/paths.js');
const { devFiles, sharedDataDir } = require('./out/server/bench/data.js');
const { Tokenizer } = require('./out/kernels/tokenizer.js');
const { readGguf } = require('./out/kernels/gguf.js');
const modelPath = resolveModelPath();
const tok = Tokenizer.fromGguf(readGguf(modelPath));
const ids = tok.encode(devFiles(sharedDataDir(root), 10, { minBytes: 8000, maxBytes: 60000 }).map((f) => f.content).join('\n')).slice(0, 316);
const llama = await LlamaContender.start(modelPath, 2);
const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); return s[s.length >> 1]; };
const one = [], gen = [];
for (let r = 0; r < 6; r++) {
  const a = await llama.verify(ids.slice(0, 300), ids.slice(300, 301));
  const g = await llama.run(tok.decode(ids.slice(0, 300)), 64);
  if (r > 0) { one.push(a); gen.push(g.decodeMs / (g.tokens - 1)); }
}
console.log(`${cpus()[0]?.model}: node-llama-cpp after 300 tokens: one token's evaluation p50 ${median(one).toFixed(1)} ms; a token of evaluate() at temperature 0 p50 ${median(gen).toFixed(1)} ms (64 tokens, 5 rounds)`);
await llama.close?.();
