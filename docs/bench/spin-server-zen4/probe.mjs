// Run from the repository root after `npx tsc -p .`: node docs/bench/spin-server-zen4/probe.mjs THREADS SPIN (HOG=1 only labels the line).
// One config in a fresh process: prefill 300 tokens (chunks as extend does), then 24 padded steps.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const { TargetModel } = require('./out/server/engine/target.js');
const { resolveModelPath } = require('./out/server/paths.js');
const threads = Number(process.argv[2]), spin = process.argv[3];
const t = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads, spin });
const ids = t.tokenizer.encode(fs.readFileSync(new URL('../../../server/cli.ts', import.meta.url), 'utf8')).slice(0, 700);
// warm
{ const c = t.newCache(); await t.extend(c, ids.slice(0, 64)); await t.forward(c, { ids: [ids[64]] }); }
const res = [];
for (let rep = 0; rep < 3; rep++) {
  const c = t.newCache();
  const off = rep * 100;
  let t0 = performance.now();
  await t.extend(c, ids.slice(off, off + 300));
  const pre = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < 24; i++) await t.forward(c, { ids: [ids[off + 300 + i]] });
  res.push({ pre: pre.toFixed(0), step: ((performance.now() - t0) / 24).toFixed(1) });
}
console.log(JSON.stringify({ threads, spin, hog: process.env.HOG ?? '0', res }));
await t.dispose();
