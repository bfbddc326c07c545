// How it ran (2026-12-03): cp -r out out-ab; sed -i "s/enableCpuMemArena: false/enableCpuMemArena: process.env.HEAD_ARENA === '1'/" out-ab/server/engine/prism-head.js;
// cp this file to out-ab/ and run node out-ab/ab.js (out-ab is a throwaway copy of the tsc output).
// A/B: the head with and without onnxruntime's CPU arena, alternating in one process.
const fs = require('fs');
const { TargetModel } = require('./server/engine/target.js');
const { PrismHead } = require('./server/engine/prism-head.js');
const { Engine } = require('./server/engine/engine.js');
const { PrismDrafter } = require('./server/engine/prism-drafter.js');
const { resolveModelPath, projectRoot } = require('./server/paths.js');
const { Rng } = require('./server/engine/sampler.js');
(async () => {
  const target = await TargetModel.load({ modelPath: resolveModelPath(), threads: 2 });
  const text = fs.readFileSync('/work/main/server/cli.ts', 'utf8');
  const ids = target.tokenizer.encode(text).slice(0, 900);
  const engine = new Engine(target);
  await engine.prefill(ids, false, undefined, true);
  const hp = `/work/main/models/heads/smollm2-135m-prism.gguf`;
  process.env.HEAD_ARENA = '1'; const A = new PrismDrafter(await PrismHead.load(hp, target, 1));
  process.env.HEAD_ARENA = '0'; const B = new PrismDrafter(await PrismHead.load(hp, target, 1));
  const params = { kind: 'chain', depth: 3, topK: 1, totalTokens: 3, minProb: 0 };
  const t = { A: { prime: [], draft: [] }, B: { prime: [], draft: [] } };
  for (let it = 0; it < 30; it++) {
    for (const [name, d] of it % 2 ? [['A', A], ['B', B]] : [['B', B], ['A', A]]) {
      d.reset();
      const L = 400 + it * 16;
      const ctx = { tokens: ids.slice(0, L), taps: (a, b) => engine.taps.rows(a, b), sampling: { temperature: 0 }, rng: new Rng(1) };
      let t0 = performance.now(); await d.prime(ctx); t[name].prime.push(performance.now() - t0);
      for (let k = 1; k <= 8; k++) {
        const c2 = { ...ctx, tokens: ids.slice(0, L + k) };
        t0 = performance.now(); await d.draft(c2, params); t[name].draft.push(performance.now() - t0);
      }
    }
  }
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)].toFixed(2); };
  for (const n of ['A', 'B']) console.log(`${n === 'A' ? 'arena   ' : 'no arena'} prime median ${med(t[n].prime)} ms, draft (1 new token + chain 3) median ${med(t[n].draft)} ms`);
  const st = fs.readFileSync('/proc/self/status', 'utf8'); console.log(st.match(/VmHWM.*/)[0]);
  await target.dispose();
})();
