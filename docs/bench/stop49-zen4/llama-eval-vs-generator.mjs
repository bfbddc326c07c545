// node-llama-cpp, the same GGUF, 2 threads: one token's evaluation (controlledEvaluate, what the
// verification table times as k=1) vs a token of its evaluate() generator at temperature 0 (what
// bench-plain times as its decode), after the same 300 tokens of dev-split code, alternating, 5 rounds.
//   npx tsc -p . && node docs/bench/stop49-zen4/llama-eval-vs-generator.mjs
import { llamaSetup } from '../hybrid-setup.mjs';
const { cpu, tok, ids, llama } = await llamaSetup(316);
const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); return s[s.length >> 1]; };
const one = [], gen = [];
for (let r = 0; r < 6; r++) {
  const a = await llama.verify(ids.slice(0, 300), ids.slice(300, 301));
  const g = await llama.run(tok.decode(ids.slice(0, 300)), 64);
  if (r > 0) { one.push(a); gen.push(g.decodeMs / (g.tokens - 1)); }
}
console.log(`${cpu}: node-llama-cpp after 300 tokens: one token's evaluation p50 ${median(one).toFixed(1)} ms; a token of evaluate() at temperature 0 p50 ${median(gen).toFixed(1)} ms (64 tokens, 5 rounds)`);
await llama.close?.();
