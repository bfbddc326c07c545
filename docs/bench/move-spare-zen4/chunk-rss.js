// Prefill of 1,024 real-code tokens (with the taps, as a warm-up keeps them) in chunks of CH rows,
// one fresh process per chunk size (onnxruntime's arena keeps what its largest run took): median
// time of 4 and the process's peak RSS after them. Order 64,128,256,256,128,64 (CHS):
//   npx tsc -p . && node docs/bench/move-spare-zen4/chunk-rss.js
const path = require('node:path');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const O = path.join(__dirname, '..', '..', '..', 'out', 'server');
if (!process.env.CH) {
  console.log(`# ${require('node:os').cpus().length} x ${require('node:os').cpus()[0]?.model}`);
  for (const ch of (process.env.CHS ?? '64,128,256,256,128,64').split(',')) process.stdout.write(execFileSync(process.execPath, [__filename], { env: { ...process.env, CH: ch } }));
  process.exit(0);
}
const { TargetModel } = require(path.join(O, 'engine', 'target'));
const { resolveModelPath } = require(path.join(O, 'paths'));
(async () => {
  const t = await TargetModel.load({ modelPath: resolveModelPath(), threads: 0 });
  const src = (f) => fs.readFileSync(path.join(__dirname, '..', '..', '..', 'server', 'engine', f), 'utf8');
  const ids = t.tokenizer.encode(src('speculative.ts') + src('engine.ts')).slice(0, 1024);
  const ch = Number(process.env.CH);
  const rss = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
  const before = rss('VmHWM');
  const ms = [];
  for (let r = 0; r < 4; r++) {
    const c = t.newCache();
    const a = performance.now();
    for (let at = 0; at < ids.length; at += ch) await t.extend(c, ids.slice(at, Math.min(ids.length, at + ch)), { logits: at + ch >= ids.length, taps: true });
    ms.push(performance.now() - a);
  }
  ms.sort((p, q) => p - q);
  console.log(`chunk ${ch}: ${ms[2].toFixed(0)} ms (median of 4; ${ms.map((x) => x.toFixed(0)).join(' / ')}), peak RSS ${before.toFixed(0)} MiB after loading, ${rss('VmHWM').toFixed(0)} MiB after the prefills (now ${rss('VmRSS').toFixed(0)})`);
  process.exit(0);
})();
