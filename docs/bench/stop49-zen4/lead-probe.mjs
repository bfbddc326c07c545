// Typing faster than the requests: a request superseded after A_TOKENS tokens, then the request
// that replaced it, with the file's own next TYPED characters (3, 6 and 10) after the prompt, so
// that several prompt tokens are left to compute. In-process engine, the shipped PRISM head in
// the hybrid (lookup chains of 4, one head token, as auto starts), greedy, healed as the language
// server asks. Arm `lead` (the default): those tokens run in the speculative loop's first run,
// before the root, with lookup's first draft; arm `last` (PRISM_PROMPT_ROOT=last, stop 48's rule):
// they run in the prompt phase, then the loop. Arms alternate per position; A is computed afresh
// for each. Every target run is counted (prompt phase included); B's time is from the request to
// its last token and to its first line's end.
//   npx tsc -p . && node docs/bench/stop49-zen4/lead-probe.mjs      (POSITIONS=24 A_TOKENS=8 B_TOKENS=24 TYPED=3,6,10)
import { asker, countRuns, hybridSetup } from '../hybrid-setup.mjs';

const N = Number(process.env.POSITIONS ?? 24);
const A_TOKENS = Number(process.env.A_TOKENS ?? 8);
const B_TOKENS = Number(process.env.B_TOKENS ?? 24);
const TYPED = (process.env.TYPED ?? '3,6,10').split(',').map(Number);
const { cpu, target, drafter, tree, engine, positions, clipPrefix } = await hybridSetup(N);
console.log(`${new Date().toISOString()} ${cpu}, ${N} positions, A decodes ${A_TOKENS} tokens, B ${B_TOKENS}, typed ${TYPED.join('/')} characters`);
const counter = countRuns(target);
const rows = Object.fromEntries(TYPED.map((k) => [k, { lead: [], last: [] }]));
const { ask, timed } = asker(engine, drafter, tree);
await ask(clipPrefix(positions[0].f.content, positions[0].at, 1500), 8, true); // warm-up (excluded)
for (const [i, { f, at }] of positions.entries()) {
  const prompt = clipPrefix(f.content, at, 1500);
  for (const k of TYPED) {
    const typed = f.content.slice(at, at + k);
    if (typed.length < k || typed.includes('\n')) continue;
    for (const arm of i % 2 ? ['last', 'lead'] : ['lead', 'last']) {
      drafter.reset();
      await ask(prompt, A_TOKENS, true);
      if (arm === 'last') process.env.PRISM_PROMPT_ROOT = 'last';
      else delete process.env.PRISM_PROMPT_ROOT;
      counter.runs = 0;
      const { b, ms, line } = await timed(prompt + typed, B_TOKENS);
      rows[k][arm].push({ i, runs: counter.runs, tokens: b.tokens.length, ms, line, prefill: b.timings.prefillTokens, text: b.text, prefillMs: b.timings.prefillMs, verifyMs: b.spec?.verifyMs ?? 0, specRuns: b.spec?.targetRuns ?? 0 });
    }
  }
}
delete process.env.PRISM_PROMPT_ROOT;
const sum = (xs, key) => xs.reduce((s, x) => s + x[key], 0);
const med = (xs) => { const s = xs.slice().sort((p, q) => p - q); return s[s.length >> 1] ?? 0; };
for (const k of TYPED) {
  const { lead: on, last: off } = rows[k];
  const same = on.every((r, j) => r.text === off[j]?.text);
  const counts = on.map((r) => r.prefill).sort((p, q) => p - q);
  console.log(`typed ${k}: ${on.length} requests B (prompt tokens to compute p50 ${med(counts)}, range ${counts[0]}-${counts[counts.length - 1]}), the same text in both arms: ${same}`);
  for (const [arm, xs] of [['lead', on], ['last', off]]) {
    console.log(`  ${arm}: prompt phase ${(sum(xs, 'prefillMs') / xs.length).toFixed(1)} ms, verify ${(sum(xs, 'verifyMs') / Math.max(1, sum(xs, 'specRuns'))).toFixed(1)} ms a run; ${sum(xs, 'tokens')} tokens in ${sum(xs, 'runs')} target runs, request to last token p50 ${med(xs.map((x) => x.ms)).toFixed(0)} ms (mean ${(sum(xs, 'ms') / xs.length).toFixed(0)}), to the first line's end p50 ${med(xs.map((x) => x.line)).toFixed(0)} ms`);
  }
  const fewer = on.filter((r, j) => r.runs < (off[j]?.runs ?? 0)).length, more = on.filter((r, j) => r.runs > (off[j]?.runs ?? 0)).length;
  console.log(`  requests with fewer / more target runs in the lead arm: ${fewer} / ${more}`);
}
