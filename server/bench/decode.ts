// The decode benchmark: every contender on the same prompts (cursor positions of dev-split files,
// the infilling eval sets, or a folder), interleaved per prompt, in one run:
//   ours plain, n-gram, the PRISM head, the EAGLE-3 head (chains at several depths, a tree), and
//   node-llama-cpp on the same GGUF and threads (plain, and its input-lookup speculation).
// Reports tokens/s, speedup over our plain decoding, tau, acceptance by depth, draft and verify ms
// per target run, completion latency; every speculative output of ours must equal plain greedy
// output (a mismatch fails the run). Each speculative chain's own measurements, given to the
// tuner (tuner.ts, SourceTuner: lookup and the head modelled apart), give its expected tokens/s,
// printed beside the measured value (the model "auto" decides by; auto's row shows the tuner's
// model of its choices after the run, as for the others, and what the tuner expected of each
// choice when it made it, from the prompts before); the deepest chain of each head gives the
// head's whole curve and its best depth.
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../engine/client';
import { HYBRID_HEAD_DEPTH, HYBRID_HEAD_MIN_PROB } from '../engine/hybrid';
import type { TreeParams } from '../engine/drafter';
import type { CompletionRequest, CompletionResult, SpecStats } from '../engine/engine';
import type { DraftRequest } from '../engine/types';
import type { WorkerLoadOptions } from '../engine/protocol';
import { type DepthPoint, SourceTuner } from '../drafting/tuner';
import { DraftPolicy, draftLabel, draftMix, HEAD_KINDS, headFor } from '../drafting/policy';
import { projectRoot } from '../paths';
import { LlamaContender, median } from './llama';
import { numericsLabel } from './numerics';
import { machine } from './report';
import { type BenchPrompt, benchPrompts, type PromptSource } from './prompts';

export interface DecodeBenchOptions {
  load: WorkerLoadOptions;
  positions: number;
  tokens: number;
  source: PromptSource;
  /** Extra trained heads (.gguf) to include besides the shipped ones. */
  heads?: string[];
  /** Include node-llama-cpp (plain and input lookup). */
  llamaCpp: boolean;
  /** Depths of the chains per head (the deepest feeds the tuner). */
  depths: number[];
  /** Include the n-gram sweep and trees (slower). */
  full: boolean;
  /** Dynamic tree shapes for the heads' tree rows (with --full or alone; default: depth 4, top-2 children, 8 nodes). */
  treeShapes?: TreeShape[];
  /** Also chains whose depth follows the last run (TreeParams.adapt), and auto drafting with them. */
  adaptive?: boolean;
  /** Also the hybrid as one tree: lookup's chain of 4 and the head's top token beside its first where the head gives it at least each of these probabilities (DraftRequest.headSibling; needs trees). */
  headSiblings?: { minProb: number; maxMatch?: number }[];
  /** Also chains that grow on runs of whole acceptances up to this depth (TreeParams.grow), and auto with them. */
  grow?: number;
  /** Also auto with chains of at most this depth (PolicyOptions.maxDepth), beside the default. */
  autoMaxDepth?: number;
  /** Also auto starting from these lookup + head chain depths (PolicyOptions.start), beside the default. */
  autoStarts?: [number, number][];
  /** Also fixed hybrid rows with these lookup and head chain depths ([[3, 3], [5, 2]]: --hybrid 3+3,5+2). */
  hybridMixes?: [number, number][];
  /** Only the configurations whose name matches (plain decoding, the baseline, always runs). */
  only?: RegExp;
  progress: (fraction: number, message: string) => void;
}

export interface TreeShape { depth: number; topK: number; totalTokens: number }

export interface DecodeRow {
  config: string; drafter: string; depth: number; tokens_per_s: number; speedup: number; tau: number;
  acceptance_by_depth: number[]; draft_ms_per_step: number; verify_ms_per_step: number; drafted_per_step: number;
  latency_ms_p50: number; mismatches: number; same_text_as_ours?: number;
  /** The depth tuner's expected tokens/s for this configuration from its own measurements (chains); auto: the policy's tuner, for each choice as it made it. */
  predicted_tokens_per_s?: number;
  /** auto: the tuner's model of the same choices after the run, from all it measured (as for the fixed configurations). */
  modelled_tokens_per_s?: number;
  /** auto: what the policy chose for each prompt, in order ("hybrid d4+h1", "plain", ...). */
  choices?: string[];
  /** auto: per prompt, the tokens/s the tuner expected of its choice / the tokens/s measured ("140/98"). */
  expected_vs_measured?: string[];
}

export interface DecodeReport {
  bench: 'decode'; model: string; threads: number; positions: number; tokens: number; source: string; cpu: string;
  /** The target's numerics (activations, LM head, exact or single-row kernels). */
  numerics: string;
  results: DecodeRow[]; tuning: { drafter: string; curve: DepthPoint[]; chosen: DepthPoint }[]; mismatches: number;
  /** The datastores built (repository-level set, folders): files, tokens, memory, build time. */
  datastores: string[];
}

/**
 * unpadded: our engine with exact off (one-token steps on ORT's single-row kernels). policy: the
 * default "auto" drafting, deciding per prompt from what it measured on the prompts before (as
 * the language server does per request; exploration included).
 */
interface Config { name: string; drafter: string; depth: number; draft?: CompletionRequest['draft']; llama?: 'plain' | 'lookup'; unpadded?: boolean; policy?: DraftPolicy }

interface Agg { tuner?: SourceTuner; /** The lookup and head chain depths of a chain configuration, and whether it consults the datastore. */ mix?: [number, number, boolean, number]; choices: string[]; /** auto: decode ms the tuner expected for the tokens made; per prompt, expected/measured tokens/s. */ expectedMs: number; /** auto: each prompt's draft and tokens, for the model of the choices after the run. */ picks: { draft: DraftRequest | undefined; tokens: number }[]; guesses: string[]; tokens: number; ms: number; runs: number; accepted: number; drafted: number; draftMs: number; verifyMs: number; reached: number[]; passed: number[]; mismatches: number; latencies: number[]; same: number; n: number }

function configs(o: DecodeBenchOptions, heads: { name: string; path: string }[], store: boolean): Config[] {
  const chain = (depth: number): Partial<TreeParams> => ({ kind: 'chain', depth });
  const out: Config[] = [{ name: 'plain', drafter: 'none', depth: 0 }];
  // What exactness costs plain decoding: the same steps on single-row kernels (text may differ by ~1e-4 logits).
  if (o.load.exact !== false) out.push({ name: 'plain, single-row kernels (exact off)', drafter: 'none', depth: 0, unpadded: true });
  const ngramDepths = o.full ? [3, 5] : [4];
  for (const d of ngramDepths) out.push({ name: `ngram chain d${d}`, drafter: 'ngram', depth: d, draft: { drafter: 'ngram', tree: chain(d), datastore: false } });
  // --adaptive: chains whose depth follows the last run (TreeParams.adapt; tied with fixed depths
  // on 2026-12-04, docs/BENCHMARKS.md, so not the default).
  if (o.adaptive) {
    for (const d of [4, 8]) out.push({ name: `ngram chain d${d} adaptive`, drafter: 'ngram', depth: d, draft: { drafter: 'ngram', tree: { ...chain(d), adapt: true }, datastore: false } });
  }
  if (o.grow) {
    for (const d of ngramDepths) out.push({ name: `ngram chain d${d} grow${o.grow}`, drafter: 'ngram', depth: d, draft: { drafter: 'ngram', tree: { ...chain(d), grow: o.grow }, datastore: false } });
  }
  // With a repository datastore: prompt lookup first, the repository where the prompt has no match.
  if (store) {
    for (const d of ngramDepths) {
      out.push({ name: `ngram+repo chain d${d}`, drafter: 'ngram+repo', depth: d, draft: { drafter: 'ngram', tree: chain(d), datastore: true } });
      // SAM-decoding's rule: the repository's match first when it is 3+ tokens longer.
      out.push({ name: `ngram+repo lead3 chain d${d}`, drafter: 'ngram+repo lead3', depth: d, draft: { drafter: 'ngram', tree: chain(d), datastore: true, ngram: { storeLead: 3 } } });
    }
  }
  // Trees are bit-exact only with the tree-exact attention (--tree static|dynamic loads it); --inexact allows them too.
  const trees = (o.full || o.treeShapes !== undefined || o.headSiblings !== undefined) && (o.load.exact === false || o.load.graph?.attention === 'tree-exact');
  if (trees && o.full) out.push({ name: 'ngram tree k2 n8', drafter: 'ngram', depth: 4, draft: { drafter: 'ngram', tree: { kind: 'dynamic', depth: 4, topK: 2, totalTokens: 8 }, datastore: false } });
  const shapes = o.treeShapes ?? [{ depth: 4, topK: 2, totalTokens: 8 }];
  const shapeName = (t: TreeShape): string => (o.treeShapes ? `tree d${t.depth} k${t.topK} n${t.totalTokens}` : `tree k${t.topK} n${t.totalTokens}`);
  for (const h of heads) {
    for (const d of o.depths) out.push({ name: `${h.name} chain d${d}`, drafter: h.name, depth: d, draft: { drafter: 'head', head: h.path, tree: chain(d) } });
    if (trees) for (const t of shapes) out.push({ name: `${h.name} ${shapeName(t)}`, drafter: h.name, depth: t.depth, draft: { drafter: 'head', head: h.path, tree: { kind: 'dynamic', ...t } } });
  }
  // The hybrid: n-gram lookup where it has a match, the head's short chain where it has none.
  for (const h of heads.filter((x) => x.name !== 'eagle3')) {
    const d = ngramDepths[0] as number;
    // The head's chain where lookup is silent: fixed depths, and depth 3 gated by the head's confidence.
    for (const [hd, p] of [[HYBRID_HEAD_DEPTH, HYBRID_HEAD_MIN_PROB], [2, 0], [3, 0.3]] as const) {
      out.push({ name: `hybrid ngram d${d} + ${h.name} d${hd}${p ? ` p${p}` : ''}`, drafter: `hybrid(${h.name})`, depth: d, draft: { drafter: 'hybrid', head: h.path, headDepth: hd, headMinProb: p, tree: chain(d), datastore: false } });
    }
    for (const [ld, hd] of o.hybridMixes ?? []) {
      if (ld === d && hd <= 2) continue;
      out.push({ name: `hybrid ngram d${ld} + ${h.name} d${hd}`, drafter: `hybrid(${h.name})`, depth: ld, draft: { drafter: 'hybrid', head: h.path, headDepth: hd, headMinProb: 0, tree: chain(ld), datastore: false } });
    }
    if (o.adaptive) out.push({ name: `hybrid ngram d4 + ${h.name} d${HYBRID_HEAD_DEPTH} adaptive`, drafter: `hybrid(${h.name})`, depth: 4, draft: { drafter: 'hybrid', head: h.path, headDepth: HYBRID_HEAD_DEPTH, headMinProb: HYBRID_HEAD_MIN_PROB, tree: { ...chain(4), adapt: true }, datastore: false } });
    if (trees) {
      for (const { minProb: p, maxMatch } of o.headSiblings ?? []) {
        out.push({ name: `hybrid tree ngram d${d} + ${h.name} d${HYBRID_HEAD_DEPTH}, ${h.name} sibling p${p}${maxMatch !== undefined ? ` beside matches <= ${maxMatch}` : ''}`, drafter: `hybrid(${h.name})`, depth: d, draft: { drafter: 'hybrid', head: h.path, headDepth: HYBRID_HEAD_DEPTH, headMinProb: HYBRID_HEAD_MIN_PROB, headSibling: p, ...(maxMatch !== undefined ? { headSiblingMaxMatch: maxMatch } : {}), tree: { kind: 'dynamic', depth: d, topK: 1, totalTokens: d + 1 }, datastore: false } });
      }
    }
    if (o.grow) out.push({ name: `hybrid ngram d${d} + ${h.name} d${HYBRID_HEAD_DEPTH} grow${o.grow}`, drafter: `hybrid(${h.name})`, depth: d, draft: { drafter: 'hybrid', head: h.path, headDepth: HYBRID_HEAD_DEPTH, headMinProb: HYBRID_HEAD_MIN_PROB, tree: { ...chain(d), grow: o.grow }, datastore: false } });
    // SAM-decoding's choice by match length: lookup only on a match of 3+ tokens, the head below.
    out.push({ name: `hybrid ngram>=3 d${d} + ${h.name} d${HYBRID_HEAD_DEPTH}`, drafter: `hybrid(${h.name})`, depth: d, draft: { drafter: 'hybrid', head: h.path, headDepth: HYBRID_HEAD_DEPTH, headMinProb: HYBRID_HEAD_MIN_PROB, tree: chain(d), datastore: false, ngram: { minN: 3 } } });
    // With a datastore, as auto drafts in the editor: the prompt, the store, then the head.
    if (store) out.push({ name: `hybrid+repo ngram d${d} + ${h.name} d${HYBRID_HEAD_DEPTH}`, drafter: `hybrid+repo(${h.name})`, depth: d, draft: { drafter: 'hybrid', head: h.path, headDepth: HYBRID_HEAD_DEPTH, headMinProb: HYBRID_HEAD_MIN_PROB, tree: chain(d), datastore: true } });
  }
  const autoRows: { name: string; adapt?: boolean; grow?: number; maxDepth?: number; start?: { lookup: number; head: number } }[] = [{ name: 'auto (the default)' }];
  for (const [l, h] of o.autoStarts ?? []) autoRows.push({ name: `auto, start d${l}+h${h}`, start: { lookup: l, head: h } });
  if (o.adaptive) autoRows.push({ name: 'auto, adaptive chains', adapt: true });
  if (o.grow) autoRows.push({ name: `auto, chains that grow to ${o.grow}`, grow: o.grow });
  if (o.autoMaxDepth !== undefined) autoRows.push({ name: `auto, chains up to d${o.autoMaxDepth}`, maxDepth: o.autoMaxDepth });
  for (const r of autoRows) {
    out.push({
      name: r.name, drafter: 'auto', depth: 0,
      policy: new DraftPolicy({ mode: 'auto', depth: 'auto', modelPath: o.load.modelPath, tree: 'chain', treeWidth: 4, treeTokens: 16, chainsOnly: o.load.exact !== false && o.load.graph?.attention !== 'tree-exact', padded: o.load.exact !== false, adapt: r.adapt, grow: r.grow, maxDepth: r.maxDepth, start: r.start }),
    });
  }
  if (o.llamaCpp) {
    out.push({ name: 'node-llama-cpp plain', drafter: 'llama.cpp', depth: 0, llama: 'plain' });
    out.push({ name: 'node-llama-cpp input lookup', drafter: 'llama.cpp lookup', depth: 0, llama: 'lookup' });
  }
  return out;
}

/**
 * A trained head's name in the benchmark's rows: its file name without .gguf, or its run folder's
 * name for the pipeline's `RUN/head.gguf` (so that heads of several runs can be told apart).
 */
export function benchHeadName(file: string): string {
  const base = path.basename(file, '.gguf');
  return base === 'head' ? path.basename(path.dirname(path.resolve(file))) : base;
}

export async function benchDecode(o: DecodeBenchOptions): Promise<DecodeReport> {
  const prompts = benchPrompts(o.source, o.positions, projectRoot());
  const threads = o.load.threads || os.availableParallelism();
  const heads: { name: string; path: string }[] = [];
  // The shipped heads fit the default model only.
  for (const kind of HEAD_KINDS) {
    const p = headFor(kind, o.load.modelPath);
    if (p) heads.push({ name: kind, path: p });
  }
  for (const h of o.heads ?? []) heads.push({ name: benchHeadName(h), path: path.resolve(h) });
  const engine = await EngineClient.start({ ...o.load, threads });
  const unpadded = o.load.exact !== false ? await EngineClient.start({ ...o.load, threads, exact: false }) : undefined;
  const cfgs = configs(o, heads, prompts.some((p) => p.store)).filter((c) => c.name === 'plain' || !o.only || o.only.test(c.name));
  const llama = o.llamaCpp ? await LlamaContender.start(o.load.modelPath, threads) : undefined;
  // Chains get a tuner of their own from the start, so that it sees every plain run.
  const agg = new Map<string, Agg>(cfgs.map((c) => [c.name, { tuner: c.draft?.tree?.kind === 'chain' ? new SourceTuner() : undefined, mix: c.draft?.tree?.kind === 'chain' ? draftMix(c.draft) : undefined, choices: [], expectedMs: 0, picks: [], guesses: [], tokens: 0, ms: 0, runs: 0, accepted: 0, drafted: 0, draftMs: 0, verifyMs: 0, reached: [], passed: [], mismatches: 0, latencies: [], same: 0, n: 0 }]));
  // One tuner per head drafter from the start, so that it sees every plain run.
  const tuners = new Map<string, SourceTuner>(heads.map((h) => [h.name, new SourceTuner()]));
  // Heads whose chain row ran (--only may leave it out): a curve for another would be the prior's.
  const tuned = new Set<string>();
  // Warm-up (excluded).
  await engine.complete({ prompt: (prompts[0] as BenchPrompt).text, maxTokens: 8 });
  await unpadded?.complete({ prompt: (prompts[0] as BenchPrompt).text, maxTokens: 8 });
  await llama?.run((prompts[0] as BenchPrompt).text, 8, 'plain');
  let indexed = '';
  const storeLines: string[] = [];
  for (const [i, bp] of prompts.entries()) {
    const prompt = bp.text;
    if (bp.store) {
      // The prompt's repository as the datastore, its own file left out.
      if (indexed !== bp.store.key) {
        const st = await engine.index(bp.store.files.map((f) => ({ path: f.path, text: f.content })), true);
        storeLines.push(`${bp.store.key}: ${st.files} files, ${st.tokens} tokens, ${(st.bytes / 2 ** 20).toFixed(1)} MiB, built in ${st.ms.toFixed(0)} ms`);
        indexed = bp.store.key;
      }
      if (bp.store.exclude) await engine.index([{ path: bp.store.exclude, text: null }], false);
    }
    let plain: CompletionResult | undefined;
    for (const c of cfgs) {
      const a = agg.get(c.name) as Agg;
      a.n++;
      if (c.llama && llama) {
        const r = await llama.run(prompt, o.tokens, c.llama);
        a.tokens += Math.max(0, r.tokens - 1);
        a.ms += r.decodeMs;
        a.latencies.push(r.totalMs);
        if (plain && r.text === plain.text) a.same++;
        continue;
      }
      // fresh: every contender recomputes the whole prompt (no cache reuse between contenders).
      const draft = c.policy ? c.policy.choose() : c.draft;
      const r = await (c.unpadded && unpadded ? unpadded : engine).complete({ prompt, maxTokens: o.tokens, draft, fresh: true });
      if (c.policy) {
        const expected = c.policy.expected;
        if (expected) a.expectedMs += (Math.max(0, r.tokens.length - 1) * 1000) / expected.tokensPerS;
        c.policy.observe(draft, r, false);
        a.picks.push({ draft, tokens: Math.max(0, r.tokens.length - 1) });
        a.guesses.push(`${expected ? expected.tokensPerS.toFixed(0) : '-'}/${((Math.max(0, r.tokens.length - 1) * 1000) / Math.max(1e-9, r.timings.decodeMs)).toFixed(0)}`);
        a.choices.push(draftLabel(draft));
      }
      plain ??= r;
      if (c.unpadded) { if (r.text === plain.text) a.same++; }
      else if (JSON.stringify(r.tokens) !== JSON.stringify(plain.tokens)) a.mismatches++;
      a.tokens += Math.max(0, r.tokens.length - 1);
      a.ms += r.timings.decodeMs;
      a.latencies.push(r.timings.totalMs);
      if (r.spec) {
        add(a, r.spec);
        if (a.mix) a.tuner?.observe(r.spec, a.mix[0], a.mix[1], a.mix[2]);
        if (c.depth === Math.max(...o.depths) && c.draft?.tree?.kind === 'chain' && c.draft.drafter === 'head') {
          tuners.get(c.drafter)?.observe(r.spec, 0, c.depth, false);
          tuned.add(c.drafter);
        }
      } else if (!c.unpadded) {
        a.runs += Math.max(0, r.tokens.length - 1);
        a.verifyMs += r.timings.decodeMs;
        for (const t of [...tuners.values(), ...[...agg.values()].flatMap((x) => (x.tuner ? [x.tuner] : []))]) t.observePlain(r.timings.decodeMs / Math.max(1, r.tokens.length - 1), Math.max(0, r.tokens.length - 1));
      }
    }
    const excluded = bp.store?.exclude;
    if (bp.store && excluded) {
      // The prompt's own file goes back into its repository's store for the next prompt.
      const own = bp.store.files.find((f) => f.path === excluded);
      await engine.index([{ path: excluded, text: own?.content ?? null }], false);
    }
    o.progress((i + 1) / prompts.length, `decode: prompt ${i + 1}/${prompts.length}`);
  }
  await engine.dispose();
  await unpadded?.dispose();
  await llama?.close();
  const base = agg.get('plain') as Agg;
  const baseTps = (base.tokens * 1000) / base.ms;
  const results: DecodeRow[] = cfgs.map((c) => {
    const a = agg.get(c.name) as Agg;
    const tps = (a.tokens * 1000) / a.ms;
    return {
      config: c.name, drafter: c.drafter, depth: c.depth, tokens_per_s: tps, speedup: tps / baseTps,
      tau: c.llama ? 0 : a.runs ? (a.accepted + a.runs) / a.runs : 0,
      acceptance_by_depth: a.reached.map((n, d) => (a.passed[d] ?? 0) / n),
      draft_ms_per_step: a.runs ? a.draftMs / a.runs : 0, verify_ms_per_step: a.runs ? a.verifyMs / a.runs : 0,
      drafted_per_step: a.runs ? a.drafted / a.runs : 0, latency_ms_p50: median(a.latencies), mismatches: a.mismatches,
      ...(c.llama || c.unpadded ? { same_text_as_ours: a.same / a.n } : {}),
      ...(a.tuner && a.mix ? { predicted_tokens_per_s: a.tuner.point(...a.mix).tokensPerS } : {}),
      // auto: what the tuner expected of each choice when it made it, over the same tokens; and
      // what it models of the same choices after the run, as for the fixed configurations.
      ...(c.policy && a.expectedMs > 0 ? { predicted_tokens_per_s: (a.tokens * 1000) / a.expectedMs } : {}),
      ...(c.policy && a.tokens > 0 ? { modelled_tokens_per_s: (a.tokens * 1000) / a.picks.reduce((ms, x) => ms + (x.tokens * 1000) / (c.policy as DraftPolicy).estimate(x.draft).tokensPerS, 0) } : {}),
      ...(c.policy ? { choices: a.choices, expected_vs_measured: a.guesses } : {}),
    };
  });
  const maxHead = Math.max(...o.depths);
  const tuning = [...tuners.entries()].filter(([drafter]) => tuned.has(drafter)).map(([drafter, t]) => {
    const curve: DepthPoint[] = Array.from({ length: maxHead + 1 }, (_, h) => ({ ...t.point(0, h), depth: h }));
    return { drafter, curve, chosen: curve.reduce((x, y) => (y.tokensPerS > x.tokensPerS ? y : x)) };
  });
  return {
    bench: 'decode', model: path.basename(o.load.modelPath), threads, positions: prompts.length, tokens: o.tokens,
    source: o.source.kind === 'dir' ? o.source.dir : o.source.kind, cpu: machine(), numerics: numericsLabel(o.load.graph, o.load.exact ?? true), results, tuning, datastores: storeLines,
    mismatches: results.reduce((s, r) => s + r.mismatches, 0),
  };
}

function add(a: Agg, s: SpecStats): void {
  a.runs += s.targetRuns; a.accepted += s.accepted; a.drafted += s.drafted;
  a.draftMs += s.draftMs; a.verifyMs += s.verifyMs;
  s.depthReached.forEach((n, d) => { a.reached[d] = (a.reached[d] ?? 0) + n; a.passed[d] = (a.passed[d] ?? 0) + (s.depthAccepted[d] ?? 0); });
}

export function decodeTable(r: DecodeReport): string {
  const lines = [
    '| config | tokens/s | tuner expected tokens/s | speedup | tau | acceptance by depth | draft ms/run | verify ms/run | latency p50 ms | mismatches |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const x of r.results) {
    const mm = x.same_text_as_ours !== undefined ? `(same text as ours: ${(100 * x.same_text_as_ours).toFixed(0)}%)` : String(x.mismatches);
    const pct = (v: number) => `${v.toFixed(1)} (${(100 * (v / x.tokens_per_s - 1)).toFixed(0)}%)`;
    const predicted = x.modelled_tokens_per_s !== undefined
      ? `${pct(x.modelled_tokens_per_s)}; when chosen ${x.predicted_tokens_per_s !== undefined ? pct(x.predicted_tokens_per_s) : '-'}`
      : x.predicted_tokens_per_s !== undefined ? pct(x.predicted_tokens_per_s) : '-';
    lines.push(`| ${x.config} | ${x.tokens_per_s.toFixed(1)} | ${predicted} | ${x.speedup.toFixed(2)}x | ${x.tau ? x.tau.toFixed(2) : '-'} | ${x.acceptance_by_depth.map((v) => v.toFixed(2)).join(' ') || '-'} | ${x.draft_ms_per_step.toFixed(2)} | ${x.verify_ms_per_step.toFixed(1)} | ${x.latency_ms_p50.toFixed(0)} | ${mm} |`);
  }
  for (const x of r.results) if (x.choices) lines.push('', `${x.config}, per prompt (tokens/s the tuner expected / measured): ${x.choices.map((c, i) => `${c} (${x.expected_vs_measured?.[i] ?? '-'})`).join(', ')}.`);
  if (r.datastores.length > 0) lines.push('', `Datastores: ${r.datastores.join('; ')}.`);
  for (const t of r.tuning) {
    lines.push('', `Depth tuning for ${t.drafter} (expected tokens/s from measured acceptance and costs): ${t.curve.map((p) => `d${p.depth} ${p.tokensPerS.toFixed(1)}`).join(', ')}; chosen depth ${t.chosen.depth}.`);
  }
  return lines.join('\n');
}
