// Plain decoding: prefix reuse of the KV cache, chunked prefill, greedy or sampled decoding,
// stop sequences, token budget and cancellation between steps.
import { KvCache } from './kv-cache';
import { Rng, SamplingParams, GREEDY, sampleToken } from './sampler';
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
  /** Benchmarks: recompute the whole prompt instead of reusing the cached prefix. */
  fresh?: boolean;
  /** Benchmarks: keep generating past end-of-sequence tokens. */
  ignoreEos?: boolean;
}

export type FinishReason = 'stop' | 'length' | 'eos' | 'cancelled';

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

export interface CompletionResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  timings: Timings;
}

export interface CompletionHooks {
  isCancelled?: () => boolean;
  /** Called with each new piece of text as it is decoded. */
  onText?: (delta: string) => void;
}

export const PREFILL_CHUNK = 256;

export class Engine {
  readonly cache: KvCache;

  constructor(readonly target: TargetModel) {
    this.cache = target.newCache();
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
   */
  async prefill(ids: readonly number[], wantLogits: boolean, isCancelled?: () => boolean): Promise<{ reused: number; last: Awaited<ReturnType<TargetModel['forward']>> } | undefined> {
    let common = this.cache.commonPrefix(ids);
    if (common === ids.length) common--; // the last prompt token must run to give its logits
    this.cache.truncate(common);
    let at = common;
    for (;;) {
      if (isCancelled?.()) return undefined;
      const end = Math.min(ids.length, at + PREFILL_CHUNK);
      const isLast = end === ids.length;
      const r = await this.target.extend(this.cache, ids.slice(at, end), { logits: isLast && wantLogits });
      at = end;
      if (isLast) return { reused: common, last: r };
    }
  }

  async complete(req: CompletionRequest, hooks: CompletionHooks = {}): Promise<CompletionResult> {
    const t0 = performance.now();
    const sampling = req.sampling ?? GREEDY;
    const greedy = sampling.temperature <= 0;
    const rng = new Rng(sampling.seed);
    const tok = this.target.tokenizer;
    const ids = this.promptIds(req);
    const stops = (req.stop ?? []).filter((s) => s.length > 0);
    const eos = new Set(tok.special.eog);
    const out: number[] = [];
    const decoder = new TextDecoder('utf-8');
    let text = '';
    let finish: FinishReason = 'length';
    const timings: Timings = {
      promptTokens: ids.length, reusedTokens: 0, prefillTokens: 0, prefillMs: 0,
      decodeTokens: 0, decodeMs: 0, decodeTokensPerS: 0, totalMs: 0,
    };
    if (req.fresh) this.cache.truncate(0);
    const pre = await this.prefill(ids, !greedy, hooks.isCancelled);
    const t1 = performance.now();
    timings.prefillMs = t1 - t0;
    if (!pre) return this.finish(text, out, 'cancelled', timings, t0, t1);
    timings.reusedTokens = pre.reused;
    timings.prefillTokens = ids.length - pre.reused;
    let next = greedy ? (pre.last.argmax[0] as number) : sampleToken(pre.last.logits as Float32Array, sampling, rng);
    while (out.length < req.maxTokens) {
      if (eos.has(next) && !req.ignoreEos) { finish = 'eos'; break; }
      out.push(next);
      const delta = decoder.decode(tok.bytes(next), { stream: true });
      const before = text.length;
      text += delta;
      const hit = findStop(text, stops, before);
      if (hit >= 0) {
        text = text.slice(0, hit);
        finish = 'stop';
        if (hit > before) hooks.onText?.(text.slice(before));
        break;
      }
      if (delta) hooks.onText?.(delta);
      if (out.length >= req.maxTokens) break;
      if (hooks.isCancelled?.()) { finish = 'cancelled'; break; }
      if (this.cache.length + 1 >= this.target.graphOptions.maxPositions) break;
      const r = await this.target.extend(this.cache, [next], { logits: !greedy });
      next = greedy ? (r.argmax[0] as number) : sampleToken(r.logits as Float32Array, sampling, rng);
    }
    if (finish !== 'stop') text += decoder.decode();
    return this.finish(text, out, finish, timings, t0, t1);
  }

  private finish(text: string, tokens: number[], finishReason: FinishReason, timings: Timings, t0: number, t1: number): CompletionResult {
    const end = performance.now();
    timings.decodeTokens = tokens.length;
    timings.decodeMs = end - t1;
    // The first token comes from the prefill; decode speed counts the steps after it.
    timings.decodeTokensPerS = tokens.length > 1 ? ((tokens.length - 1) * 1000) / timings.decodeMs : 0;
    timings.totalMs = end - t0;
    return { text, tokens, finishReason, timings };
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
