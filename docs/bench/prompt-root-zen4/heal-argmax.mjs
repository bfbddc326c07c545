// The constrained (healed) argmax: a pass over the vocabulary with the mask vs HealConstraint.argmax
// (the allowed ids from the tokens sorted by bytes), median of 21 on one row of random logits.
//   npx tsc -p . && node docs/bench/prompt-root-zen4/heal-argmax.mjs
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url).pathname);
const { readGguf } = require('./out/kernels/gguf.js');
const { Tokenizer } = require('./out/kernels/tokenizer.js');
const { HealConstraint } = require('./out/server/engine/healing.js');
const { argmax } = require('./out/server/engine/sampler.js');
const { resolveModelPath } = require('./out/server/paths.js');
const tok = Tokenizer.fromGguf(readGguf(resolveModelPath()));
const logits = new Float32Array(tok.vocabSize).map(() => Math.random());
let t0 = performance.now();
new HealConstraint(tok, new TextEncoder().encode(' x')).argmax(logits);
console.log('first use (sorts the vocabulary):', (performance.now() - t0).toFixed(1), 'ms');
for (const s of [' no', '    ', 'self', '\n', ' ', 'current_user']) {
  const b = new TextEncoder().encode(s);
  const med = (f) => { const ms = []; for (let i = 0; i < 21; i++) { const t = performance.now(); f(); ms.push(performance.now() - t); } ms.sort((a, b) => a - b); return ms[10].toFixed(3); };
  console.log(JSON.stringify(s), 'mask + argmax', med(() => argmax(new HealConstraint(tok, b).maskRow(logits))), 'ms; fast', med(() => new HealConstraint(tok, b).argmax(logits)), 'ms');
}
