// The hybrid drafter (SuffixDecoding's hybrid mode; SAM-decoding's choice between retrieval and
// a model head): lookup proposes where it has a match (the prompt's n-grams, then the repository
// datastore), and where it is silent the trained head drafts a short chain. One source per
// cycle, one chain verified in one target run, lossless like every drafter. The head catches up
// on the positions that lookup's cycles accepted in one batched prefill the next time it is asked
// (PrismDrafter.begin), so a cycle that lookup serves costs the head nothing. Drafting trees, both
// can share a cycle (headSibling): the head's top token beside lookup's first, one tree, one run.
import { addNode, type DraftTree, EMPTY_TREE, newTree } from './draft-tree';
import { type DistributionSource, type DraftContext, type Drafter, type TreeParams, topN } from './drafter';

/**
 * Head chains where lookup is silent: one token. With the heads of 2026-12-03 a chain of 2, or of
 * 3 gated by the head's confidence (HYBRID_HEAD_MIN_PROB 0.3: nodes past the first only while the
 * head's cumulative probability of the chain stays at or above it), raise tau (2.72 / 2.68 vs
 * 2.57 on dev code) but cost as much in verify and draft time: in two runs of all three prompt
 * sets the three were within 1-3% of each other, inside the runs' noise (docs/BENCHMARKS.md,
 * "Drafting with the heads of 2026-12-03"), so the default stays the cheapest.
 */
export const HYBRID_HEAD_DEPTH = 1;
/** Cumulative draft probability the head's nodes past the first need (0: none; the gate is an option, DraftRequest.headMinProb). */
export const HYBRID_HEAD_MIN_PROB = 0;

export class HybridDrafter implements Drafter {
  readonly name: string;
  readonly needsTaps = true;
  /** Cycles drafted by each source (what the benchmark reports). */
  readonly served = { lookup: 0, head: 0, sibling: 0 };

  /**
   * `lookup`: an n-gram drafter (deterministic proposals, empty where it has no match); `head`: a
   * model drafter. `headSibling`: in trees, the head's top token beside lookup's first where the
   * head gives it at least `minProb` and lookup's match is at most `maxMatch` tokens long
   * (DraftRequest.headSibling, headSiblingMaxMatch).
   */
  constructor(private readonly lookup: Drafter, private readonly head: Drafter, private readonly headDepth = HYBRID_HEAD_DEPTH, private readonly headMinProb = HYBRID_HEAD_MIN_PROB, private readonly headSibling?: { minProb: number; maxMatch?: number }) {
    this.name = `hybrid(${head.name})`;
  }

  async draft(ctx: DraftContext, params: TreeParams): Promise<DraftTree> {
    const found = await this.lookup.draft(ctx, params);
    if (found.tokens.length > 0) {
      this.served.lookup++;
      const sib = this.headSibling;
      const short = sib?.maxMatch === undefined || found.match === undefined || found.match <= sib.maxMatch;
      return sib && short && params.kind !== 'chain' ? this.withSibling(ctx, found, sib.minProb) : found;
    }
    this.served.head++;
    // The head's chain has its own depth (the tuner chooses the two apart), within the run's room.
    const depth = Math.min(this.headDepth, params.room ?? params.depth);
    if (depth <= 0) return EMPTY_TREE;
    return this.head.draft(ctx, { ...params, depth, minProb: Math.max(params.minProb, this.headMinProb), minProbDepth: 2 });
  }

  /** Lookup alone, where the head cannot draft yet (the context's last tokens have no taps). */
  async draftWithoutTaps(ctx: DraftContext, params: TreeParams): Promise<DraftTree> {
    const found = await this.lookup.draft(ctx, params);
    if (found.tokens.length > 0) this.served.lookup++;
    return found;
  }

  /**
   * Lookup's tree with the head's most likely token added below the root when it is not one of
   * lookup's first tokens and the head gives it at least `minProb`: one tree, one target run, the
   * candidates of both sources. The token is a deterministic proposal (the point mass for lossless
   * sampling), like lookup's.
   */
  private async withSibling(ctx: DraftContext, found: DraftTree, minProb: number): Promise<DraftTree> {
    const src = this.head as Drafter & Partial<DistributionSource>;
    if (!src.begin || !src.expand) return found;
    await src.begin(ctx);
    const [dist] = await src.expand([-1], newTree());
    const top = dist ? topN(dist, 1)[0] : undefined;
    if (!top || top.p < minProb || found.tokens.some((t, i) => found.parents[i] === -1 && t === top.id)) return found;
    const tree: DraftTree = { ...found, tokens: [...found.tokens], parents: [...found.parents], q: [...found.q], prob: [...found.prob] };
    addNode(tree, -1, top.id, undefined, top.p);
    this.served.sibling++;
    return tree;
  }

  /** The head prefills the prompt during the prompt phase: the first cycle lookup leaves to it is then one draft step. */
  async prime(ctx: DraftContext): Promise<void> {
    await this.head.prime?.(ctx);
  }

  reset(): void {
    this.lookup.reset();
    this.head.reset();
  }
}
