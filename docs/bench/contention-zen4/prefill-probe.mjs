// The target's prefill (a 768-token prompt, chunks of 256) and a padded one-token step, with and
// without another process keeping one core busy (VS Code's TypeScript server on a 2-core laptop),
// for onnxruntime thread counts and spin modes; one process per configuration, alternating.
//   npx tsc -p . && node docs/bench/contention-zen4/prefill-probe.mjs          (ROUNDS=3 CONFIGS=2:run,2:off,1:run HOG=0,1)
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
const here = fileURLToPath(import.meta.url);
if (process.argv[2] === 'child') {
  const { createRequire } = await import('node:module');
  const require = createRequire(new URL('../../../package.json', import.meta.url));
  const { TargetModel } = require('./out/server/engine/target.js');
  const { resolveModelPath } = require('./out/server/paths.js');
  const [threads, spin] = [Number(process.argv[3]), process.argv[4]];
  const t = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads, spin });
  const ids = t.tokenizer.encode(fs.readFileSync(new URL('../../../server/cli.ts', import.meta.url), 'utf8')).slice(0, 800);
  const pre = [], step = [];
  for (let k = 0; k < 3; k++) {
    const c = t.newCache();
    const t0 = performance.now();
    for (let at = 0; at < 768; at += 256) await t.extend(c, ids.slice(at, at + 256));
    pre.push(performance.now() - t0);
    const t1 = performance.now();
    for (let i = 0; i < 10; i++) await t.forward(c, { ids: [ids[768 + i]] });
    step.push((performance.now() - t1) / 10);
  }
  const med = (a) => [...a].sort((x, y) => x - y)[1];
  console.log(JSON.stringify({ prefill_ms: Math.round(med(pre)), step_ms: +med(step).toFixed(1) }));
  await t.dispose();
  process.exit(0);
}
const configs = (process.env.CONFIGS ?? '2:run,2:off,1:run').split(',').map((c) => { const [n, spin] = c.split(':'); return [Number(n), spin]; });
const hogs = (process.env.HOG ?? '0,1').split(',').map((h) => h === '1');
const rounds = Number(process.env.ROUNDS ?? 3);
const res = {};
for (let r = 0; r < rounds; r++) for (const hog of hogs) for (const [threads, spin] of configs) {
  const h = hog ? spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }) : undefined;
  const out = execFileSync(process.execPath, [here, 'child', String(threads), spin], { encoding: 'utf8' }).trim().split('\n').pop();
  h?.kill();
  const key = `${hog ? 'one core busy' : 'idle'}, ${threads} thread${threads > 1 ? 's' : ''}, spin ${spin}`;
  (res[key] ??= []).push(JSON.parse(out));
  console.log(key, out);
}
for (const [k, v] of Object.entries(res)) console.log(`${k}: prefill ${v.map((x) => x.prefill_ms).join(' / ')} ms, step ${v.map((x) => x.step_ms).join(' / ')} ms`);
