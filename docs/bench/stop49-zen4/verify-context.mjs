// What one target run over k rows costs after contexts of the editor's length (issue 10's
// verification table is at 300 tokens; the language server's prompts are ~700-1,024 tokens): the
// default numerics (one-row steps padded to two rows), a chain of k rows after C tokens of real
// dev-split code, median of 3 x REPEATS runs, every (context, k) in turn within each repeat, with
// node-llama-cpp's own k-row evaluation on the same GGUF beside it.
//   npx tsc -p . && node docs/bench/stop49-zen4/verify-context.mjs     (CONTEXTS=300,700,1024 REPEATS=7)
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
const root = new URL('../../..', import.meta.url).pathname;
const require = createRequire(`${root}/package.json`);
const { TargetModel } = require('./out/server/engine/target.js');
const { LlamaContender } = require('./out/server/bench/llama.js');
const { resolveModelPath } = require('./out/server/paths.js');
const { devFiles, sharedDataDir } = require('./out/server/bench/data.js');
const CONTEXTS = (process.env.CONTEXTS ?? '300,700,1024').split(',').map(Number);
const REPEATS = Number(process.env.REPEATS ?? 7);
const KS = [1, 2, 4, 8, 16];
const modelPath = resolveModelPath();
const target = await TargetModel.load({ modelPath, device: 'cpu', threads: 2 });
const llama = await LlamaContender.start(modelPath, 2).catch(() => undefined);
const text = devFiles(sharedDataDir(root), 40, { minBytes: 8000, maxBytes: 60000 }).map((f) => f.content).join('\n');
const ids = target.tokenizer.encode(text);
const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log(`${new Date().toISOString()} ${cpus()[0]?.model}, 2 threads, default numerics, padsSingleRow ${target.padsSingleRow}; node-llama-cpp ${llama ? 'beside' : 'not installed'}`);
const acc = new Map();
// One cache per context, kept: every repeat visits every (context, k) in turn, so the machine's
// slow spells (this shared machine has ~2x episodes lasting seconds) hit every cell alike.
const caches = [];
for (const C of CONTEXTS) { const cache = target.newCache(); await target.extend(cache, ids.slice(0, C)); caches.push({ C, cache, block: ids.slice(C, C + 16) }); }
for (let r = 0; r <= 3 * REPEATS; r++) {
  for (const { C, cache, block } of caches) {
    for (const k of KS) {
      const t0 = performance.now();
      await target.forward(cache, { ids: block.slice(0, k), rows: block.slice(0, k).map((_, i) => i) });
      const key = `ours|${C}|${k}`;
      if (r > 0) acc.set(key, [...(acc.get(key) ?? []), performance.now() - t0]);
    }
  }
}
if (llama) {
  for (let r = 0; r <= 3; r++) {
    for (const { C, block } of caches) {
      for (const k of KS) {
        const ms = await llama.verify(ids.slice(0, C), block.slice(0, k));
        const key = `llama|${C}|${k}`;
        if (r > 0) acc.set(key, [...(acc.get(key) ?? []), ms]);
      }
    }
  }
}
await llama?.close?.();
console.log(`| engine | context | ${KS.map((k) => `k=${k}`).join(' | ')} | k=8 / k=1 |`);
console.log(`|---|---|${KS.map(() => '---|').join('')}---|`);
for (const who of llama ? ['ours', 'llama'] : ['ours']) {
  for (const C of CONTEXTS) {
    const ms = KS.map((k) => median(acc.get(`${who}|${C}|${k}`)));
    console.log(`| ${who === 'ours' ? 'ours (default numerics)' : 'node-llama-cpp'} | ${C} | ${ms.map((x) => x.toFixed(1)).join(' | ')} | ${(ms[3] / ms[0]).toFixed(2)}x |`);
  }
}
