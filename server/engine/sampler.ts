// Token selection. The target distribution p (temperature, top-k, top-p applied to the logits) is
// defined once here; plain sampling draws from it and speculative acceptance (later) compares with it.

export interface SamplingParams {
  /** 0 means greedy. */
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}

export const GREEDY: SamplingParams = { temperature: 0, topK: 0, topP: 1, seed: 0 };

/** A small, fast, seedable PRNG (mulberry32): uniform floats in [0, 1). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export function argmax(logits: Float32Array, offset = 0, n = logits.length - offset): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = logits[offset + i] as number;
    if (v > bestV) { bestV = v; best = i; }
  }
  return best;
}

/** A distribution over a subset of the vocabulary: ids and their probabilities (sum 1). */
export interface SparseDist {
  ids: Int32Array;
  probs: Float64Array;
}

/**
 * p: softmax(logits / T) restricted to the top-k tokens, then to the smallest set of most-likely
 * tokens whose mass reaches top-p (the HF / llama.cpp order: top-k, then top-p), renormalised.
 */
export function targetDistribution(logits: Float32Array, params: SamplingParams, offset = 0, n = logits.length - offset): SparseDist {
  if (params.temperature <= 0) throw new RangeError('targetDistribution needs temperature > 0; use argmax for greedy');
  const k = params.topK > 0 ? Math.min(params.topK, n) : n;
  // Candidates sorted by logit, descending.
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sorted = Array.from(order).sort((a, b) => (logits[offset + b] as number) - (logits[offset + a] as number)).slice(0, k);
  const max = logits[offset + (sorted[0] as number)] as number;
  const w = new Float64Array(sorted.length);
  let z = 0;
  for (let i = 0; i < sorted.length; i++) {
    const e = Math.exp(((logits[offset + (sorted[i] as number)] as number) - max) / params.temperature);
    w[i] = e;
    z += e;
  }
  let keep = sorted.length;
  if (params.topP < 1) {
    let cum = 0;
    for (let i = 0; i < sorted.length; i++) {
      cum += (w[i] as number) / z;
      if (cum >= params.topP) { keep = i + 1; break; }
    }
  }
  let zk = 0;
  for (let i = 0; i < keep; i++) zk += w[i] as number;
  const ids = new Int32Array(keep);
  const probs = new Float64Array(keep);
  for (let i = 0; i < keep; i++) {
    ids[i] = sorted[i] as number;
    probs[i] = (w[i] as number) / zk;
  }
  return { ids, probs };
}

/** Draws one id from a sparse distribution with a uniform u in [0,1). */
export function drawFrom(dist: SparseDist, u: number): number {
  let cum = 0;
  for (let i = 0; i < dist.ids.length; i++) {
    cum += dist.probs[i] as number;
    if (u < cum) return dist.ids[i] as number;
  }
  return dist.ids[dist.ids.length - 1] as number;
}

/** Picks the next token from one row of logits. */
export function sampleToken(logits: Float32Array, params: SamplingParams, rng: Rng, offset = 0, n = logits.length - offset): number {
  if (params.temperature <= 0) return argmax(logits, offset, n);
  return drawFrom(targetDistribution(logits, params, offset, n), rng.next());
}
