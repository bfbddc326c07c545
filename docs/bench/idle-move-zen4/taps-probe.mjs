// Taps kept whatever auto drafts with (CompletionRequest.keepTaps): a document warmed (with taps,
// as the language server warms it), then 5 requests drafted by lookup alone (auto explores or
// settles on it) while the user types the file's next 200 characters, then one the hybrid drafts
// (it reads the taps). Arm keep: the lookup requests keep the taps (the server now); arm drop: they
// do not (before). Arms alternate per position; every request as the server asks it (healed, 5 s
// budget). Prints the hybrid request's prompt tokens computed and its time.
//   npx tsc -p . && node docs/bench/idle-move-zen4/taps-probe.mjs      (POSITIONS=12)
import { hybridSetup, require } from '../hybrid-setup.mjs';

const N = Number(process.env.POSITIONS ?? 12);
const { NgramDrafter } = require('./out/server/engine/ngram.js');
const { cpu, drafter, tree, engine, positions, clipPrefix } = await hybridSetup(N);
const lookup = new NgramDrafter();
const chain4 = { kind: 'chain', depth: 4, topK: 1, totalTokens: 16, minProb: 0 };
console.log(`${new Date().toISOString()} ${cpu}, ${N} positions`);
const rows = { keep: [], drop: [] };
const ask = (prompt, maxTokens, d, t, extra) => engine.complete({ prompt, maxTokens, heal: true, timeBudgetMs: 5000, ...extra }, {}, d, t);
for (const [i, { f, at }] of positions.entries()) {
  const prompt = clipPrefix(f.content, at, 2500);
  for (const arm of i % 2 ? ['drop', 'keep'] : ['keep', 'drop']) {
    drafter.reset();
    await ask(prompt, 8, drafter, tree, { prefillOnly: true, keepTaps: true, fresh: true });
    for (let j = 1; j <= 5; j++) await ask(prompt + f.content.slice(at, at + 40 * j), 16, lookup, chain4, { keepTaps: arm === 'keep' });
    const t0 = performance.now();
    const r = await ask(prompt + f.content.slice(at, at + 240), 24, drafter, tree, { keepTaps: true });
    rows[arm].push({ i, ms: performance.now() - t0, computed: r.timings.prefillTokens, prompt: r.timings.promptTokens, prefillMs: r.timings.prefillMs, text: r.text });
  }
}
const med = (xs) => { const s = xs.slice().sort((p, q) => p - q); return s[s.length >> 1] ?? 0; };
const same = rows.keep.every((r, j) => r.text === rows.drop[j]?.text);
console.log(`${rows.keep.length} positions, the same text in both arms: ${same}`);
for (const [arm, xs] of Object.entries(rows)) {
  console.log(`  ${arm}: prompt tokens computed p50 ${med(xs.map((x) => x.computed))} (range ${Math.min(...xs.map((x) => x.computed))}-${Math.max(...xs.map((x) => x.computed))}) of p50 ${med(xs.map((x) => x.prompt))}; prompt phase p50 ${med(xs.map((x) => x.prefillMs)).toFixed(0)} ms; request p50 ${med(xs.map((x) => x.ms)).toFixed(0)} ms (mean ${(xs.reduce((s, x) => s + x.ms, 0) / xs.length).toFixed(0)})`);
}
