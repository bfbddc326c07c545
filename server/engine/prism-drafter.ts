// The PRISM (or EAGLE-3) drafter: a trained head behind the Drafter interface. Semantics follow
// models/prism/model.py as specified in docs/prism-drafter.md: the prefill (the first module)
// covers every accepted position from the target's taps, and draft step k runs module sigma(k)
// on the parent's output hidden state and the parent's token. Tree nodes' K/V rows live past the
// committed draft cache and are dropped before the next prefill.
import { ancestors, commonPrefix, type DraftTree } from './draft-tree';
import { buildTree, type DistributionSource, type DraftContext, type Drafter, type TreeParams } from './drafter';
import type { KvCache } from './kv-cache';
import { causalMask, columnsMask } from './masks';
import type { PrismHead } from './prism-head';
import type { SparseDist } from './sampler';

/** What the drafter keeps of one context (a document): its draft cache and the root's outputs. */
interface Context {
  /** The head's K/V rows of the context's last positions (at most the window), then tree nodes'. */
  cache: KvCache;
  /** Draft positions prefilled from real target features (absolute; the cache holds the last ones). */
  committed: number;
  /** The absolute draft position of the cache's first row. */
  offset: number;
  rootH: Float32Array;
  rootLogits: Float32Array;
  rootPos: number;
  /** The tokens this context's cache was built for. */
  seen: number[];
}

/**
 * Contexts kept besides the current one, so that coming back to a document (the engine keeps its
 * target cache, CompletionRequest.cacheKey) does not prefill the head's window again (~100 ms
 * on 2 cores). About 1 MB each.
 */
const KEPT_CONTEXTS = 3;

export class PrismDrafter implements Drafter, DistributionSource {
  readonly needsTaps = true;
  private ctx: Context;
  /** Other contexts, least recently used first. */
  private readonly kept: Context[] = [];
  private readonly window: number;
  private temperature = 1;
  private readonly nodeH = new Map<number, Float32Array>();
  private readonly nodeLogits = new Map<number, Float32Array>();
  private readonly nodeRow = new Map<number, number>();

  constructor(private readonly head: PrismHead, readonly name = 'prism') {
    this.ctx = this.newContext();
    this.window = Math.max(16, head.head.manifest.context);
  }

  private newContext(cache: KvCache = this.head.newCache()): Context {
    return { cache, committed: 0, offset: 0, rootH: new Float32Array(0), rootLogits: new Float32Array(0), rootPos: -1, seen: [] };
  }

  reset(): void {
    this.kept.length = 0;
    this.ctx = this.newContext();
  }

  /**
   * The kept context that shares the most with `tokens` becomes the current one; returns how many
   * tokens it shares. A context that shares less than half of both (another document) is kept
   * aside, not overwritten: the new one starts empty, in the least recently used context's cache
   * when all are taken. While the current context goes on (every draft cycle in one document),
   * the others are not looked at.
   */
  private select(tokens: readonly number[]): number {
    let most = commonPrefix(this.ctx.seen, tokens);
    if (most === this.ctx.seen.length && most > 0) return most;
    let best = -1;
    this.kept.forEach((c, i) => { const n = commonPrefix(c.seen, tokens); if (n > most) { best = i; most = n; } });
    if (best >= 0) {
      this.kept.push(this.ctx);
      this.ctx = this.kept.splice(best, 1)[0] as Context;
      return most;
    }
    if (this.ctx.seen.length === 0 || 2 * most >= Math.min(this.ctx.seen.length, tokens.length)) return most;
    this.kept.push(this.ctx);
    if (this.kept.length > KEPT_CONTEXTS) {
      const old = this.kept.shift() as Context;
      old.cache.truncate(0);
      this.ctx = this.newContext(old.cache);
    } else {
      this.ctx = this.newContext();
    }
    return 0;
  }

  async draft(ctx: DraftContext, params: TreeParams): Promise<DraftTree> {
    const tree = await buildTree(this, ctx, params);
    if (tree.tokens.length > 0) tree.source = 'head';
    return tree;
  }

  /** The prompt's prefill through the first module, ahead of the first draft (which then finds nothing new). */
  prime(ctx: DraftContext): Promise<void> {
    return ctx.tokens.length < 2 ? Promise.resolve() : this.begin(ctx);
  }

  async begin(ctx: DraftContext): Promise<void> {
    this.temperature = ctx.sampling.temperature > 0 ? ctx.sampling.temperature : 1;
    const L = ctx.tokens.length; // the root is tokens[L-1]; positions 0..L-2 have features
    if (L < 2) throw new Error(`${this.name}: drafting needs at least two tokens of context`);
    // Position i depends on tokens 0..i+1: it stays valid while those are unchanged since *this*
    // drafter's last call (other drafters may have run on other contexts in between).
    const same = this.select(ctx.tokens);
    const c = this.ctx;
    c.seen = ctx.tokens.slice();
    const to = L - 1;
    let keep = Math.min(c.committed, Math.max(0, same - 1));
    this.nodeH.clear();
    this.nodeLogits.clear();
    this.nodeRow.clear();
    if (keep === to && c.rootPos === to - 1) {
      // Nothing new: the root's outputs from the last prefill still hold.
      c.cache.truncate(keep - c.offset);
      c.committed = keep;
      return;
    }
    keep = Math.min(keep, to - 1); // the root's position must run again to give its outputs
    // The head saw at most `window` positions in training: positions further back are neither
    // prefilled nor attended to (this also bounds the draft cost on long files).
    const start = Math.max(keep, to - this.window);
    if (start !== keep || keep < c.offset) {
      c.cache.truncate(0);
      c.offset = start;
    } else {
      c.cache.truncate(keep - c.offset);
    }
    if (!ctx.taps) throw new Error(`${this.name}: the engine gave no target taps`);
    const n = to - start;
    const feats = await this.head.features(ctx.taps(start, to), n);
    const next = ctx.tokens.slice(start + 1, to + 1);
    const past = c.cache.length;
    const r = await this.head.run(this.head.moduleOf(1), c.cache, this.head.embed(next), feats, next.map((_, i) => start + i), causalMask(past, n));
    c.cache.append(next, r.newK, r.newV);
    c.committed = to;
    if (c.cache.length > this.window) {
      const drop = c.cache.length - this.window;
      c.cache.dropFront(drop);
      c.offset += drop;
    }
    const d = this.head.dims.width;
    const V = this.head.dims.vocab;
    c.rootH = r.h.slice((n - 1) * d, n * d);
    c.rootLogits = r.logits.slice((n - 1) * V, n * V);
    c.rootPos = to - 1;
  }

  async expand(nodes: number[], tree: DraftTree): Promise<SparseDist[]> {
    const c = this.ctx;
    const fresh = nodes.filter((v) => v >= 0 && !this.nodeLogits.has(v));
    if (fresh.length > 0) {
      const depthOf = (v: number): number => ancestors(tree.parents, v).length;
      const depth = depthOf(fresh[0] as number);
      if (fresh.some((v) => depthOf(v) !== depth)) throw new Error('expand() takes nodes of one depth');
      const d = this.head.dims.width;
      const hIn = new Float32Array(fresh.length * d);
      const visible: number[][] = [];
      fresh.forEach((v, i) => {
        const parent = tree.parents[v] as number;
        hIn.set(parent < 0 ? c.rootH : (this.nodeH.get(parent) as Float32Array), i * d);
        const cols = Array.from({ length: c.committed - c.offset }, (_, col) => col);
        for (const a of ancestors(tree.parents, parent)) cols.push(this.nodeRow.get(a) as number);
        visible.push(cols);
      });
      const toks = fresh.map((v) => tree.tokens[v] as number);
      const P = c.cache.length;
      // A node at depth `depth` computes its children: draft step depth + 1.
      const r = await this.head.run(this.head.moduleOf(depth + 1), c.cache, this.head.embed(toks), hIn, fresh.map(() => c.rootPos + depth), columnsMask(P, visible));
      c.cache.append(toks, r.newK, r.newV);
      const V = this.head.dims.vocab;
      fresh.forEach((v, i) => {
        this.nodeRow.set(v, P + i);
        this.nodeH.set(v, r.h.slice(i * d, (i + 1) * d));
        this.nodeLogits.set(v, r.logits.slice(i * V, (i + 1) * V));
      });
    }
    return nodes.map((v) => this.distribution(v < 0 ? c.rootLogits : (this.nodeLogits.get(v) as Float32Array)));
  }

  /** q: softmax of the draft logits (at the sampling temperature), over target ids. */
  private distribution(logits: Float32Array): SparseDist {
    let max = -Infinity;
    for (const x of logits) max = Math.max(max, x);
    const probs = new Float64Array(logits.length);
    let z = 0;
    for (let i = 0; i < logits.length; i++) { probs[i] = Math.exp(((logits[i] as number) - max) / this.temperature); z += probs[i] as number; }
    for (let i = 0; i < probs.length; i++) probs[i] = (probs[i] as number) / z;
    return { ids: this.head.head.vocabMap, probs };
  }
}
