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
  if (k === n && params.topP >= 1) {
    // No truncation: the whole softmax, in id order (no sort needed).
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i] as number);
    const w = Array.from({ length: n }, (_, i) => Math.exp(((logits[offset + i] as number) - max) / params.temperature));
    return nucleus(Int32Array.from({ length: n }, (_, i) => i), w, 1, 1);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (logits[offset + b] as number) - (logits[offset + a] as number)).slice(0, k);
  const max = logits[offset + (order[0] as number)] as number;
  const w = order.map((i) => Math.exp(((logits[offset + i] as number) - max) / params.temperature));
  return nucleus(Int32Array.from(order), w, w.reduce((a, b) => a + b, 0), params.topP);
}

/**
 * The same p from the graph's sorted top-k row (top_logits, top_ids) and lse = logsumexp(logits/T),
 * or undefined when those do not determine p exactly (top-k wider than the row, or a nucleus that
 * reaches past it); the caller then falls back to full logits.
 */
export function distributionFromTop(topLogits: Float32Array, topIds: Int32Array, lse: number, width: number, row: number, params: SamplingParams): SparseDist | undefined {
  const o = row * width;
  const T = params.temperature;
  if (params.topK > 0 && params.topK <= width) {
    const max = topLogits[o] as number;
    const w = Array.from({ length: params.topK }, (_, i) => Math.exp(((topLogits[o + i] as number) - max) / T));
    return nucleus(topIds.subarray(o, o + params.topK), w, w.reduce((a, b) => a + b, 0), params.topP);
  }
  if (params.topK > width || params.topP >= 1) return undefined;
  // Full-vocabulary probabilities of the top row entries; the nucleus must end inside the row.
  const w = Array.from({ length: width }, (_, i) => Math.exp((topLogits[o + i] as number) / T - lse));
  let cum = 0;
  for (let i = 0; i < width; i++) {
    cum += w[i] as number;
    if (cum >= params.topP) return nucleus(topIds.subarray(o, o + i + 1), w.slice(0, i + 1), 1, 1);
  }
  return undefined;
}

/** Keeps the smallest prefix of (sorted) weights whose share of z reaches topP; renormalises. */
function nucleus(ids: Int32Array, w: number[], z: number, topP: number): SparseDist {
  let keep = w.length;
  if (topP < 1) {
    let cum = 0;
    for (let i = 0; i < w.length; i++) {
      cum += (w[i] as number) / z;
      if (cum >= topP) { keep = i + 1; break; }
    }
  }
  let zk = 0;
  for (let i = 0; i < keep; i++) zk += w[i] as number;
  const probs = new Float64Array(keep);
  for (let i = 0; i < keep; i++) probs[i] = (w[i] as number) / zk;
  return { ids: Int32Array.from(ids.subarray(0, keep)), probs };
}

/**
 * Draws one id with a uniform u in [0,1) from a sparse distribution, or from non-negative weights
 * that need not sum to 1 (a residual max(p - q, 0)). Ids of weight 0 are never drawn.
 */
export function drawFrom(dist: SparseDist, u: number): number {
  let total = 0;
  for (const w of dist.probs) total += w;
  const target = u * total;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < dist.ids.length; i++) {
    const w = dist.probs[i] as number;
    if (w <= 0) continue;
    cum += w;
    last = dist.ids[i] as number;
    if (target < cum) return last;
  }
  if (last < 0) throw new RangeError('cannot draw from a distribution with no positive weight');
  return last;
}

/** The probability of `id` under a sparse distribution (0 when absent). */
export function probOf(dist: SparseDist, id: number): number {
  for (let i = 0; i < dist.ids.length; i++) if (dist.ids[i] === id) return dist.probs[i] as number;
  return 0;
}

/** Picks the next token from one row of logits. */
export function sampleToken(logits: Float32Array, params: SamplingParams, rng: Rng, offset = 0, n = logits.length - offset): number {
  if (params.temperature <= 0) return argmax(logits, offset, n);
  return drawFrom(targetDistribution(logits, params, offset, n), rng.next());
}
