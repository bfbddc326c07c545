// The hybrid drafter (SuffixDecoding's hybrid mode; SAM-decoding's choice between retrieval and
// a model head): lookup proposes where it has a match (the prompt's n-grams, then the repository
// datastore), and where it is silent the trained head drafts a short chain. One source per
// cycle, one chain verified in one target run, lossless like every drafter. The head catches up
// on the positions that lookup's cycles accepted in one batched prefill the next time it is asked
// (PrismDrafter.begin), so a cycle that lookup serves costs the head nothing.
import type { DraftTree } from './draft-tree';
import type { DraftContext, Drafter, TreeParams } from './drafter';

/** Head chains where lookup is silent: depth 1 (1.71x plain vs 1.64x at depth 2 on the infilling sets, 2.18x vs 1.99x on dev code; docs/BENCHMARKS.md). */
export const HYBRID_HEAD_DEPTH = 1;

export class HybridDrafter implements Drafter {
  readonly name: string;
  readonly needsTaps = true;
  /** Cycles drafted by each source (what the benchmark reports). */
  readonly served = { lookup: 0, head: 0 };

  /** `lookup`: an n-gram drafter (deterministic proposals, empty where it has no match); `head`: a model drafter. */
  constructor(private readonly lookup: Drafter, private readonly head: Drafter, private readonly headDepth = HYBRID_HEAD_DEPTH) {
    this.name = `hybrid(${head.name})`;
  }

  async draft(ctx: DraftContext, params: TreeParams): Promise<DraftTree> {
    const found = await this.lookup.draft(ctx, params);
    if (found.tokens.length > 0) {
      this.served.lookup++;
      return found;
    }
    this.served.head++;
    return this.head.draft(ctx, { ...params, depth: Math.min(params.depth, this.headDepth) });
  }

  reset(): void {
    this.lookup.reset();
    this.head.reset();
  }
}
