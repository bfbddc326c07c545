// Where the server's resident memory goes: RSS (and its peak) of one process after loading the
// target, after a prefill of N tokens, and after loading the shipped PRISM head (graphs cached
// on disk, as the server loads them; run it twice: the first run may build and cache the graphs).
//   npx tsc -p . && node scripts/memory-probe.mjs [N]      (uses out/, the tsc output)
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { TargetModel } = require('../out/server/engine/target.js');
const { PrismHead } = require('../out/server/engine/prism-head.js');
const { resolveModelPath, projectRoot } = require('../out/server/paths.js');
const status = () => fs.readFileSync('/proc/self/status', 'utf8');
const mib = (key) => Math.round(Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status())[1]) / 1024);
const line = (what) => console.log(`${what.padEnd(34)} RSS ${String(mib('VmRSS')).padStart(4)} MiB, peak ${String(mib('VmHWM')).padStart(4)} MiB`);
const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.cpus()[0]?.model;
console.log(`${os.availableParallelism()} x ${cpu}, Node ${process.version}`);
line('node, nothing loaded');
const target = await TargetModel.load({ modelPath: resolveModelPath(), threads: os.availableParallelism() });
line('target loaded');
const n = Number(process.argv[2] ?? 1536);
const ids = target.tokenizer.encode(fs.readFileSync(new URL('../server/cli.ts', import.meta.url), 'utf8')).slice(0, n);
const cache = target.newCache();
for (let i = 0; i < ids.length; i += 256) await target.extend(cache, ids.slice(i, i + 256));
line(`after a prefill of ${cache.length} tokens`);
const head = await PrismHead.load(`${projectRoot()}/models/heads/smollm2-135m-prism.gguf`, target, 1);
line('PRISM head loaded');
await head.dispose();
await target.dispose();
