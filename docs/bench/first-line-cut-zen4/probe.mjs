// The first-line time budget on single lines: each dev-split position's prompt is warmed (as a
// resting cursor's is), then a single-line completion (stop at the line's end, 64 tokens, the
// hybrid of lookup chains of 4 and one PRISM head token as auto starts, greedy, healed) with
// prism.firstLineBudgetMs' default of 200 ms. Run once per cut rule, a process each (the rule is
// read when the engine loads): PRISM_FIRST_LINE_CUT=punctuation (after punctuation or an operator
// only, as before) or unset (also before a space after a whole word, and anywhere at twice the
// budget). Prints, per position, the reply's ms from the request, its finish reason and length.
//   npx tsc -p . && [PRISM_FIRST_LINE_CUT=punctuation] node docs/bench/first-line-cut-zen4/probe.mjs > FILE   (POSITIONS=48)
import { hybridSetup } from '../hybrid-setup.mjs';

const N = Number(process.env.POSITIONS ?? 48);
const rule = process.env.PRISM_FIRST_LINE_CUT === 'punctuation' ? 'punctuation' : 'words';
const { cpu, drafter, tree, engine, positions, clipPrefix } = await hybridSetup(N);
const req = (prompt, extra) => ({ prompt, maxTokens: 64, heal: true, stop: ['\n'], timeBudgetMs: 1500, firstLineBudgetMs: 200, ...extra });
await engine.complete(req(clipPrefix(positions[0].f.content, positions[0].at, 1500), { fresh: true }), {}, drafter, tree); // warm-up
const out = [];
for (const [i, { f, at }] of positions.entries()) {
  const prompt = clipPrefix(f.content, at, 1500);
  drafter.reset();
  await engine.complete(req(prompt, { fresh: true, prefillOnly: true, prefillTaps: true }), {}, drafter, tree);
  const t0 = performance.now();
  const r = await engine.complete(req(prompt), {}, drafter, tree);
  out.push({ i, ms: Math.round(performance.now() - t0), finish: r.finishReason, tokens: r.tokens.length, text: r.text });
}
console.log(JSON.stringify({ date: new Date().toISOString(), cpu, rule, positions: out }));
