// Typing: a request superseded after A_TOKENS tokens, then the request that replaced it (the
// prompt plus one or two typed characters), whose cache holds all of its prompt but the last
// token. In-process engine, the shipped PRISM head in the hybrid (lookup chains of 4, one head
// token, as auto starts), greedy, healed as the language server asks. Arm `root`: that last token
// is the speculative loop's first root, verified with the first draft (the default); arm `run`:
// it runs alone in the prompt phase for the first token (PRISM_PROMPT_ROOT=0), as before. The arms
// alternate per position; A is computed afresh for each. Every target run is counted (prompt phase
// included); B's time is from the request to its last token and to its first line's end.
//   npx tsc -p . && node docs/bench/prompt-root-zen4/probe.mjs      (POSITIONS=24 A_TOKENS=8 B_TOKENS=24)
import { asker, countRuns, hybridSetup } from '../hybrid-setup.mjs';

const N = Number(process.env.POSITIONS ?? 24);
const A_TOKENS = Number(process.env.A_TOKENS ?? 8);
const B_TOKENS = Number(process.env.B_TOKENS ?? 24);
const { cpu, target, drafter, tree, engine, positions, clipPrefix } = await hybridSetup(N);
console.log(`${new Date().toISOString()} ${cpu}, ${N} positions, A decodes ${A_TOKENS} tokens, B ${B_TOKENS}`);
const counter = countRuns(target);
const rows = { ahead: { root: [], run: [] }, file: { root: [], run: [] } };
const { ask, timed } = asker(engine, drafter, tree);
// Warm-up (excluded).
await ask(clipPrefix(positions[0].f.content, positions[0].at, 1500), 8, true);
for (const [i, { f, at }] of positions.entries()) {
  const prompt = clipPrefix(f.content, at, 1500);
  for (const kind of ['ahead', 'file']) {
    for (const arm of i % 2 ? ['run', 'root'] : ['root', 'run']) {
      drafter.reset();
      const a = await ask(prompt, A_TOKENS, true);
      const typed = kind === 'ahead' ? a.text.slice(0, a.text.length > 2 ? 2 : 1) : f.content.slice(at, at + 2);
      if (!typed || typed.includes('\n')) continue;
      if (arm === 'run') process.env.PRISM_PROMPT_ROOT = '0';
      else delete process.env.PRISM_PROMPT_ROOT;
      counter.runs = 0;
      const { b, ms, line } = await timed(prompt + typed, B_TOKENS);
      rows[kind][arm].push({ i, runs: counter.runs, tokens: b.tokens.length, ms, line, prefill: b.timings.prefillTokens, text: b.text, prefillMs: b.timings.prefillMs, verifyMs: b.spec?.verifyMs ?? 0, draftMs: b.spec?.draftMs ?? 0, otherMs: b.spec?.otherMs ?? 0, specRuns: b.spec?.targetRuns ?? 0 });
    }
  }
}
delete process.env.PRISM_PROMPT_ROOT;
const sum = (xs, k) => xs.reduce((s, x) => s + x[k], 0);
const med = (xs) => { const s = xs.slice().sort((p, q) => p - q); return s[s.length >> 1] ?? 0; };
for (const kind of ['ahead', 'file']) {
  const { root: on, run: off } = rows[kind];
  const same = on.every((r, j) => r.text === off[j]?.text);
  console.log(`${kind}: ${on.length} requests B (prompt tokens computed: ${[...new Set(on.map((r) => r.prefill))].join('/')}), the same text in both arms: ${same}`);
  for (const [arm, xs] of [['root', on], ['run', off]]) {
    console.log(`  ${arm}: prompt phase ${(sum(xs, 'prefillMs') / xs.length).toFixed(1)} ms, verify ${(sum(xs, 'verifyMs') / sum(xs, 'specRuns')).toFixed(1)} ms a run (${sum(xs, 'specRuns')} runs), draft ${(sum(xs, 'draftMs') / xs.length).toFixed(1)} ms, other ${(sum(xs, 'otherMs') / xs.length).toFixed(1)} ms a request`);
    console.log(`  ${arm}: ${sum(xs, 'tokens')} tokens in ${sum(xs, 'runs')} target runs (${(sum(xs, 'tokens') / Math.max(1, sum(xs, 'runs'))).toFixed(2)} a run), request to last token p50 ${med(xs.map((x) => x.ms)).toFixed(0)} ms (mean ${(sum(xs, 'ms') / xs.length).toFixed(0)}), to the first line's end p50 ${med(xs.map((x) => x.line)).toFixed(0)} ms`);
  }
  const fewer = on.filter((r, j) => r.runs < (off[j]?.runs ?? 0)).length, more = on.filter((r, j) => r.runs > (off[j]?.runs ?? 0)).length;
  console.log(`  requests with fewer / more target runs with the prompt root: ${fewer} / ${more}`);
}
