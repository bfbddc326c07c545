// Plain decoding: prefix reuse of the KV cache, chunked prefill, greedy or sampled decoding,
// stop sequences, token budget and cancellation between steps.
import { treeDepths } from '../../kernels/masks';
import type { Tokenizer } from '../../kernels/tokenizer';
import { Acceptance, acceptGreedy, acceptSampling, blockParents } from './acceptance';
import { DEFAULT_TREE, Drafter, EMPTY_TREE, TreeParams } from './drafter';
import { KvCache, RowStore } from './kv-cache';
import type { NgramOptions } from './ngram';
import { distributionFromTop, GREEDY, Rng, SamplingParams, sampleToken, SparseDist, targetDistribution } from './sampler';
import { SAMPLING_TOPK } from '../../kernels/llama-graph';
import { TargetModel } from './target';

export interface CompletionRequest {
  /** Text to continue. */
  prompt: string;
  maxTokens: number;
  sampling?: SamplingParams;
  /** Generation stops before the first occurrence of any of these strings. */
  stop?: string[];
  /** Parse control-token strings such as <fim_prefix> in the prompt (for FIM prompts). */
  allowSpecial?: boolean;
  /**
   * Time budget in ms from the start of the request: once spent, generation ends at the next line
   * boundary (finish 'time'), so a slow machine still shows whole lines.
   */
  timeBudgetMs?: number;
  /** Benchmarks: recompute the whole prompt instead of reusing the cached prefix. */
  fresh?: boolean;
  /** Benchmarks: keep generating past end-of-sequence tokens. */
  ignoreEos?: boolean;
  /** Speculative decoding with a named drafter (resolved by the worker), and its tree shape. */
  draft?: { drafter: DrafterName; tree?: Partial<TreeParams>; ngram?: Partial<NgramOptions>; head?: string };
}

/** 'head': a trained draft head (PRISM, EAGLE-3) read from `draft.head`, a .gguf path. */
export type DrafterName = 'none' | 'ngram' | 'head';

export type FinishReason = 'stop' | 'length' | 'eos' | 'cancelled' | 'time';

export interface Timings {
  promptTokens: number;
  /** Prompt tokens whose KV entries were reused from the previous call. */
  reusedTokens: number;
  prefillTokens: number;
  prefillMs: number;
  decodeTokens: number;
  decodeMs: number;
  decodeTokensPerS: number;
  totalMs: number;
}

/** Speculative decoding measurements, returned with every speculative completion. */
export interface SpecStats {
  drafter: string;
  /** Target runs after the prefill (each verifies one tree). */
  targetRuns: number;
  /** Draft nodes proposed and accepted in total. */
  drafted: number;
  accepted: number;
  /** Tokens per target run, bonus included: (accepted + runs) / runs. */
  tau: number;
  /** acceptanceByDepth[d-1]: of the runs whose tree reached depth d, the share that accepted >= d tokens. */
  acceptanceByDepth: number[];
  /** The counts behind it: runs whose tree reached depth d, and of those, runs accepting >= d. */
  depthReached: number[];
  depthAccepted: number[];
  draftMs: number;
  verifyMs: number;
  otherMs: number;
}

export interface CompletionResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  timings: Timings;
  spec?: SpecStats;
}

export interface CompletionHooks {
  isCancelled?: () => boolean;
  /** Called with each new piece of text as it is decoded. */
  onText?: (delta: string) => void;
}

export const PREFILL_CHUNK = 256;
/** Prompt tokens at the end that a cancelled prefill leaves out (the part typing changes). */
export const SETTLE_TAIL = 16;

export class Engine {
  readonly cache: KvCache;
  /** The target's taps of cached positions, kept while a drafter needs them (prefix of the cache). */
  readonly taps: RowStore;
  /** The context the drafter saw last (so it can be told what is unchanged). */
  private drafted: number[] = [];

  constructor(readonly target: TargetModel) {
    this.cache = target.newCache();
    this.taps = new RowStore(3 * target.cfg.hidden);
  }

  /** Token ids of a prompt, with BOS when the model wants it, cut from the left to fit. */
  promptIds(req: CompletionRequest): number[] {
    const tok = this.target.tokenizer;
    let ids = tok.encode(req.prompt, { allowSpecial: req.allowSpecial });
    const room = this.target.graphOptions.maxPositions - req.maxTokens - 1;
    if (ids.length > room) ids = ids.slice(ids.length - room);
    if (tok.addBos && tok.special.bos !== undefined) ids = [tok.special.bos, ...ids];
    if (ids.length === 0) ids = [tok.special.bos ?? tok.special.eos ?? 0];
    return ids;
  }

  /**
   * Brings the cache to ids[0..n-1) and returns the forward result of the last prompt token
   * (so the next token can be chosen). Only the part that differs from the cache is computed.
   * A cancelled request still prefills its prompt up to the last SETTLE_TAIL tokens before it
   * returns undefined: the request that replaces it (the same text plus a keystroke) reuses that.
   */
  async prefill(ids: readonly number[], wantLogits: boolean, isCancelled?: () => boolean, wantTaps = false): Promise<{ reused: number; last: Awaited<ReturnType<TargetModel['forward']>> } | undefined> {
    let common = this.cache.commonPrefix(ids);
    if (common === ids.length) common--; // the last prompt token must run to give its logits
    if (wantTaps) common = Math.min(common, this.taps.length); // positions without taps run again
    this.cache.truncate(common);
    this.taps.truncate(common);
    let at = common;
    const settle = Math.max(common, ids.length - SETTLE_TAIL);
    for (;;) {
      const cancelled = isCancelled?.() ?? false;
      if (cancelled && at >= settle) return undefined;
      const end = Math.min(cancelled ? settle : ids.length, at + PREFILL_CHUNK);
      const isLast = end === ids.length;
      const r = await this.target.extend(this.cache, ids.slice(at, end), { logits: isLast && wantLogits, taps: wantTaps });
      if (wantTaps) this.taps.append(r.taps as Float32Array);
      at = end;
      if (isLast) return { reused: common, last: r };
    }
  }

  async complete(req: CompletionRequest, hooks: CompletionHooks = {}, drafter?: Drafter, tree: TreeParams = DEFAULT_TREE): Promise<CompletionResult> {
    if (drafter && this.target.padsSingleRow && tree.kind !== 'chain') {
      // Ancestors at scattered columns sum in another order than in sequential decoding; int8
      // activations turn those last-bit differences into other tokens (docs/BENCHMARKS.md).
      throw new Error('draft trees are not lossless with int8 activations; use a chain (--tree chain) or fp32 activations');
    }
    const t0 = performance.now();
    const sampling = req.sampling ?? GREEDY;
    const greedy = sampling.temperature <= 0;
    const rng = new Rng(sampling.seed);
    const ids = this.promptIds(req);
    const out = new Emitter(this.target.tokenizer, req, hooks.onText, req.timeBudgetMs !== undefined ? t0 + req.timeBudgetMs : Infinity);
    const timings: Timings = {
      promptTokens: ids.length, reusedTokens: 0, prefillTokens: 0, prefillMs: 0,
      decodeTokens: 0, decodeMs: 0, decodeTokensPerS: 0, totalMs: 0,
    };
    if (req.fresh) this.cache.truncate(0);
    const pre = await this.prefill(ids, !greedy, hooks.isCancelled, drafter?.needsTaps ?? false);
    const t1 = performance.now();
    timings.prefillMs = t1 - t0;
    if (!pre) return this.finish(out, 'cancelled', timings, t0, t1);
    timings.reusedTokens = pre.reused;
    timings.prefillTokens = ids.length - pre.reused;
    const first = greedy ? (pre.last.argmax[0] as number) : sampleToken(pre.last.logits as Float32Array, sampling, rng);
    if (drafter) {
      const spec = await this.speculate(first, out, sampling, rng, drafter, tree, hooks);
      const r = this.finish(out, out.finish ?? 'length', timings, t0, t1);
      spec.otherMs = r.timings.decodeMs - spec.draftMs - spec.verifyMs;
      return { ...r, spec };
    }
    let next = first;
    while (out.push(next)) {
      if (hooks.isCancelled?.()) { out.finish = 'cancelled'; break; }
      if (this.cache.length + 1 >= this.target.graphOptions.maxPositions) break;
      const r = await this.target.extend(this.cache, [next], { logits: !greedy });
      next = greedy ? (r.argmax[0] as number) : sampleToken(r.logits as Float32Array, sampling, rng);
    }
    return this.finish(out, out.finish ?? 'length', timings, t0, t1);
  }

  /**
   * The speculative loop: the drafter proposes a tree below the root (the last chosen token), the
   * target verifies [root, ...tree] in one run with the ancestor mask and depth positions, the
   * acceptance rule picks the path, and only the root and the accepted nodes enter the KV cache.
   */
  private async speculate(first: number, out: Emitter, sampling: SamplingParams, rng: Rng, drafter: Drafter, params: TreeParams, hooks: CompletionHooks): Promise<SpecStats> {
    const greedy = sampling.temperature <= 0;
    const stats: SpecStats = { drafter: drafter.name, targetRuns: 0, drafted: 0, accepted: 0, tau: 0, acceptanceByDepth: [], depthReached: [], depthAccepted: [], draftMs: 0, verifyMs: 0, otherMs: 0 };
    const reached = stats.depthReached;
    const passed = stats.depthAccepted;
    const maxPos = this.target.graphOptions.maxPositions;
    let root = first;
    while (out.push(root)) {
      if (hooks.isCancelled?.()) { out.finish = 'cancelled'; break; }
      const P = this.cache.length;
      if (P + 1 >= maxPos) break;
      const ctxTokens = [...this.cache.tokens, root];
      const unchanged = commonPrefixLength(this.drafted, ctxTokens);
      this.drafted = ctxTokens;
      const td = performance.now();
      // Never draft deeper than the budget left or than the context has room for.
      const room = Math.min(out.remaining(), maxPos - P - 1);
      const taps = drafter.needsTaps ? (from: number, to: number) => this.taps.rows(from, to) : undefined;
      let tree = await drafter.draft({ tokens: ctxTokens, unchanged, sampling, rng, taps }, { ...params, depth: Math.min(params.depth, room) });
      if (tree.tokens.length > maxPos - P - 1) tree = EMPTY_TREE;
      const tv = performance.now();
      stats.draftMs += tv - td;
      const parents = blockParents(tree);
      const depth = treeDepths(parents);
      const block = [root, ...tree.tokens];
      // Sampling needs p at the nodes: from the in-graph top-k when it can hold the nucleus, else
      // (top-p 1 without a narrow top-k) full logits, known before the run.
      const fullRows = !greedy && (sampling.topK > SAMPLING_TOPK || (sampling.topK === 0 && sampling.topP >= 1));
      const r = await this.target.forward(this.cache, {
        ids: block, positions: Array.from(depth, (d) => P + d), parents, rows: block.map((_, i) => i), taps: drafter.needsTaps,
        sampleTemperature: greedy || fullRows ? undefined : sampling.temperature, logits: fullRows,
      });
      let acc: Acceptance;
      if (greedy) {
        acc = acceptGreedy(tree, r.argmax);
      } else {
        const V = this.target.cfg.vocabSize;
        let dists = fullRows
          ? block.map((_, b) => targetDistribution(r.logits as Float32Array, sampling, b * V, V))
          : block.map((_, b) => distributionFromTop(r.topLogits as Float32Array, r.topIds as Int32Array, r.lse?.[b] as number, Math.min(SAMPLING_TOPK, V), b, sampling));
        if (dists.some((d) => d === undefined)) {
          // The nucleus reaches past the in-graph top-k: run again for full logits (rare).
          const full = await this.target.forward(this.cache, { ids: block, positions: Array.from(depth, (d) => P + d), parents, rows: block.map((_, i) => i), logits: true });
          dists = block.map((_, b) => targetDistribution(full.logits as Float32Array, sampling, b * V, V));
        }
        acc = acceptSampling(tree, (b) => dists[b] as SparseDist, rng);
      }
      stats.verifyMs += performance.now() - tv;
      const kept = [0, ...acc.accepted.map((i) => i + 1)];
      this.cache.append(block, r.newK, r.newV, kept);
      if (drafter.needsTaps) this.taps.append(r.taps as Float32Array, kept);
      stats.targetRuns++;
      stats.drafted += tree.tokens.length;
      stats.accepted += acc.accepted.length;
      const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0);
      for (let d = 1; d <= maxDepth; d++) {
        reached[d - 1] = (reached[d - 1] ?? 0) + 1;
        if (acc.accepted.length >= d) passed[d - 1] = (passed[d - 1] ?? 0) + 1;
      }
      let more = true;
      for (const i of acc.accepted) if (!(more = out.push(tree.tokens[i] as number))) break;
      if (!more) break;
      root = acc.next;
    }
    stats.tau = stats.targetRuns ? (stats.accepted + stats.targetRuns) / stats.targetRuns : 0;
    for (let d = 0; d < reached.length; d++) passed[d] ??= 0;
    stats.acceptanceByDepth = reached.map((n, d) => (passed[d] as number) / n);
    return stats;
  }

  private finish(out: Emitter, finishReason: FinishReason, timings: Timings, t0: number, t1: number): CompletionResult {
    const end = performance.now();
    const tokens = out.tokens;
    timings.decodeTokens = tokens.length;
    timings.decodeMs = end - t1;
    // The first token comes from the prefill; decode speed counts the tokens after it.
    timings.decodeTokensPerS = tokens.length > 1 ? ((tokens.length - 1) * 1000) / timings.decodeMs : 0;
    timings.totalMs = end - t0;
    return { text: out.close(finishReason), tokens, finishReason, timings };
  }
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Collects generated tokens: end-of-generation ids, stop strings, the token budget, streaming. */
class Emitter {
  readonly tokens: number[] = [];
  finish: FinishReason | undefined;
  private text = '';
  private readonly decoder = new TextDecoder('utf-8');
  private readonly stops: string[];
  private readonly eog: Set<number>;

  constructor(private readonly tok: Tokenizer, private readonly req: CompletionRequest, private readonly onText?: (delta: string) => void, private readonly deadline = Infinity) {
    this.stops = (req.stop ?? []).filter((x) => x.length > 0);
    this.eog = new Set(tok.special.eog);
  }

  remaining(): number {
    return this.req.maxTokens - this.tokens.length;
  }

  /** Takes one token; false when generation must stop (and `finish` says why). */
  push(id: number): boolean {
    if (this.finish) return false;
    if (this.tokens.length >= this.req.maxTokens) { this.finish = 'length'; return false; }
    if (this.eog.has(id) && !this.req.ignoreEos) { this.finish = 'eos'; return false; }
    this.tokens.push(id);
    const delta = this.decoder.decode(this.tok.bytes(id), { stream: true });
    const before = this.text.length;
    this.text += delta;
    const hit = findStop(this.text, this.stops, before);
    if (hit >= 0) {
      this.text = this.text.slice(0, hit);
      this.finish = 'stop';
      if (hit > before) this.onText?.(this.text.slice(before));
      return false;
    }
    const nl = delta.indexOf('\n');
    if (nl >= 0 && this.tokens.length > 1 && performance.now() > this.deadline) {
      // Out of time: end at this line boundary (the line before it is whole).
      this.text = this.text.slice(0, before + nl);
      this.finish = 'time';
      if (nl > 0) this.onText?.(delta.slice(0, nl));
      return false;
    }
    if (delta) this.onText?.(delta);
    if (this.tokens.length >= this.req.maxTokens) { this.finish = 'length'; return false; }
    return true;
  }

  close(reason: FinishReason): string {
    if (reason !== 'stop' && reason !== 'time') this.text += this.decoder.decode();
    return this.text;
  }
}

/** Index of the earliest stop string in `text` that ends after `from`, or -1. */
export function findStop(text: string, stops: readonly string[], from: number): number {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}
