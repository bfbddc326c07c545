// bench-spec: plain vs n-gram speculative decoding (default: suffix matches of 2+ tokens) at fixed cursor positions of real code (the
// dev split, or --dir), side by side in one run on the same engine. Every speculative output is
// checked against plain greedy decoding; a mismatch fails the run. Last stdout line: JSON.
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../engine/client';
import type { TreeParams } from '../engine/drafter';
import type { CompletionRequest, CompletionResult } from '../engine/engine';
import type { WorkerLoadOptions } from '../engine/protocol';
import { projectRoot } from '../paths';
import { cursorOffsets, devFiles, folderFiles, sharedDataDir } from './data';

export interface SpecBenchOptions {
  load: WorkerLoadOptions;
  positions: number;
  tokens: number;
  dir?: string;
  /** A trained draft head (.gguf) to add to the table. */
  head?: string;
  json: boolean;
}

interface Config { name: string; draft?: CompletionRequest['draft'] }

export const SPEC_CONFIGS: Config[] = [
  { name: 'plain' },
  { name: 'ngram chain d3', draft: { drafter: 'ngram', tree: { kind: 'chain', depth: 3 } } },
  { name: 'ngram chain d5', draft: { drafter: 'ngram', tree: { kind: 'chain', depth: 5 } } },
  { name: 'ngram chain d5 match>=1', draft: { drafter: 'ngram', tree: { kind: 'chain', depth: 5 }, ngram: { minN: 1 } } },
  { name: 'ngram chain d5 match>=3', draft: { drafter: 'ngram', tree: { kind: 'chain', depth: 5 }, ngram: { minN: 3 } } },
  { name: 'ngram tree k2 n8', draft: { drafter: 'ngram', tree: { kind: 'dynamic', depth: 4, topK: 2, totalTokens: 8 } as Partial<TreeParams> } },
  { name: 'ngram tree k4 n16', draft: { drafter: 'ngram', tree: { kind: 'dynamic', depth: 5, topK: 4, totalTokens: 16 } as Partial<TreeParams> } },
];

interface Agg { tokens: number; ms: number; runs: number; accepted: number; drafted: number; draftMs: number; verifyMs: number; reached: number[]; passed: number[]; mismatches: number }

export async function benchSpec(o: SpecBenchOptions): Promise<void> {
  const log = (s: string): void => { if (!o.json) console.error(s); };
  const perFile = 3;
  const files = o.dir ? folderFiles(path.resolve(o.dir), Math.ceil(o.positions / perFile)) : devFiles(sharedDataDir(projectRoot()), Math.ceil(o.positions / perFile), { minBytes: 2000, maxBytes: 40000 });
  const prompts: string[] = [];
  for (const f of files) for (const at of cursorOffsets(f.content, perFile, f.path.length)) if (prompts.length < o.positions) prompts.push(f.content.slice(Math.max(0, at - 1500), at));
  const threads = o.load.threads || os.availableParallelism();
  const engine = await EngineClient.start({ ...o.load, threads });
  log(`bench-spec: ${path.basename(o.load.modelPath)}, ${threads} threads, activations ${engine.info.graph.accuracyLevel === 4 ? 'int8' : 'fp32'}, ${prompts.length} positions from ${o.dir ?? 'the dev split'}, ${o.tokens} tokens each`);
  const headConfigs: Config[] = o.head ? [
    { name: `head chain d3`, draft: { drafter: 'head', head: o.head, tree: { kind: 'chain', depth: 3 } } },
    { name: `head chain d5`, draft: { drafter: 'head', head: o.head, tree: { kind: 'chain', depth: 5 } } },
    { name: `head tree k2 n8`, draft: { drafter: 'head', head: o.head, tree: { kind: 'dynamic', depth: 4, topK: 2, totalTokens: 8 } } },
  ] : [];
  // With int8 activations only chains are lossless (see Engine.complete).
  const all = [...SPEC_CONFIGS, ...headConfigs];
  const configs = engine.info.graph.accuracyLevel === 4 ? all.filter((c) => !c.draft || c.draft.tree?.kind === 'chain') : all;
  const agg = new Map<string, Agg>(configs.map((c) => [c.name, { tokens: 0, ms: 0, runs: 0, accepted: 0, drafted: 0, draftMs: 0, verifyMs: 0, reached: [], passed: [], mismatches: 0 }]));
  // Warm-up (excluded): one plain completion.
  await engine.complete({ prompt: prompts[0] as string, maxTokens: 8 });
  for (const [i, prompt] of prompts.entries()) {
    let plain: CompletionResult | undefined;
    for (const c of configs) {
      const r = await engine.complete({ prompt, maxTokens: o.tokens, draft: c.draft });
      const a = agg.get(c.name) as Agg;
      plain ??= r;
      if (JSON.stringify(r.tokens) !== JSON.stringify(plain.tokens)) a.mismatches++;
      // Decode speed counts the tokens after the first (which the prefill produces).
      a.tokens += Math.max(0, r.tokens.length - 1);
      a.ms += r.timings.decodeMs;
      if (r.spec) {
        a.runs += r.spec.targetRuns; a.accepted += r.spec.accepted; a.drafted += r.spec.drafted;
        a.draftMs += r.spec.draftMs; a.verifyMs += r.spec.verifyMs;
        r.spec.depthReached.forEach((n, d) => { a.reached[d] = (a.reached[d] ?? 0) + n; a.passed[d] = (a.passed[d] ?? 0) + (r.spec?.depthAccepted[d] ?? 0); });
      } else {
        a.runs += Math.max(0, r.tokens.length - 1);
        a.verifyMs += r.timings.decodeMs;
      }
    }
    log(`  position ${i + 1}/${prompts.length}`);
  }
  await engine.dispose();
  const base = agg.get('plain') as Agg;
  const baseTps = (base.tokens * 1000) / base.ms;
  const rows = configs.map((c) => {
    const a = agg.get(c.name) as Agg;
    const tps = (a.tokens * 1000) / a.ms;
    return {
      config: c.name, tokens_per_s: tps, speedup: tps / baseTps, tau: a.runs ? (a.accepted + a.runs) / a.runs : 0,
      acceptance_by_depth: a.reached.map((n, d) => (a.passed[d] ?? 0) / n),
      draft_ms_per_step: a.runs ? a.draftMs / a.runs : 0, verify_ms_per_step: a.runs ? a.verifyMs / a.runs : 0,
      drafted_per_step: a.runs ? a.drafted / a.runs : 0, mismatches: a.mismatches,
    };
  });
  if (!o.json) {
    console.log('\n| config | tokens/s | speedup | tau | acceptance by depth | nodes/step | draft ms/step | verify ms/step | mismatches |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.config} | ${r.tokens_per_s.toFixed(1)} | ${r.speedup.toFixed(2)}x | ${r.tau.toFixed(2)} | ${r.acceptance_by_depth.map((x) => x.toFixed(2)).join(' ')} | ${r.drafted_per_step.toFixed(1)} | ${r.draft_ms_per_step.toFixed(2)} | ${r.verify_ms_per_step.toFixed(1)} | ${r.mismatches} |`);
    }
  }
  const mismatches = rows.reduce((a, r) => a + r.mismatches, 0);
  console.log(JSON.stringify({
    bench: 'spec', model: path.basename(o.load.modelPath), threads, activations: o.load.graph?.accuracyLevel === 4 ? 'int8' : 'fp32',
    positions: prompts.length, tokens: o.tokens, source: o.dir ?? 'dev split', cpu: os.cpus()[0]?.model ?? 'unknown', results: rows, mismatches,
  }));
  if (mismatches > 0) throw new Error(`${mismatches} speculative outputs differ from plain greedy decoding`);
}
