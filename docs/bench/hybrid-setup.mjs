// What the in-process probes share: the default model on 2 threads, the shipped PRISM head in
// the hybrid as auto starts (lookup chains of 4, one head token), one engine, and N cursor
// positions in dev-split files (two per file); for the node-llama-cpp probes, the same GGUF in
// llama.cpp and dev-split code as token ids. Needs `npx tsc -p .` (it reads out/).
import { createRequire } from 'node:module';
import { cpus } from 'node:os';

export const root = new URL('../..', import.meta.url).pathname;
export const require = createRequire(`${root}/package.json`);

export async function hybridSetup(n) {
  const { TargetModel } = require('./out/server/engine/target.js');
  const { Engine } = require('./out/server/engine/engine.js');
  const { NgramDrafter } = require('./out/server/engine/ngram.js');
  const { HybridDrafter } = require('./out/server/engine/hybrid.js');
  const { PrismHead } = require('./out/server/engine/prism-head.js');
  const { PrismDrafter } = require('./out/server/engine/prism-drafter.js');
  const { resolveModelPath } = require('./out/server/paths.js');
  const { headFor } = require('./out/server/drafting/policy.js');
  const { devFiles, sharedDataDir, cursorOffsets } = require('./out/server/bench/data.js');
  const { clipPrefix } = require('./out/server/bench/prompts.js');
  const modelPath = resolveModelPath();
  const target = await TargetModel.load({ modelPath, device: 'cpu', threads: 2 });
  const head = await PrismHead.load(headFor('prism', modelPath), target);
  const drafter = new HybridDrafter(new NgramDrafter(), new PrismDrafter(head, head.head.manifest.variant), 1);
  const tree = { kind: 'chain', depth: 4, topK: 1, totalTokens: 16, minProb: 0 };
  const positions = [];
  for (const f of devFiles(sharedDataDir(root), Math.ceil(n / 2), { minBytes: 2000, maxBytes: 40000 })) {
    for (const at of cursorOffsets(f.content, 2, f.path.length)) if (positions.length < n) positions.push({ f, at });
  }
  return { cpu: cpus()[0]?.model, target, drafter, tree, engine: new Engine(target), positions, clipPrefix };
}

/** Counts the target's runs (`counter.runs`, reset by the caller); a one-row run calls forward again, padded to two rows: one run. */
export function countRuns(target) {
  const counter = { runs: 0 };
  let inRun = 0;
  const forward = target.forward.bind(target);
  target.forward = async (cache, req) => { if (inRun++ === 0) counter.runs++; try { return await forward(cache, req); } finally { inRun--; } };
  return counter;
}

/**
 * Requests as the language server asks them (healed, a 5 s budget): `ask`, and `timed`, which
 * also gives the ms to the last token and to the first line's end.
 */
export function asker(engine, drafter, tree) {
  const ask = (prompt, maxTokens, fresh, onText) => engine.complete({ prompt, maxTokens, heal: true, fresh, timeBudgetMs: 5000 }, { onText }, drafter, tree);
  const timed = async (prompt, maxTokens) => {
    const t0 = performance.now();
    let text = '';
    let line = 0;
    const b = await ask(prompt, maxTokens, false, (d) => { text += d; if (!line && text.includes('\n')) line = performance.now() - t0; });
    const ms = performance.now() - t0;
    return { b, ms, line: line || ms };
  };
  return { ask, timed };
}

/** node-llama-cpp on the default GGUF (2 threads), and the first `n` token ids of dev-split code (our tokenizer, the GGUF's vocabulary). */
export async function llamaSetup(n) {
  const { LlamaContender } = require('./out/server/bench/llama.js');
  const { resolveModelPath } = require('./out/server/paths.js');
  const { Tokenizer } = require('./out/kernels/tokenizer.js');
  const { readGguf } = require('./out/kernels/gguf.js');
  const { devFiles, sharedDataDir } = require('./out/server/bench/data.js');
  const modelPath = resolveModelPath();
  const tok = Tokenizer.fromGguf(readGguf(modelPath));
  const ids = tok.encode(devFiles(sharedDataDir(root), 10, { minBytes: 8000, maxBytes: 60000 }).map((f) => f.content).join('\n')).slice(0, n);
  return { cpu: cpus()[0]?.model, tok, ids, llama: await LlamaContender.start(modelPath, 2) };
}
