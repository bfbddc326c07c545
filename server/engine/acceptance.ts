// Which drafted tokens the target accepts. The verification block is [root, ...draft nodes]:
// block index 0 is the root (the last accepted token), block index i+1 is draft node i.
//
// Greedy: follow the children whose token equals the target's argmax at their parent; the
// target's argmax at the last accepted node is the bonus token.
//
// Sampling: recursive rejection sampling (RRS) over siblings, as in SpecInfer (Miao et al. 2023,
// "multi-step speculative sampling") and, for chains, speculative sampling (Leviathan et al.
// 2023; Chen et al. 2023). At a node with target distribution p, its children are tried in order;
// child x drawn from proposal q is accepted with probability min(1, p(x)/q(x)); on rejection
// p <- norm(max(p - q, 0)) and the next sibling is tried. A deterministic proposal (top-k,
// n-gram) is the point mass q = delta_x: accept with probability p(x), else remove x from p.
// When no child is accepted the next token is drawn from the residual p. Each step outputs a
// token distributed exactly as p, so the output distribution equals the target's.
import { blockChildren, type DraftTree } from './draft-tree';
import { drawFrom, probOf, type Rng, type SparseDist } from './sampler';

export interface Acceptance {
  /** Draft node indices (into tree.tokens) accepted, root to leaf. */
  accepted: number[];
  /** The token after the accepted path: the target's bonus or correction token. */
  next: number;
}

/**
 * `argmax`: the target's choice at each block row, or a function that makes it (called once per
 * row along the accepted path, in order, the bonus row last: token healing's constrained argmax,
 * whose state advances with each chosen token).
 */
export function acceptGreedy(tree: DraftTree, argmax: ArrayLike<number> | ((row: number) => number)): Acceptance {
  const kids = blockChildren(tree);
  const accepted: number[] = [];
  const choose = typeof argmax === 'function' ? argmax : (row: number) => argmax[row] as number;
  let cur = 0;
  for (;;) {
    const want = choose(cur);
    const hit = (kids[cur] as number[]).find((c) => tree.tokens[c - 1] === want);
    if (hit === undefined) return { accepted, next: want };
    accepted.push(hit - 1);
    cur = hit;
  }
}

/** A distribution as a mutable map, for residuals. */
function toMap(d: SparseDist): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < d.ids.length; i++) m.set(d.ids[i] as number, d.probs[i] as number);
  return m;
}

/** The residual back as (unnormalised) weights for the sampler. */
function fromMap(p: Map<number, number>): SparseDist {
  return { ids: Int32Array.from(p.keys()), probs: Float64Array.from(p.values()) };
}

/**
 * RRS acceptance. `pAt(b)` gives the target distribution after block node b (temperature, top-k
 * and top-p applied); it is asked only for nodes on the accepted path.
 */
export function acceptSampling(tree: DraftTree, pAt: (block: number) => SparseDist, rng: Rng): Acceptance {
  const kids = blockChildren(tree);
  const accepted: number[] = [];
  let cur = 0;
  for (;;) {
    const p = toMap(pAt(cur));
    let moved = false;
    for (const c of kids[cur] as number[]) {
      const x = tree.tokens[c - 1] as number;
      const q = tree.q[c - 1];
      const px = p.get(x) ?? 0;
      let total = 0;
      for (const v of p.values()) total += v;
      if (q === undefined) {
        if (rng.next() * total < px) { accepted.push(c - 1); cur = c; moved = true; break; }
        p.delete(x);
      } else {
        const qx = probOf(q, x);
        if (qx > 0 && rng.next() * qx * total < px) { accepted.push(c - 1); cur = c; moved = true; break; }
        // p <- max(p - q, 0), left unnormalised (draw and the test above divide by the total).
        for (let i = 0; i < q.ids.length; i++) {
          const id = q.ids[i] as number;
          const v = p.get(id);
          if (v !== undefined) p.set(id, Math.max(0, v - (q.probs[i] as number) * total));
        }
      }
    }
    if (!moved) return { accepted, next: drawFrom(fromMap(p), rng.next()) };
  }
}
