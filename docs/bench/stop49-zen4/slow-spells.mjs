// A padded step after 250 and after 1,000 cached positions in turn, 60 groups of 5 runs (median
// each): how the machine's slow spells hit short and long contexts.   node docs/bench/stop49-zen4/slow-spells.mjs
import { createRequire } from 'node:module';
const root = new URL('../../..', import.meta.url).pathname;
const require = createRequire(`${root}/package.json`);
const { TargetModel } = require('./out/server/engine/target.js');
const { resolveModelPath } = require('./out/server/paths.js');
const { devFiles, sharedDataDir } = require('./out/server/bench/data.js');
const target = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2 });
const ids = target.tokenizer.encode(devFiles(sharedDataDir(root), 40, { minBytes: 8000, maxBytes: 60000 }).map((f) => f.content).join('\n'));
const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); return s[s.length >> 1]; };
const caches = [];
for (const C of [250, 1000]) { const c = target.newCache(); await target.extend(c, ids.slice(0, C)); caches.push({ C, c }); }
const line = [];
for (let g = 0; g < 60; g++) {
  const row = [];
  for (const { C, c } of caches) {
    const ts = [];
    for (let r = 0; r < 5; r++) { const t0 = performance.now(); await target.forward(c, { ids: ids.slice(C, C + 2), rows: [0, 1] }); ts.push(performance.now() - t0); }
    row.push(median(ts).toFixed(1));
  }
  line.push(row.join('/'));
}
console.log('groups of 5 runs, median ms, 250 / 1,000 cached positions, in turn:\n' + line.join(' '));
