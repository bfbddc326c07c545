// The draft tree: every drafter builds one, the masks and the verification block are made from
// it, the acceptance rules walk it. Nodes come in topological order (parents[i] < i; -1 = a child
// of the root, the last accepted token, which the target has not run yet). Each node records the
// proposal it was drawn from: `q[i]` is the draft distribution it was sampled from, or undefined
// for a deterministic proposal (top-k, n-gram); lossless sampling needs exactly that.
//
// The verification block is [root, ...draft nodes]: block index 0 is the root, block index i+1 is
// draft node i. Functions on bare `parents` arrays serve both views (and the attention masks).
import type { SparseDist } from './sampler';

export interface DraftTree {
  tokens: number[];
  parents: number[];
  q: (SparseDist | undefined)[];
  /** Draft probability of each node's token under its parent's draft distribution (1 if none). */
  prob: number[];
}

export const EMPTY_TREE: DraftTree = Object.freeze({ tokens: [], parents: [], q: [], prob: [] }) as DraftTree;

export function newTree(): DraftTree {
  return { tokens: [], parents: [], q: [], prob: [] };
}

/** Appends a node below `parent` (-1 = the root); returns its index. */
export function addNode(tree: DraftTree, parent: number, token: number, q?: SparseDist, prob = 1): number {
  if (parent >= tree.tokens.length) throw new RangeError(`parent ${parent} is not in a tree of ${tree.tokens.length} nodes`);
  tree.tokens.push(token);
  tree.parents.push(parent);
  tree.q.push(q);
  tree.prob.push(prob);
  return tree.tokens.length - 1;
}

/** A chain of deterministic proposals (n-gram lookups, tests). */
export function chainTree(tokens: readonly number[]): DraftTree {
  const tree = newTree();
  tokens.forEach((t, i) => addNode(tree, i - 1, t));
  return tree;
}

/** Node i and its ancestors, i first (empty for i < 0). */
export function ancestors(parents: ArrayLike<number>, i: number): number[] {
  const out: number[] = [];
  for (let a = i; a >= 0; a = parents[a] as number) out.push(a);
  return out;
}

/** Depth of each node: the number of its ancestors in the tree (a child of the root has 0). */
export function depths(parents: ArrayLike<number>): Int32Array {
  const d = new Int32Array(parents.length);
  for (let i = 0; i < parents.length; i++) {
    const p = parents[i] as number;
    if (p >= i) throw new RangeError(`tree nodes must come after their parents (node ${i}, parent ${p})`);
    d[i] = p < 0 ? 0 : (d[p] as number) + 1;
  }
  return d;
}

/** The tokens on the path from the root to node i (the root excluded, node i included). */
export function pathTo(tree: DraftTree, i: number): number[] {
  return ancestors(tree.parents, i).reverse().map((a) => tree.tokens[a] as number);
}

/** Parents of block nodes: the root has -1, draft node i sits at block index i+1. */
export function blockParents(tree: DraftTree): number[] {
  return [-1, ...tree.parents.map((p) => p + 1)];
}

/** Children of each block node, in draft order. */
export function blockChildren(tree: DraftTree): number[][] {
  const kids: number[][] = Array.from({ length: tree.tokens.length + 1 }, () => []);
  tree.parents.forEach((p, i) => (kids[p + 1] as number[]).push(i + 1));
  return kids;
}

/** Keeps the n highest-scoring nodes (with all their ancestors), re-indexed in topological order. */
export function bestNodes(tree: DraftTree, score: readonly number[], n: number): DraftTree {
  if (tree.tokens.length <= n) return tree;
  const keep = new Set<number>();
  const order = Array.from(score.keys()).sort((a, b) => (score[b] as number) - (score[a] as number));
  for (const i of order) {
    if (keep.size >= n) break;
    const chain = ancestors(tree.parents, i).filter((a) => !keep.has(a));
    if (keep.size + chain.length > n) continue;
    for (const a of chain) keep.add(a);
  }
  const kept = [...keep].sort((a, b) => a - b);
  const remap = new Map(kept.map((old, i) => [old, i]));
  const out = newTree();
  for (const i of kept) {
    const p = tree.parents[i] as number;
    addNode(out, p < 0 ? -1 : (remap.get(p) as number), tree.tokens[i] as number, tree.q[i], tree.prob[i] as number);
  }
  return out;
}

/** Length of the common prefix of two sequences (token lists, strings). */
export function commonPrefix<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
