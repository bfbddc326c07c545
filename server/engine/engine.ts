// The engine: one target, its KV cache and the taps drafters read. complete() tokenizes the
// prompt (healing its last token when asked), prefills only what differs from the cache, spells
// the healed characters again under the constraint, then decodes plainly or hands over to the
// speculative loop (speculative.ts). When the cache already holds all of the prompt but its last
// token (typing: the same prompt and a keystroke), a greedy drafting completion has no prompt
// run: that token is the loop's first root, verified with the first draft, healing included.
// Text, stops and budgets are the Emitter's (emitter.ts).
import { DEFAULT_TREE, type Drafter, type TreeParams } from './drafter';
import { Emitter } from './emitter';
import type { ForwardResult, Target } from './forward';
import { HealConstraint, healTail } from './healing';
import { type KvCache, RowStore } from './kv-cache';
import { GREEDY, Rng, type SamplingParams, sampleToken } from './sampler';
import { speculate } from './speculative';
import type { CompletionHooks, CompletionRequest, CompletionResult, FinishReason, Timings } from './types';

export type { CompletionHooks, CompletionRequest, CompletionResult, DrafterName, FinishReason, SpecStats, Timings } from './types';

/**
 * Prompt tokens per target run in a prefill. onnxruntime's arena keeps what the largest run took:
 * 1,024 tokens in chunks of 64 / 128 / 256 rows took 1,477-1,499 / 1,399-1,412 / 1,444-1,450 ms
 * with a peak RSS of 409-414 / 424-461 / 462-528 MiB (fresh processes, quiet runs;
 * docs/BENCHMARKS.md, "A move cut short costs nothing").
 */
export const PREFILL_CHUNK = 128;

/** Rows a request reserves past its prompt and maxTokens (a verification's bonus token and then some). */
const RESERVE_SLACK = 16;

/**
 * A warm-up's chunk (prefillOnly: a file opened, a cursor at rest, a start moved in a pause). A
 * keystroke cancels a warm-up after the chunk under way, and its request waits for that chunk
 * (~90 ms for 64 rows here); 2-4% more time than PREFILL_CHUNK, in the background
 * (PRISM_WARM_CHUNK for benchmarks).
 */
export const WARM_CHUNK = 64;
const warmChunk = (): number => Number(process.env.PRISM_WARM_CHUNK) || WARM_CHUNK;
/**
 * The chunk of a moved start's warm-up (CompletionRequest.spare): the cache already serves the
 * user's prompt, so the next keystroke's wait for the chunk under way is all loss, where after a
 * file opened or a cursor at rest it waits for work its own prompt needs. (PRISM_MOVE_CHUNK for
 * benchmarks.)
 */
export const MOVE_CHUNK = 16;
const moveChunk = (): number => Number(process.env.PRISM_MOVE_CHUNK) || MOVE_CHUNK;
/** Prompt tokens at the end that a cancelled prefill leaves out (the part typing changes). */
export const SETTLE_TAIL = 16;

export const TREES_NOT_EXACT = 'draft trees are not bit-exact with this target (its attention sums a tree row\'s keys in another order than decoding); draft a chain, load the target with tree-exact attention (the CLI does for --tree static|dynamic, on the CPU), or turn exactness off (--inexact)';

/** Earlier outputs kept for drafting (DraftContext.recent): this many per document at most, each at most RECENT_TOKENS long. */
export const RECENT_KEEP = 4;
export const RECENT_TOKENS = 256;
/** The tokens before an earlier output, kept with it so that a context's suffix can match across the cut. */
export const RECENT_LEAD = 8;
/** PRISM_DRAFT_RECENT=0: keep nothing (benchmarks compare). */
const KEEP_RECENT = process.env.PRISM_DRAFT_RECENT !== '0';
/**
 * At most this many prompt tokens left to compute go into the speculative loop's first run
 * (SpecStart.lead): typing, where the cache holds the prompt but its last few tokens (two typed
 * characters, a word the tokenizer now splits otherwise, a short paste). More run as a prefill.
 */
export const PROMPT_ROOT_MAX = 16;
/**
 * How many (benchmarks compare; read per request): PRISM_PROMPT_ROOT=0, none (the prompt's last
 * token always runs in the prompt phase); =last, only the last token (2026-12-05 stop 48's rule).
 */
const promptRootMax = (): number => (process.env.PRISM_PROMPT_ROOT === '0' ? 0 : process.env.PRISM_PROMPT_ROOT === 'last' ? 1 : PROMPT_ROOT_MAX);

/**
 * A context's KV cache and taps (CompletionRequest.cacheKey: the language server's document);
 * `asked`: a completion (not only a warm-up) has run in it: a document the user types in;
 * `recent`: the output of earlier completions that later prompts cut off its cache, most recent
 * first, for lookup drafting (DraftContext.recent); `promptEnd`: the length of the last prompt
 * prefilled (the cache's tokens past it were generated).
 */
interface Slot extends Held { key: string; asked: boolean; recent: number[][]; spare?: Held }

/**
 * A cache and what goes with it. A context holds a second one while its prompt's start moves
 * (CompletionRequest.spare): the prompt at the new start is computed in one (`moving`), the other
 * keeps the prompt typing still uses; each request takes whichever shares more of its prompt, and
 * the one left goes once typing takes the moved start.
 */
interface Held {
  cache: KvCache; taps: RowStore; promptEnd: number; moving: boolean;
  /** The moved start's prompt was computed to its end (the start the server's prompts then use). */
  whole?: boolean;
}

export class Engine {
  private active: Slot;
  /** Other contexts' slots, kept while there is room (CompletionRequest.cacheSlots), least recently used first. */
  private parked: Slot[] = [];

  constructor(readonly target: Target) {
    this.active = this.newSlot('');
  }

  /** The KV cache of the context being served. */
  get cache(): KvCache { return this.active.cache; }
  /** The target's taps of its cached positions, kept while a drafter needs them (prefix of the cache). */
  get taps(): RowStore { return this.active.taps; }
  /** The earlier outputs the active context's cache generated and later prompts cut off, most recent first (DraftContext.recent). */
  get recent(): readonly (readonly number[])[] { return this.active.recent; }
  /** The contexts whose caches are kept, least recently used first, the active one last. */
  get contexts(): string[] { return [...this.parked.map((s) => s.key), this.active.key]; }

  private newSlot(key: string): Slot {
    return { key, ...this.newHeld(), asked: false, recent: [] };
  }

  private newHeld(): Held {
    return { cache: this.target.newCache(), taps: new RowStore(3 * this.target.cfg.hidden), promptEnd: 0, moving: false };
  }

  /**
   * Makes the request's context's cache the active one. The active context serves its own
   * prompts; another context's kept cache is swapped in (a document the user came back to keeps
   * its prompt); a new context takes a new cache while fewer than `slots` are kept, else the least
   * recently used one. A new context takes over an empty active cache, or one that holds 90% of
   * its prompt (a document saved under a new name). One slot: one cache for everything, as without keys.
   * When full, a context only warmed (a file opened or a cursor rested, nothing asked there) gives
   * its buffers before one a completion ran in: the user types where they typed, and reads the
   * rest (a file opened to read, by go to definition, warmed whole when short).
   */
  private useContext(key: string, slots: number, ids: readonly number[], asked: boolean, spare: boolean): boolean {
    const was = this.active;
    const wasKey = was.key;
    this.switchContext(key, slots, ids);
    // A context left keeps one cache: the spare of a move cut short is not worth its memory there.
    // A move computed whole is what its next prompt starts at, even where a keystroke placed
    // before the move was whole took the old start's cache since: the moved one stays.
    if (was !== this.active || was.key !== wasKey) {
      if (was.spare?.moving && was.spare.whole) this.swap(was.spare, was);
      was.spare = undefined;
      was.moving = false;
      was.whole = false;
    }
    if (asked) this.active.asked = true;
    return this.useCache(ids, spare);
  }

  /**
   * Of the active context's two caches while its start moves, the one that shares more of `ids`
   * serves. A `spare` request (the prompt at a moved start) that shares less than half of itself
   * with the cache typing uses computes in the other one (made now), so that cut short it leaves
   * that cache whole, and whole it leaves it for a keystroke whose prompt was placed before the
   * move was (the two race). Any other request served by the moved start's cache frees the other
   * one; one that shares less than half with both frees the spare. Whether the request computes
   * in the spare.
   */
  private useCache(ids: readonly number[], spare: boolean): boolean {
    const slot = this.active;
    const here = slot.cache.commonPrefix(ids);
    const there = slot.spare?.cache.commonPrefix(ids) ?? -1;
    if (spare) {
      if (there <= here && (2 * here >= ids.length || slot.cache.length === 0)) return false;
      this.swap(slot.spare ?? this.newHeld());
      slot.moving = true;
      return true;
    }
    if (there > here) this.swap(slot.spare as Held);
    if (slot.moving || (slot.spare && 2 * Math.max(here, there) < ids.length)) {
      slot.spare = undefined;
      slot.moving = false;
      slot.whole = false;
    }
    return false;
  }

  /** A context's cache (the active one's by default) becomes its spare, `other` its cache. */
  private swap(other: Held, slot: Slot = this.active): void {
    slot.spare = { cache: slot.cache, taps: slot.taps, promptEnd: slot.promptEnd, moving: slot.moving, whole: slot.whole };
    slot.cache = other.cache;
    slot.taps = other.taps;
    slot.promptEnd = other.promptEnd;
    slot.moving = other.moving;
    slot.whole = other.whole;
  }

  /** Whether the active context holds a second cache (a move under way or cut short). */
  get spareHeld(): boolean { return this.active.spare !== undefined; }

  private switchContext(key: string, slots: number, ids: readonly number[]): void {
    const room = Math.max(1, slots);
    while (this.parked.length > room - 1) this.parked.shift(); // the setting went down: free the oldest
    if (key === this.active.key) return;
    const i = this.parked.findIndex((s) => s.key === key);
    if (room === 1 || (i < 0 && (this.active.cache.length === 0 || this.active.cache.commonPrefix(ids) >= 0.9 * ids.length))) {
      if (this.active.cache.length === 0) { this.active.asked = false; this.active.recent = []; }
      this.active.key = key;
      return;
    }
    const next = i >= 0 ? this.parked.splice(i, 1)[0] as Slot : undefined;
    // An unnamed cache (its document was closed, forget()) is not kept: its buffers serve the new context.
    const orphan = this.active.key === '';
    if (!orphan) this.parked.push(this.active);
    if (next) {
      this.active = next;
    } else if (orphan) {
      this.active.cache.truncate(0);
      this.active.taps.truncate(0);
      this.active.key = key;
      this.active.asked = false;
      this.active.recent = [];
    } else if (this.parked.length > room - 1) {
      // Full: the least recently used context only warmed, else the least recently used one,
      // gives its buffers to the new one.
      const w = this.parked.findIndex((p) => !p.asked);
      const old = this.parked.splice(w >= 0 ? w : 0, 1)[0] as Slot;
      old.cache.truncate(0);
      old.taps.truncate(0);
      this.active = { ...old, key, asked: false, recent: [], moving: false, whole: false, spare: undefined };
    } else {
      this.active = this.newSlot(key);
    }
  }

  /**
   * A context that is gone (a closed document): its kept cache is freed. The active cache may be
   * serving a request right now, so it stays; unnamed, the next context takes it over.
   */
  forget(key: string): void {
    this.parked = this.parked.filter((s) => s.key !== key);
    if (this.active.key === key) { this.active.key = ''; this.active.spare = undefined; this.active.moving = false; this.active.whole = false; }
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
   * (so the next token can be chosen); with `upTo` < n, brings it to ids[0..upTo) and returns no
   * result where nothing had to run. Only the part that differs from the cache is computed.
   * A cancelled request still prefills its prompt up to the last SETTLE_TAIL tokens before it
   * returns undefined: the request that replaces it (the same text plus a keystroke) reuses that.
   * Where `stopAtOnce` says so, a cancelled request stops after the chunk under way instead: a
   * warm-up (the cursor it guessed has moved) and a request that one for another prompt replaced,
   * so that the request that cancelled it waits for nothing it does not need.
   */
  async prefill(ids: readonly number[], wantLogits: boolean, isCancelled?: () => boolean, wantTaps = false, stopAtOnce?: () => boolean, upTo = ids.length, chunk = PREFILL_CHUNK): Promise<{ reused: number; last?: ForwardResult } | undefined> {
    let common = Math.min(this.cache.commonPrefix(ids), upTo);
    if (common === ids.length) common--; // the last prompt token must run to give its logits
    if (wantTaps) common = Math.min(common, this.taps.length); // positions without taps run again
    this.keepRecent(ids, common);
    this.cache.truncate(common);
    this.taps.truncate(common);
    let at = common;
    const settleAt = Math.max(common, Math.min(upTo, ids.length - SETTLE_TAIL));
    for (;;) {
      const cancelled = isCancelled?.() ?? false;
      const until = cancelled && (stopAtOnce?.() ?? false) ? at : settleAt;
      if (cancelled && at >= until) return undefined;
      if (at === upTo) return { reused: common };
      const end = Math.min(cancelled ? until : upTo, at + chunk);
      const isLast = end === upTo;
      const r = await this.target.extend(this.cache, ids.slice(at, end), { logits: isLast && wantLogits && upTo === ids.length, taps: wantTaps });
      if (wantTaps) this.taps.append(r.taps as Float32Array);
      at = end;
      if (isLast) return { reused: common, last: r };
    }
  }

  /**
   * Before the cache is cut back to `common` tokens for the prompt `ids`: the tokens it generated
   * past the last prompt (an earlier completion's output, cancelled or not taken) are kept for
   * lookup drafting, with the RECENT_LEAD tokens before them. Prompt text cut off (a document warmed
   * whole, cut back to a cursor's prompt) is not: the datastore has the open documents. A prompt
   * that shares less than half of itself with the cache is another text: nothing of the old one is kept.
   */
  private keepRecent(ids: readonly number[], common: number): void {
    const slot = this.active;
    const tokens = this.cache.tokens;
    const from = Math.max(common, slot.promptEnd);
    slot.promptEnd = ids.length;
    if (common < ids.length / 2) {
      // (While a start moves, the other cache holds this text: its outputs stay.)
      if (!slot.spare) slot.recent = [];
      return;
    }
    if (!KEEP_RECENT || tokens.length - from < 2) return;
    const run = tokens.slice(Math.max(0, from - RECENT_LEAD), Math.min(tokens.length, from + RECENT_TOKENS));
    slot.recent = [run, ...slot.recent].slice(0, RECENT_KEEP);
  }

  /**
   * A warm-up with a drafter: the drafter fills its own cache from the cached prompt (the last
   * prompt token as its root), so the completion that follows catches up on a token or two.
   */
  private async primeForWarmUp(drafter: Drafter | undefined, needsTaps: boolean, sampling: SamplingParams, rng: Rng): Promise<void> {
    if (!drafter?.prime || this.cache.length < 2) return;
    // The cache's own token list: drafters read the context, never keep or change it.
    await drafter.prime({ tokens: this.cache.tokens, sampling, rng, taps: needsTaps ? (a, b) => this.taps.rows(a, b) : undefined });
  }

  async complete(req: CompletionRequest, hooks: CompletionHooks = {}, drafter?: Drafter, tree: TreeParams = DEFAULT_TREE): Promise<CompletionResult> {
    if (drafter && this.target.padsSingleRow && this.target.treeKeyPanel === undefined && tree.kind !== 'chain') {
      // A tree row's ancestors sit at scattered key columns, so the fast attention's softmax sums
      // them in another order than decoding does: last-bit differences (int8 activations turn
      // them into other tokens). Chains keep the order; the tree-exact attention keeps it for
      // trees. Measured: docs/BENCHMARKS.md, "Numerics".
      throw new Error(TREES_NOT_EXACT);
    }
    const t0 = performance.now();
    if (req.countOnly) {
      const promptTokens = this.promptIds(req).length;
      return { text: '', tokens: [], finishReason: 'length', timings: { promptTokens, reusedTokens: 0, prefillTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0, decodeTokensPerS: 0, totalMs: performance.now() - t0 } };
    }
    const sampling = req.sampling ?? GREEDY;
    const greedy = sampling.temperature <= 0;
    const rng = new Rng(sampling.seed);
    const healed = req.heal ? healTail(this.target.tokenizer, this.promptIds(req)) : undefined;
    const ids = healed ? healed.ids : this.promptIds(req);
    const heal = (healed && healed.bytes.length > 0) || req.wordEnd ? new HealConstraint(this.target.tokenizer, healed?.bytes ?? new Uint8Array(0), req.wordEnd) : undefined;
    const out = new Emitter(this.target.tokenizer, req, hooks.onText, req.timeBudgetMs !== undefined ? t0 + req.timeBudgetMs : Infinity, healed?.text);
    const timings: Timings = {
      promptTokens: ids.length, reusedTokens: 0, prefillTokens: 0, prefillMs: 0,
      decodeTokens: 0, decodeMs: 0, decodeTokensPerS: 0, totalMs: 0,
    };
    const needsTaps = (drafter?.needsTaps ?? false) || req.keepTaps === true;
    const spare = req.spare === true && req.prefillOnly === true;
    const inSpare = this.useContext(req.cacheKey ?? '', req.cacheSlots ?? 1, ids, req.prefillOnly !== true, spare);
    if (req.fresh) {
      // Nothing of an earlier run may help: a benchmark's contenders each start from nothing.
      this.cache.truncate(0);
      this.active.recent = [];
    }
    // Room for the prompt and what follows it (a warm-up's completion comes next), in one allocation.
    const room = ids.length + req.maxTokens + RESERVE_SLACK;
    this.cache.reserve(room);
    if (needsTaps) this.taps.reserve(room);
    if (req.prefillOnly && this.cache.commonPrefix(ids) === ids.length && (!needsTaps || this.taps.length >= ids.length)) {
      // A warm-up for a prompt the cache already holds (a cursor moved back into it) computes
      // nothing and keeps the cache whole: truncating it would drop the text after that cursor,
      // which the user is likely to return to.
      timings.reusedTokens = ids.length;
      await this.primeForWarmUp(drafter, needsTaps, sampling, rng);
      return this.finish(out, 'length', timings, t0, performance.now(), healed?.text);
    }
    // The cache holds the prompt but its last few tokens (typing): no prompt run; the last token
    // is the speculative loop's first root and the ones before it run with the first draft
    // (greedy: healing is then spelled by the loop's acceptance). Positions without taps run again.
    const held = Math.min(this.cache.commonPrefix(ids), ids.length - 1, needsTaps ? this.taps.length : ids.length);
    const fromPrompt = drafter !== undefined && greedy && req.prefillOnly !== true && held >= 1 && ids.length - held <= promptRootMax();
    const pre = await this.prefill(ids, !greedy || heal !== undefined, hooks.isCancelled, needsTaps, req.prefillOnly ? () => true : hooks.stopAtOnce, fromPrompt ? held : ids.length, req.prefillOnly ? (spare ? moveChunk() : warmChunk()) : PREFILL_CHUNK);
    let t1 = performance.now();
    timings.prefillMs = t1 - t0;
    const healedText = healed?.text;
    if (!pre) {
      // Cut short: the cache typing uses serves again, the move's part waits as the spare.
      if (inSpare) this.swap(this.active.spare as Held);
      return this.finish(out, 'cancelled', timings, t0, t1, healedText);
    }
    timings.reusedTokens = pre.reused;
    timings.prefillTokens = ids.length - pre.reused;
    if (req.prefillOnly) {
      if (inSpare) this.active.whole = true;
      await this.primeForWarmUp(drafter, needsTaps, sampling, rng);
      return this.finish(out, 'length', timings, t0, performance.now(), healedText);
    }
    if (fromPrompt) {
      const root = ids[ids.length - 1] as number;
      const lead = ids.slice(held, ids.length - 1);
      if (drafter.prime) {
        // A head primes on what has taps: the cached positions (it catches up on the lead later).
        await drafter.prime({ tokens: [...this.cache.tokens, ids[held] as number], sampling, rng, taps: needsTaps ? (a, b) => this.taps.rows(a, b) : undefined });
        t1 = performance.now();
        timings.prefillMs = t1 - t0;
      }
      out.decoding(t1);
      const spec = await speculate(this, root, out, sampling, rng, drafter, tree, hooks, { fromPrompt: true, lead, heal, keepTaps: needsTaps });
      const r = this.finish(out, out.finish ?? 'length', timings, t0, t1, healedText, true);
      spec.otherMs = r.timings.decodeMs - spec.draftMs - spec.verifyMs;
      return { ...r, spec };
    }
    const pick = (r: ForwardResult): number => {
      if (heal && !heal.done) {
        const id = greedy ? heal.argmax(r.logits as Float32Array) : sampleToken(heal.maskRow(r.logits as Float32Array), sampling, rng);
        heal.advance(id);
        return id;
      }
      return greedy ? (r.argmax[0] as number) : sampleToken(r.logits as Float32Array, sampling, rng);
    };
    let next = pick(pre.last as ForwardResult);
    if (drafter?.prime) {
      // The drafter's own prefill of the prompt belongs to the prompt phase, like the target's.
      await drafter.prime({ tokens: [...this.cache.tokens, next], sampling, rng, taps: needsTaps ? (a, b) => this.taps.rows(a, b) : undefined });
      t1 = performance.now();
      timings.prefillMs = t1 - t0;
    }
    out.decoding(t1);
    // Spell the healed characters one plain step at a time: drafts start once they are spelled.
    while (heal && !heal.done && out.push(next)) {
      if (hooks.isCancelled?.()) { out.finish = 'cancelled'; break; }
      if (this.cache.length + 1 >= this.target.graphOptions.maxPositions) break;
      const r = await this.target.extend(this.cache, [next], { logits: true, taps: needsTaps });
      if (needsTaps) this.taps.append(r.taps as Float32Array);
      next = pick(r);
    }
    if (heal && !heal.done) return this.finish(out, out.finish ?? 'length', timings, t0, t1, healedText);
    if (drafter) {
      const spec = await speculate(this, next, out, sampling, rng, drafter, tree, hooks, { keepTaps: needsTaps });
      const r = this.finish(out, out.finish ?? 'length', timings, t0, t1, healedText);
      spec.otherMs = r.timings.decodeMs - spec.draftMs - spec.verifyMs;
      return { ...r, spec };
    }
    while (out.push(next)) {
      if (hooks.isCancelled?.()) { out.finish = 'cancelled'; break; }
      if (this.cache.length + 1 >= this.target.graphOptions.maxPositions) break;
      const r = await this.target.extend(this.cache, [next], { logits: !greedy, taps: needsTaps });
      if (needsTaps) this.taps.append(r.taps as Float32Array);
      next = pick(r);
    }
    return this.finish(out, out.finish ?? 'length', timings, t0, t1, healedText);
  }

  /** `firstInDecode`: the first token came from the decoding loop (a prompt root), not the prefill. */
  private finish(out: Emitter, finishReason: FinishReason, timings: Timings, t0: number, t1: number, healed: string | undefined, firstInDecode = false): CompletionResult {
    const end = performance.now();
    const tokens = out.tokens;
    timings.decodeTokens = tokens.length;
    timings.decodeMs = end - t1;
    // The first token comes from the prefill (unless firstInDecode); decode speed counts the tokens after it.
    const decoded = firstInDecode ? tokens.length : tokens.length - 1;
    timings.decodeTokensPerS = decoded > 0 ? (decoded * 1000) / timings.decodeMs : 0;
    timings.totalMs = end - t0;
    return { text: out.close(finishReason), tokens, finishReason, timings, ...(healed !== undefined ? { healed } : {}) };
  }
}

