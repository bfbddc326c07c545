// A padded one-token step of the default graph after P cached positions (median of 7 rounds of 5):
//   npx tsc -p . && node docs/bench/attention-split-zen4/ctx-probe.mjs   (PS=100,300,...)
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { TargetModel } = require('./out/server/engine/target.js');
const { resolveModelPath } = require('./out/server/paths.js');
const t = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2 });
const text = fs.readFileSync(new URL('../../../server/engine/speculative.ts', import.meta.url), 'utf8') + fs.readFileSync(new URL('../../../server/engine/engine.ts', import.meta.url), 'utf8');
const ids = t.tokenizer.encode(text);
const Ps = (process.env.PS ?? '100,300,600,1000,1500').split(',').map(Number);
const caches = {};
for (const P of Ps) { caches[P] = t.newCache(); await t.extend(caches[P], ids.slice(0, P)); }
const res = {};
for (let round = 0; round < 7; round++) for (const P of Ps) {
  const c = caches[P];
  const a = performance.now();
  for (let i = 0; i < 5; i++) { await t.extend(c, [ids[P + i]], {}); c.truncate(P); }
  (res[P] ??= []).push((performance.now() - a) / 5);
}
const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1].toFixed(1);
console.log(Ps.map((P) => `P=${P} ${med(res[P])}`).join('  '));
