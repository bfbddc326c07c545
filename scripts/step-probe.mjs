// The target's exact one-token step in this process: 4 x 30 padded steps after a 300-token
// context of server/cli.ts, default numerics, 2 threads. Run it in several fresh processes to see
// the per-process slow mode of docs/BENCHMARKS.md ("A slow mode per process"):
//   npm run build && for i in 1 2 3 4 5 6; do node scripts/step-probe.mjs; done
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { TargetModel } = require('../out/server/engine/target.js');
const { resolveModelPath } = require('../out/server/paths.js');
const t = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2 });
const ids = t.tokenizer.encode(fs.readFileSync(new URL('../server/cli.ts', import.meta.url), 'utf8')).slice(0, 320);
const c = t.newCache();
await t.extend(c, ids.slice(0, 300));
const r = [];
for (let k = 0; k < 4; k++) {
  const t0 = performance.now();
  for (let i = 0; i < 30; i++) await t.forward(c, { ids: [ids[300 + (i % 20)]] });
  r.push(((performance.now() - t0) / 30).toFixed(1));
}
console.log(`pid ${process.pid}: ${r.join(' ')} ms per step`);
await t.dispose();
