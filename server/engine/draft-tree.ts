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
  /** Which kind of source proposed it (the tuner models each on its own; unset: test drafters). */
  source?: DraftSource;
  /** Lookup: the length of the suffix match its first branch continues (longer matches are right more often). */
  match?: number;
}

/**
 * Lookup of n-gram matches in the prompt, in earlier outputs ('recent',
 * DraftContext.recent), in the repository datastore ('store'), or a trained head.
 */
export type DraftSource = 'lookup' | 'recent' | 'store' | 'head';

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
  return keepNodes(tree, (i) => keep.has(i));
}

/** The nodes for which keep(i) holds, re-indexed in topological order (keep must hold for their parents too); the source and match stay. */
export function keepNodes(tree: DraftTree, keep: (i: number) => boolean): DraftTree {
  const remap = new Int32Array(tree.tokens.length).fill(-1);
  const out = newTree();
  if (tree.source !== undefined) out.source = tree.source;
  if (tree.match !== undefined) out.match = tree.match;
  for (let i = 0; i < tree.tokens.length; i++) {
    if (!keep(i)) continue;
    const p = tree.parents[i] as number;
    if (p >= 0 && remap[p] === -1) throw new RangeError(`node ${i} is kept without its parent ${p}`);
    remap[i] = addNode(out, p < 0 ? -1 : (remap[p] as number), tree.tokens[i] as number, tree.q[i], tree.prob[i] as number);
  }
  return out;
}

/**
 * The nodes a target with key panel `panel` verifies exactly after `past` cached tokens: a node
 * whose key column in the block (past + its index + 1) falls in the same panel as its position
 * when decoded alone (past + its depth + 1), and whose ancestors do too. Chains always pass.
 * Among siblings the later-drawn go first (their columns are larger), so what remains is what
 * fewer draws would have proposed: the acceptance rules stay exact under sampling too.
 */
export function panelSafe(tree: DraftTree, past: number, panel: number): DraftTree {
  const depth = depths(tree.parents);
  const ok = new Uint8Array(tree.tokens.length);
  for (let i = 0; i < tree.tokens.length; i++) {
    const p = tree.parents[i] as number;
    ok[i] = (p < 0 || ok[p] === 1) && Math.floor((past + i + 1) / panel) === Math.floor((past + (depth[i] as number) + 1) / panel) ? 1 : 0;
  }
  return ok.every((v) => v === 1) ? tree : keepNodes(tree, (i) => ok[i] === 1);
}

/** Length of the common prefix of two sequences (token lists, strings). */
export function commonPrefix<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
