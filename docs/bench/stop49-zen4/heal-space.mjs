// The healed argmax for tails that start much of the vocabulary (a lone space: a third of it),
// against the masked pass it used to take: the first request with such a tail (its list built)
// and the next ones (the list kept per tokenizer), median of 21 on one row of random logits.
//   npx tsc -p . && node docs/bench/stop49-zen4/heal-space.mjs
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url).pathname);
const { readGguf } = require('./out/kernels/gguf.js');
const { Tokenizer } = require('./out/kernels/tokenizer.js');
const { HealConstraint, prepareHealing } = require('./out/server/engine/healing.js');
const { argmax } = require('./out/server/engine/sampler.js');
const { resolveModelPath } = require('./out/server/paths.js');
const tok = Tokenizer.fromGguf(readGguf(resolveModelPath()));
prepareHealing(tok);
const logits = new Float32Array(tok.vocabSize).map(() => Math.random());
const med = (f) => { const ms = []; for (let i = 0; i < 21; i++) { const t = performance.now(); f(); ms.push(performance.now() - t); } ms.sort((a, b) => a - b); return ms[10].toFixed(3); };
for (const s of [' ', '  ', '\n', '\t', ' no', '    ']) {
  const b = new TextEncoder().encode(s);
  const t = performance.now();
  new HealConstraint(tok, b).argmax(logits);
  const first = (performance.now() - t).toFixed(3);
  console.log(JSON.stringify(s), 'mask + argmax', med(() => argmax(new HealConstraint(tok, b).maskRow(logits))), 'ms; fast: first', first, 'ms, then', med(() => new HealConstraint(tok, b).argmax(logits)), 'ms');
}
