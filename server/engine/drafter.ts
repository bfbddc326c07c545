// The one interface every drafter implements (n-gram lookup, PRISM head, EAGLE-3 head, test
// drafters), and the tree shapes built from a drafter's distributions (the tree itself:
// draft-tree.ts).
import { addNode, bestNodes, newTree, type DraftTree } from './draft-tree';
import { drawFrom, probOf, type Rng, type SamplingParams, type SparseDist } from './sampler';

export type TreeKind = 'chain' | 'static' | 'dynamic';

export interface TreeParams {
  kind: TreeKind;
  /** Maximum depth (draft steps). */
  depth: number;
  /** Children expanded per node (dynamic), or per depth for static trees (`branching`). */
  topK: number;
  /** Static trees: children per node at each depth; its length caps the depth. */
  branching?: number[];
  /** Maximum number of draft nodes. */
  totalTokens: number;
  /** Stop expanding a node whose cumulative draft probability falls below this. */
  minProb: number;
  /** The first depth minProb applies at (default 1); shallower nodes are drafted whatever their probability. */
  minProbDepth?: number;
  /**
   * Chains: the depth follows the last run within a completion. After a run that rejected a draft
   * token the next chain is one token longer than what was accepted; after a run that accepted the
   * whole chain it doubles, up to `depth`. A wrong chain costs its rows in the verification.
   */
  adapt?: boolean;
  /**
   * Chains: after a run that accepted a whole chain of the depth asked, the next chain may be
   * twice as long, up to `grow` (a run of predictable text: a repeated line, a long name); the
   * first rejection returns it to `depth`. Unset: chains keep `depth`.
   */
  grow?: number;
  /**
   * The deepest any draft may go in this run (the generation budget and the context left; the
   * speculative loop sets it and caps `depth` by it). The hybrid's head chain, whose depth is its
   * own, stays within it.
   */
  room?: number;
}

export const DEFAULT_TREE: TreeParams = { kind: 'chain', depth: 5, topK: 4, totalTokens: 16, minProb: 0 };

/** What a drafter sees: the accepted context, whose last token is the root of the next tree. */
export interface DraftContext {
  /** All accepted tokens, the root last. */
  tokens: readonly number[];
  /** The target's hidden-state taps of positions [from, to), [to - from, 3H] (drafters that need them). */
  taps?: (from: number, to: number) => Float32Array;
  sampling: SamplingParams;
  rng: Rng;
  /**
   * What this context's KV cache generated before a prompt cut it off, most recent first, each
   * with the few tokens before it (Engine.recent): an earlier completion's output that typing
   * superseded or the user did not take. The target wrote it at almost this place, so lookup
   * drafting matches the context's suffix there before the prompt (SuffixDecoding's earlier
   * outputs).
   */
  recent?: readonly (readonly number[])[];
}

export interface Drafter {
  readonly name: string;
  /** Whether draft() needs ctx.taps (the engine then keeps the target's taps of every cached position). */
  readonly needsTaps: boolean;
  draft(ctx: DraftContext, params: TreeParams): Promise<DraftTree>;
  /**
   * Optional, for drafters that read taps: a draft from what needs none (the hybrid's lookup),
   * where the context's last tokens have no taps yet (the prompt tokens that the loop's first run
   * computes with the root, SpecStart.lead). Without it such a cycle drafts nothing.
   */
  draftWithoutTaps?(ctx: DraftContext, params: TreeParams): Promise<DraftTree>;
  /**
   * Optional: get ready to draft below ctx's root, during the prompt phase (a head prefills its own
   * cache from the prompt's taps, so that the first draft step does not; the engine counts it in
   * the prefill time, beside the target's prefill of the same prompt).
   */
  prime?(ctx: DraftContext): Promise<void>;
  /** Forget all state (a new document, or a context that no longer extends the last one). */
  reset(): void;
}

/**
 * A drafter that gives a draft distribution at any node: model drafters (PRISM, EAGLE-3) and the
 * test drafters. `buildTree` turns it into chains, static trees or EAGLE-2 dynamic trees.
 */
export interface DistributionSource {
  /** Prepare for a tree below the root of ctx (e.g. prefill the drafter's own KV cache). */
  begin(ctx: DraftContext): Promise<void>;
  /** Draft distributions for the children of each given node (-1 = the root), in one batch. */
  expand(nodes: number[], tree: DraftTree): Promise<SparseDist[]>;
}

interface Candidate { parent: number; token: number; prob: number; score: number; q: SparseDist | undefined }

/**
 * Top-n ids of a distribution, most likely first; of equal probabilities the earlier entry first
 * (the order of a stable sort). One pass with an insertion list of n: a head's distribution spans
 * its draft vocabulary (2,048 entries for the shipped heads), and sorting it all took 0.45 ms per
 * draft node, a third of a PRISM draft (docs/BENCHMARKS.md, "drafts at half the cost").
 */
export function topN(dist: SparseDist, n: number): { id: number; p: number }[] {
  const best: number[] = []; // entry indices, most likely first
  const probs = dist.probs;
  const len = Math.min(probs.length, dist.ids.length);
  for (let i = 0; i < len && n > 0; i++) {
    const p = probs[i] as number;
    if (best.length === n) {
      if (!(p > (probs[best[n - 1] as number] as number))) continue;
      best.pop();
    }
    let j = best.length;
    while (j > 0 && p > (probs[best[j - 1] as number] as number)) j--;
    best.splice(j, 0, i);
  }
  return best.map((i) => ({ id: dist.ids[i] as number, p: probs[i] as number }));
}

/** Children of a node: top-k when greedy (deterministic); k i.i.d. draws from q when sampling. */
function children(dist: SparseDist, k: number, ctx: DraftContext): { id: number; p: number; q: SparseDist | undefined }[] {
  if (ctx.sampling.temperature <= 0) return topN(dist, k).map((c) => ({ ...c, q: undefined }));
  const out: { id: number; p: number; q: SparseDist | undefined }[] = [];
  for (let i = 0; i < k; i++) {
    const id = drawFrom(dist, ctx.rng.next());
    out.push({ id, p: probOf(dist, id), q: dist });
  }
  return out;
}

/**
 * Builds a draft tree from a distribution source.
 * chain: one child per depth. static: `branching[d]` children per node at depth d.
 * dynamic (EAGLE-2): at each depth expand the `topK` frontier nodes with the highest cumulative
 * draft probability by their `topK` children; finally keep the `totalTokens` best nodes.
 *
 * Greedy: children are the top-k of q (deterministic), pruned freely by score.
 * Sampling: children are i.i.d. draws from q, and a node's draws are kept or dropped together,
 * decided on the parent's score before drawing: recursive rejection sampling is lossless only
 * when each node's candidates are exactly its i.i.d. draws, so no sibling is pruned by its value.
 */
export async function buildTree(src: DistributionSource, ctx: DraftContext, params: TreeParams): Promise<DraftTree> {
  await src.begin(ctx);
  const sampled = ctx.sampling.temperature > 0;
  const tree = newTree();
  const score: number[] = [];
  const add = (c: Candidate): number => {
    score.push(c.score);
    return addNode(tree, c.parent, c.token, c.q, c.prob);
  };
  const byScore = (a: number, b: number): number => (score[b] as number) - (score[a] as number);
  let frontier: number[] = [-1];
  const maxDepth = params.kind === 'static' ? Math.min(params.depth, params.branching?.length ?? params.depth) : params.depth;
  for (let d = 0; d < maxDepth && frontier.length > 0; d++) {
    const width = params.kind === 'chain' ? 1 : params.kind === 'static' ? (params.branching?.[d] ?? 1) : params.topK;
    const gated = d + 1 >= (params.minProbDepth ?? 1);
    if (sampled) {
      // Whole sibling groups only; nodes below minProb are not expanded.
      if (gated) frontier = frontier.filter((n) => n < 0 || (score[n] as number) >= params.minProb);
      frontier = frontier.slice(0, Math.max(0, Math.floor((params.totalTokens - tree.tokens.length) / width)));
      if (frontier.length === 0) break;
    }
    const dists = await src.expand(frontier, tree);
    const cands: Candidate[] = [];
    frontier.forEach((node, i) => {
      const base = node < 0 ? 1 : (score[node] as number);
      for (const c of children(dists[i] as SparseDist, width, ctx)) {
        const s = base * c.p;
        if (!sampled && gated && s < params.minProb) continue;
        cands.push({ parent: node, token: c.id, prob: c.p, score: s, q: c.q });
      }
    });
    let added: number[];
    if (sampled) {
      added = cands.map(add);
    } else {
      if (params.kind === 'dynamic') cands.sort((a, b) => b.score - a.score);
      const room = params.totalTokens - tree.tokens.length;
      added = cands.slice(0, Math.max(0, params.kind === 'dynamic' ? Math.min(room, params.topK * params.topK) : room)).map(add);
    }
    frontier = params.kind === 'dynamic' ? [...added].sort(byScore).slice(0, params.topK) : added;
  }
  return params.kind === 'dynamic' && !sampled ? bestNodes(tree, score, params.totalTokens) : tree;
}
