// The n-gram drafter (prompt lookup, as llama.cpp's lookup decoding and transformers'
// prompt_lookup_num_tokens): find earlier places in the context whose last n tokens equal the
// context's last n tokens, longest n first, and propose what followed them. Several matches
// become a tree (a trie of their continuations, most recent match first). Where the prompt has
// no match, the repository datastore (datastore.ts) may have one. Proposals are deterministic,
// so q is a point mass and acceptance stays lossless under sampling.
import { addNode, type DraftTree, newTree } from './draft-tree';
import { type Datastore, DEFAULT_LOOKUP } from './datastore';
import type { DraftContext, Drafter, TreeParams } from './drafter';

export interface NgramOptions {
  /** Longest and shortest suffix lengths tried. */
  maxN: number;
  minN: number;
  /** How far back to look (tokens). */
  window: number;
  /**
   * With a datastore: its match goes before the prompt's when it is at least this many tokens
   * longer (unset: the prompt's matches always go first, the store fills what they leave).
   */
  storeLead?: number;
}

/** minN 2: a one-token match proposes too often in vain (bench-spec: depth-1 acceptance 0.63 vs 0.75). */
export const DEFAULT_NGRAM: NgramOptions = { maxN: 4, minN: 2, window: 4096 };

/**
 * An earlier output (DraftContext.recent) is continued this deep (within the run's room), past the
 * chain's depth: the target wrote it at almost this place, and 65-80% of its nodes were accepted. A request
 * that replaced one which had decoded 16 tokens took 153 / 156 / 166 / 178 target runs for 528
 * tokens at 12 / 8 / 6 / 4 (235 without it; docs/BENCHMARKS.md, "What the cache held before",
 * measured with the first version, which also kept cut-off prompt text).
 */
export const RECENT_DEPTH = 8;

export class NgramDrafter implements Drafter {
  readonly name = 'ngram';
  readonly needsTaps = false;

  /** `store`: the repository datastore, consulted where the prompt has no match. */
  constructor(private readonly opts: NgramOptions = DEFAULT_NGRAM, private readonly store?: Datastore) {}

  reset(): void { /* stateless */ }

  async draft(ctx: DraftContext, params: TreeParams): Promise<DraftTree> {
    // A sample (an explicit invoke's alternatives) leaves the earlier, greedy output early: in a
    // hand session a sampled alternative drafted 11 runs from it and 19 of 88 nodes were accepted.
    return ngramTree(ctx.tokens, params, this.opts, this.store, ctx.sampling.temperature > 0 ? undefined : ctx.recent);
  }
}

/**
 * The draft tree of continuations of earlier matches of the context's suffix: the context's own
 * matches first (longest suffix; at one length, earlier outputs' (`recent`, most recent first),
 * then the prompt's, most recent first), then, for the branches still free, the
 * datastore's (longest suffix, most frequent continuation); with `storeLead`, a store match that
 * much longer than the prompt's goes first.
 */
export function ngramTree(tokens: readonly number[], params: TreeParams, opts: NgramOptions = DEFAULT_NGRAM, store?: Datastore, recent: readonly (readonly number[])[] = []): DraftTree {
  const tree = newTree();
  const L = tokens.length;
  const branches = params.kind === 'chain' ? 1 : Math.max(1, params.topK);
  const start = Math.max(0, L - opts.window);
  // child lookup: (parent node, token) -> node
  const child = new Map<string, number>();
  const insert = (cont: ArrayLike<number>): void => {
    let parent = -1;
    for (let d = 0; d < cont.length; d++) {
      if (tree.tokens.length >= params.totalTokens) break;
      const tok = cont[d] as number;
      const key = `${parent}:${tok}`;
      const existing = child.get(key);
      if (existing !== undefined) { parent = existing; continue; }
      parent = addNode(tree, parent, tok);
      child.set(key, parent);
    }
  };
  // The context's matches: longest suffix first; at one length, earlier outputs', then the
  // prompt's, each most recent first.
  const fromPrompt: { n: number; cont: number[]; recent?: boolean }[] = [];
  const seen = new Set<number>(); // continuation start positions already used
  const seenRecent = new Set<string>();
  const recentDepth = Math.max(params.depth, Math.min(params.room ?? params.depth, RECENT_DEPTH));
  for (let n = Math.min(opts.maxN, L - 1); n >= opts.minN && fromPrompt.length < branches; n--) {
    for (let r = 0; r < recent.length && fromPrompt.length < branches; r++) {
      const run = recent[r] as readonly number[];
      for (let end = run.length - 1; end - n >= 0 && fromPrompt.length < branches; end--) {
        let ok = true;
        for (let j = 1; j <= n; j++) {
          if (run[end - j] !== tokens[L - j]) { ok = false; break; }
        }
        if (!ok || seenRecent.has(`${r}:${end}`)) continue;
        seenRecent.add(`${r}:${end}`);
        fromPrompt.push({ n, cont: run.slice(end, end + recentDepth), recent: true });
      }
    }
    // Scan matches from the most recent backwards.
    for (let end = L - 1; end - n >= start && fromPrompt.length < branches; end--) {
      // A match ends at position end-1 (exclusive end `end`), continuation starts at `end`.
      if (seen.has(end)) continue;
      let ok = true;
      for (let j = 1; j <= n; j++) {
        if (tokens[end - j] !== tokens[L - j]) { ok = false; break; }
      }
      if (!ok || end >= L) continue;
      seen.add(end);
      fromPrompt.push({ n, cont: tokens.slice(end, Math.min(L, end + params.depth)) });
    }
  }
  // The datastore fills the branches the prompt left free; with storeLead, a store match at
  // least that many tokens longer than the prompt's best goes first (SAM-decoding's rule).
  let order = fromPrompt.map((p) => p.cont);
  const lead = opts.storeLead ?? Infinity;
  let storeMatch = 0;
  if (store && (fromPrompt.length < branches || Number.isFinite(lead))) {
    const hit = store.lookup(tokens, { ...DEFAULT_LOOKUP, depth: params.depth, branches });
    storeMatch = hit.n;
    if (hit.n > 0) order = hit.n >= (fromPrompt[0]?.n ?? 0) + lead ? [...hit.continuations, ...order] : [...order, ...hit.continuations];
  }
  for (const c of order.slice(0, branches)) insert(c);
  // Which source the draft's first branch came from (the tuner models the prompt and the store
  // apart), and how long a suffix it matched.
  if (tree.tokens.length > 0) {
    const prompt = order[0] === fromPrompt[0]?.cont;
    tree.source = prompt ? (fromPrompt[0]?.recent ? 'recent' : 'lookup') : 'store';
    tree.match = prompt ? fromPrompt[0]?.n : storeMatch;
  }
  return tree;
}
