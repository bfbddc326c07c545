// The n-gram drafter (prompt lookup, as llama.cpp's lookup decoding and transformers'
// prompt_lookup_num_tokens): find earlier places in the context whose last n tokens equal the
// context's last n tokens, longest n first, and propose what followed them. Several matches
// become a tree (a trie of their continuations, most recent match first). Proposals are
// deterministic, so q is a point mass and acceptance stays lossless under sampling.
import { addNode, type DraftTree, newTree } from './draft-tree';
import type { DraftContext, Drafter, TreeParams } from './drafter';

export interface NgramOptions {
  /** Longest and shortest suffix lengths tried. */
  maxN: number;
  minN: number;
  /** How far back to look (tokens). */
  window: number;
}

/** minN 2: a one-token match proposes too often in vain (bench-spec: depth-1 acceptance 0.63 vs 0.75). */
export const DEFAULT_NGRAM: NgramOptions = { maxN: 4, minN: 2, window: 4096 };

export class NgramDrafter implements Drafter {
  readonly name = 'ngram';
  readonly needsTaps = false;

  constructor(private readonly opts: NgramOptions = DEFAULT_NGRAM) {}

  reset(): void { /* stateless */ }

  async draft(ctx: DraftContext, params: TreeParams): Promise<DraftTree> {
    return ngramTree(ctx.tokens, params, this.opts);
  }
}

/** The draft tree of continuations of earlier matches of the context's suffix. */
export function ngramTree(tokens: readonly number[], params: TreeParams, opts: NgramOptions = DEFAULT_NGRAM): DraftTree {
  const tree = newTree();
  const L = tokens.length;
  const branches = params.kind === 'chain' ? 1 : Math.max(1, params.topK);
  const start = Math.max(0, L - opts.window);
  // child lookup: (parent node, token) -> node
  const child = new Map<string, number>();
  let found = 0;
  const seen = new Set<number>(); // continuation start positions already used
  for (let n = Math.min(opts.maxN, L - 1); n >= opts.minN && found < branches; n--) {
    // Scan matches from the most recent backwards.
    for (let end = L - 1; end - n >= start && found < branches; end--) {
      // A match ends at position end-1 (exclusive end `end`), continuation starts at `end`.
      if (seen.has(end)) continue;
      let ok = true;
      for (let j = 1; j <= n; j++) {
        if (tokens[end - j] !== tokens[L - j]) { ok = false; break; }
      }
      if (!ok || end >= L) continue;
      seen.add(end);
      found++;
      let parent = -1;
      for (let d = 0; d < params.depth && end + d < L; d++) {
        if (tree.tokens.length >= params.totalTokens) break;
        const tok = tokens[end + d] as number;
        const key = `${parent}:${tok}`;
        const existing = child.get(key);
        if (existing !== undefined) { parent = existing; continue; }
        parent = addNode(tree, parent, tok);
        child.set(key, parent);
      }
    }
  }
  return tree;
}
