// A request superseded by typing, then the request that replaced it: in-process engine, the
// shipped PRISM head in the hybrid (lookup chains of 4, one head token, as auto starts), greedy.
// At each dev-split position, request A (the prompt before the cursor, healed as the language
// server asks) decodes 8 tokens, as a request cancelled by the next keystroke does; then request B
// is the prompt plus one or two typed characters: `ahead` types the first characters A was about
// to show (the typist was faster than the reply), `file` types the file's own next characters.
// B drafts with what A's cache held (Engine.recent, the default) or without it (nothing kept),
// the two arms alternating per position; A is computed afresh for each arm. Target runs are
// deterministic (the same tokens, the same drafts); ms are one noisy machine's.
//   npx tsc -p . && node docs/bench/recent-zen4/superseded-probe.mjs      (POSITIONS=24 A_TOKENS=8)
import { asker, hybridSetup } from '../hybrid-setup.mjs';

const N = Number(process.env.POSITIONS ?? 24);
const A_TOKENS = Number(process.env.A_TOKENS ?? 8);
const { cpu, drafter, tree, engine, positions, clipPrefix } = await hybridSetup(N);
console.log(`${new Date().toISOString()} ${cpu}, ${N} positions, A decodes ${A_TOKENS} tokens`);
const rows = { ahead: { on: [], off: [] }, file: { on: [], off: [] } };
const { ask } = asker(engine, drafter, tree);
for (const [i, { f, at }] of positions.entries()) {
  const prompt = clipPrefix(f.content, at, 1500);
  for (const kind of ['ahead', 'file']) {
    for (const arm of i % 2 ? ['off', 'on'] : ['on', 'off']) {
      drafter.reset();
      const a = await ask(prompt, A_TOKENS, true);
      const typed = kind === 'ahead' ? a.text.slice(0, a.text.length > 2 ? 2 : 1) : f.content.slice(at, at + 2);
      if (!typed || typed.includes('\n')) continue;
      // off: B's prefill keeps nothing of what A's cache held (the engine's own rule, switched off).
      if (arm === 'off') engine.keepRecent = () => { engine.active.recent = []; };
      else delete engine.keepRecent;
      const b = await ask(prompt + typed, 24, false);
      rows[kind][arm].push({ i, runs: b.spec?.targetRuns ?? 0, tokens: b.tokens.length, ms: b.timings.decodeMs, recent: b.spec?.sources?.recent, text: b.text });
    }
  }
}
const sum = (xs, k) => xs.reduce((s, x) => s + x[k], 0);
const med = (xs) => { const s = xs.slice().sort((p, q) => p - q); return s[s.length >> 1] ?? 0; };
for (const kind of ['ahead', 'file']) {
  const { on, off } = rows[kind];
  const same = on.every((r, j) => r.text === off[j]?.text);
  const total = (xs) => (xs ?? []).reduce((a, b) => a + b, 0);
  const rec = on.reduce((s, r) => ({ runs: s.runs + (r.recent?.runs ?? 0), drafted: s.drafted + total(r.recent?.depthReached), accepted: s.accepted + total(r.recent?.depthAccepted) }), { runs: 0, drafted: 0, accepted: 0 });
  console.log(`${kind}: ${on.length} requests B, the same text in both arms: ${same}`);
  for (const [arm, xs] of [['on', on], ['off', off]]) {
    console.log(`  ${arm}: ${sum(xs, 'tokens')} tokens in ${sum(xs, 'runs')} target runs (tau ${(sum(xs, 'tokens') / Math.max(1, sum(xs, 'runs'))).toFixed(2)}), decode ms p50 ${med(xs.map((x) => x.ms)).toFixed(0)}, mean ${(sum(xs, 'ms') / xs.length).toFixed(0)}`);
  }
  console.log(`  runs drafted from the earlier output: ${rec.runs}, ${rec.accepted} of ${rec.drafted} nodes accepted`);
  const fewer = on.filter((r, j) => r.runs < (off[j]?.runs ?? 0)).length, more = on.filter((r, j) => r.runs > (off[j]?.runs ?? 0)).length;
  console.log(`  requests with fewer / more target runs with it: ${fewer} / ${more}`);
}
