// How the target's cost grows with the context, for the two attention layouts side by side: ms per
// run of k rows (a chain) after P cached positions, default numerics, 2 threads, median of
// interleaved rounds. "concat" joins and transposes the whole past in every layer of every run;
// "gqa" is onnxruntime's GroupQueryAttention contrib op (one node per layer; the past fed as [1, Hkv, P, D], which is the wrong layout for the values but the same cost). The cache is
// filled with random rows (a run's cost does not depend on the values).
//   npm run build && node scripts/context-probe.mjs [rounds] [contexts, e.g. 300,1000,1500,2000]
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { TargetModel } = require('/work/main/out/server/engine/target.js');
const { resolveModelPath } = require('/work/main/out/server/paths.js');
const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1];
const fam = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/cpu family\s*:\s*(\d+)[\s\S]*?model\s*:\s*(\d+)/);
console.log(`${os.availableParallelism()} x ${cpu} (family ${fam?.[1]} model ${fam?.[2]}), Node ${process.version}`);
const rounds = Number(process.argv[2] ?? 7);
const contexts = (process.argv[3] ?? '300,1000,1500,2000').split(',').map(Number);
const ks = [1, 2, 8];
const layouts = [['concat', 'fast'], ['gqa', 'gqa']];
const targets = [];
for (const [name, pastInPlace] of layouts) targets.push({ name, t: await TargetModel.load({ modelPath: resolveModelPath(), threads: os.availableParallelism(), graph: { attention: pastInPlace } }) });
const ids = targets[0].t.tokenizer.encode(fs.readFileSync('/work/main/server/cli.ts', 'utf8'));
const caches = new Map();
for (const { name, t } of targets) for (const P of contexts) {
  const c = t.newCache();
  const rnd = () => Float32Array.from({ length: P * c.width }, () => Math.random() - 0.5);
  c.append(Array.from({ length: P }, (_, i) => ids[i % ids.length]), Array.from({ length: c.layers }, rnd), Array.from({ length: c.layers }, rnd));
  caches.set(`${name}/${P}`, c);
}
const ms = new Map();
for (let r = 0; r < rounds; r++) {
  for (const P of contexts) for (const k of ks) for (const { name, t } of targets) {
    const c = caches.get(`${name}/${P}`);
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) await t.forward(c, { ids: ids.slice(0, k), rows: Array.from({ length: k }, (_, j) => j) });
    const key = `${name}/${P}/${k}`;
    ms.set(key, [...(ms.get(key) ?? []), (performance.now() - t0) / 5]);
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`| context | ${ks.map((k) => `k=${k}: concat / GQA`).join(' | ')} |`);
console.log(`|---|${ks.map(() => '---').join('|')}|`);
for (const P of contexts) {
  console.log(`| ${P} | ${ks.map((k) => { const a = med(ms.get(`concat/${P}/${k}`)); const b = med(ms.get(`gqa/${P}/${k}`)); return `${a.toFixed(1)} / ${b.toFixed(1)} (${(a / b).toFixed(2)}x)`; }).join(' | ')} |`);
}
for (const { t } of targets) await t.dispose();
