// node-llama-cpp, the same GGUF, 2 threads: 16 single-token evaluations in turn after 300 tokens of
// dev-split code, each timed (with a token asked, and without), three rounds: the per-step times
// a JS caller sees.   npx tsc -p . && node docs/bench/stop49-zen4/llama-steps.mjs
import { llamaSetup } from '../hybrid-setup.mjs';
const { ids, llama: l } = await llamaSetup(340);
const seq = l.plainSeq; // the contender's sequence (a private field in TypeScript)
for (let round = 0; round < 3; round++) {
  await seq.clearHistory();
  await seq.controlledEvaluate(ids.slice(0, 300).map((t, i) => (i === 299 ? [t, { generateNext: { token: true } }] : t)));
  const ts = [];
  for (let i = 300; i < 316; i++) { const t0 = performance.now(); await seq.controlledEvaluate([[ids[i], { generateNext: { token: true } }]]); ts.push((performance.now() - t0).toFixed(1)); }
  console.log('forced tokens, one eval each:', ts.join(' '));
  await seq.clearHistory();
  await seq.controlledEvaluate(ids.slice(0, 300).map((t, i) => (i === 299 ? [t, { generateNext: { token: true } }] : t)));
  const ts2 = [];
  for (let i = 300; i < 316; i++) { const t0 = performance.now(); await seq.controlledEvaluate([ids[i]]); ts2.push((performance.now() - t0).toFixed(1)); }
  console.log('forced tokens, no generateNext:', ts2.join(' '));
}
await l.close();
