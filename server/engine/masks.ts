// Additive attention masks over [cache slots + new tokens]: 0 where a query may attend, MASK_NEG
// elsewhere. With `capacity` > `past`, slots at or past `past` hold nothing and are masked (for a
// graph that reads a preallocated cache whole). Every mask the target and draft graphs see is made
// here, from the tree structure of draft-tree.ts.
import { ancestors } from './draft-tree';

export const MASK_NEG = -1e9;

/** Causal mask for S new tokens after P cached ones. [S, capacity + S] */
export function causalMask(past: number, s: number, capacity = past): Float32Array {
  const parents = Array.from({ length: s }, (_, i) => i - 1);
  return treeMask(past, parents, capacity);
}

/**
 * Ancestor mask for a tree of S new nodes after P cached positions: node i sees every cached
 * position, itself and its ancestors, nothing else. parents[i] < i; -1 = no parent in the block.
 * [S, capacity + S]
 */
export function treeMask(past: number, parents: ArrayLike<number>, capacity = past): Float32Array {
  if (capacity < past) throw new RangeError(`capacity ${capacity} < past ${past}`);
  const s = parents.length;
  const t = capacity + s;
  const m = new Float32Array(s * t).fill(MASK_NEG);
  for (let i = 0; i < s; i++) {
    const row = i * t;
    m.fill(0, row, row + past);
    for (const a of ancestors(parents, i)) m[row + capacity + a] = 0;
  }
  return m;
}

/**
 * Mask for S new rows after `past` cached positions when each row sees only listed cache columns
 * (plus itself): draft trees whose ancestors sit at scattered rows of a cache. [S, past + S]
 */
export function columnsMask(past: number, visible: readonly (readonly number[])[]): Float32Array {
  const s = visible.length;
  const t = past + s;
  const m = new Float32Array(s * t).fill(MASK_NEG);
  visible.forEach((cols, i) => {
    for (const c of cols) {
      if (c < 0 || c >= past) throw new RangeError(`column ${c} is outside the ${past} cached positions`);
      m[i * t + c] = 0;
    }
    m[i * t + past + i] = 0;
  });
  return m;
}
