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
