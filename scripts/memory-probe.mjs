// Where the server's resident memory goes: RSS (and its peak) of one process after loading the
// target, after a prefill of N tokens, after loading the shipped PRISM head (graphs cached on
// disk, as the server loads them; run it twice: the first run may build and cache the graphs),
// and after completions as the language server makes them: plain decoding (mode plain), or the
// hybrid drafter of "auto", whose engine keeps the target's taps of every cached position for
// the head (mode auto). Run each mode in its own process and compare.
//   npx tsc -p . && node scripts/memory-probe.mjs [N] [plain|auto]      (uses out/, the tsc output)
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { TargetModel } = require('../out/server/engine/target.js');
const { PrismHead } = require('../out/server/engine/prism-head.js');
const { Engine } = require('../out/server/engine/engine.js');
const { HybridDrafter } = require('../out/server/engine/hybrid.js');
const { NgramDrafter } = require('../out/server/engine/ngram.js');
const { PrismDrafter } = require('../out/server/engine/prism-drafter.js');
const { resolveModelPath, projectRoot } = require('../out/server/paths.js');
const status = () => fs.readFileSync('/proc/self/status', 'utf8');
const mib = (key) => Math.round(Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status())[1]) / 1024);
const line = (what) => console.log(`${what.padEnd(40)} RSS ${String(mib('VmRSS')).padStart(4)} MiB, peak ${String(mib('VmHWM')).padStart(4)} MiB (anonymous ${mib('RssAnon')}, file ${mib('RssFile')})`);
const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.cpus()[0]?.model;
const n = Number(process.argv[2] ?? 1536);
const mode = process.argv[3] ?? 'auto';
console.log(`${os.availableParallelism()} x ${cpu}, Node ${process.version}; mode ${mode}`);
line('node, nothing loaded');
const target = await TargetModel.load({ modelPath: resolveModelPath(), threads: os.availableParallelism() });
line('target loaded');
const ids = target.tokenizer.encode(fs.readFileSync(new URL('../server/cli.ts', import.meta.url), 'utf8')).slice(0, n);
const engine = new Engine(target);
const auto = mode === 'auto';
await engine.prefill(ids, false, undefined, auto);
line(`after a prefill of ${ids.length} tokens${auto ? ' (with taps)' : ''}`);
let head;
let drafter;
if (auto) {
  head = await PrismHead.load(`${projectRoot()}/models/heads/smollm2-135m-prism.gguf`, target, 1);
  drafter = new PrismDrafter(head);
  line('PRISM head loaded');
}
const text = target.tokenizer.decode(ids);
const chain = { kind: 'chain', depth: 4, topK: 1, totalTokens: 8, minProb: 0 };
for (let i = 0; i < 6; i++) {
  // The cursor moves on through the file, as while typing: the prompt grows, its prefix is reused.
  const prompt = text.slice(0, Math.floor(text.length * (0.9 + 0.016 * i)));
  await engine.complete({ prompt, maxTokens: 32 }, {}, auto ? new HybridDrafter(new NgramDrafter(), drafter) : undefined, chain);
}
line(`after 6 ${auto ? 'hybrid' : 'plain'} completions`);
await head?.dispose();
await target.dispose();
