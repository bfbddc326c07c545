// Prefill of 1,024 real-code tokens in chunks of CH rows (the engine uses PREFILL_CHUNK = 256), median of 4:
//   npx tsc -p . && node docs/bench/prefill-chunk-zen4/probe.js        (CH=64,128,256,512,1024)
const path = require('node:path');
const O = path.join(__dirname, '..', '..', '..', 'out', 'server');
const { TargetModel } = require(path.join(O, 'engine', 'target'));
const { resolveModelPath } = require(path.join(O, 'paths'));
(async () => {
  const t = await TargetModel.load({ modelPath: resolveModelPath(), threads: 0 });
  const fs = require('node:fs');
  const ids = t.tokenizer.encode(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'server', 'engine', 'speculative.ts'), 'utf8') + fs.readFileSync(path.join(__dirname, '..', '..', '..', 'server', 'engine', 'engine.ts'), 'utf8')).slice(0, 1024);
  const chunks = (process.env.CH ?? '64,128,256,512,1024').split(',').map(Number);
  const res = {};
  for (let r = 0; r < 4; r++) for (const ch of chunks) {
    const c = t.newCache();
    const a = performance.now();
    for (let at = 0; at < ids.length; at += ch) await t.extend(c, ids.slice(at, Math.min(ids.length, at + ch)), { logits: at + ch >= ids.length });
    (res[ch] ??= []).push(performance.now() - a);
  }
  const med = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
  console.log(chunks.map((ch) => `chunk ${ch}: ${med(res[ch]).toFixed(0)} ms (${(1024 / med(res[ch]) * 1000).toFixed(0)} tok/s)`).join('\n'));
  process.exit(0);
})();
