// Additive attention masks over [past + new]: 0 where a query may attend, MASK_NEG elsewhere.
// Every mask the target graph sees is made here.
export const MASK_NEG = -1e9;

/** Causal mask for S new tokens after P cached ones: row i sees columns 0..P+i. [S, P+S] */
export function causalMask(past: number, s: number, out = new Float32Array(s * (past + s))): Float32Array {
  const t = past + s;
  for (let i = 0; i < s; i++) {
    const row = i * t;
    for (let j = 0; j < t; j++) out[row + j] = j <= past + i ? 0 : MASK_NEG;
  }
  return out;
}

/**
 * Depth of each node of a tree given in topological order (parents[i] < i, -1 for the root's
 * children... or the root itself): depth = number of ancestors.
 */
export function treeDepths(parents: ArrayLike<number>): Int32Array {
  const d = new Int32Array(parents.length);
  for (let i = 0; i < parents.length; i++) {
    const p = parents[i] as number;
    if (p >= i) throw new RangeError(`tree nodes must come after their parents (node ${i}, parent ${p})`);
    d[i] = p < 0 ? 0 : (d[p] as number) + 1;
  }
  return d;
}

/**
 * Ancestor mask for a tree of S nodes after P cached positions: node i sees every cached position,
 * itself and its ancestors, nothing else. parents[i] < i; -1 marks a node with no parent in the block.
 * [S, P+S]
 */
export function treeMask(past: number, parents: ArrayLike<number>, out?: Float32Array): Float32Array {
  const s = parents.length;
  const t = past + s;
  const m = out ?? new Float32Array(s * t);
  m.fill(MASK_NEG, 0, s * t);
  for (let i = 0; i < s; i++) {
    const row = i * t;
    m.fill(0, row, row + past);
    for (let a = i; a >= 0; a = parents[a] as number) m[row + past + a] = 0;
  }
  return m;
}
