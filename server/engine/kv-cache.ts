// The target's KV cache: per layer, K and V rows of width Hkv*D in token-major order, preallocated
// (reserve(): a request's prompt and output, known when it starts) and else grown by doubling. The
// first `length` rows of each buffer are the past the graph reads (a subarray view, no copy); new
// rows are appended; rejection or divergence moves `length` back.
import { commonPrefix } from './draft-tree';

export class KvCache {
  readonly width: number;
  readonly layers: number;
  private keys: Float32Array[];
  private values: Float32Array[];
  private capacity: number;
  /** Number of cached positions. */
  length = 0;
  /** The token id at each cached position. */
  tokens: number[] = [];

  constructor(layers: number, width: number, initialCapacity = 256) {
    this.layers = layers;
    this.width = width;
    this.capacity = initialCapacity;
    this.keys = Array.from({ length: layers }, () => new Float32Array(initialCapacity * width));
    this.values = Array.from({ length: layers }, () => new Float32Array(initialCapacity * width));
  }

  /**
   * Room for `rows` positions, rounded up to RESERVE_STEP, in one allocation: a request reserves
   * its prompt and output before it runs. Growing by doubling instead held up to twice what a
   * prompt needs (1,100 rows in 2,048: ~40 MB of the target's) and left each smaller buffer to the
   * garbage collector. Never shrinks.
   */
  reserve(rows: number): void {
    if (rows > this.capacity) this.resize(Math.ceil(rows / RESERVE_STEP) * RESERVE_STEP);
  }

  private ensure(rows: number): void {
    if (rows <= this.capacity) return;
    let cap = this.capacity;
    while (cap < rows) cap *= 2;
    this.resize(cap);
  }

  private resize(cap: number): void {
    const grow = (a: Float32Array): Float32Array => {
      const b = new Float32Array(cap * this.width);
      b.set(a.subarray(0, this.length * this.width));
      return b;
    };
    this.keys = this.keys.map(grow);
    this.values = this.values.map(grow);
    this.capacity = cap;
  }

  /** Views of the cached rows of one layer: [length, width] each. */
  past(layer: number): { k: Float32Array; v: Float32Array } {
    const n = this.length * this.width;
    return { k: (this.keys[layer] as Float32Array).subarray(0, n), v: (this.values[layer] as Float32Array).subarray(0, n) };
  }

  /**
   * Appends rows for `tokens`: newK/newV per layer hold [count, width] (the graph's new_k/new_v).
   * `rows` picks which of the new rows to keep, in order (all when omitted).
   */
  append(tokens: readonly number[], newK: Float32Array[], newV: Float32Array[], rows?: readonly number[]): void {
    const count = rows ? rows.length : tokens.length;
    this.ensure(this.length + count);
    const w = this.width;
    for (let l = 0; l < this.layers; l++) {
      const K = this.keys[l] as Float32Array;
      const V = this.values[l] as Float32Array;
      const nk = newK[l] as Float32Array;
      const nv = newV[l] as Float32Array;
      if (!rows) {
        K.set(nk.subarray(0, count * w), this.length * w);
        V.set(nv.subarray(0, count * w), this.length * w);
      } else {
        for (let i = 0; i < count; i++) {
          const r = rows[i] as number;
          K.set(nk.subarray(r * w, (r + 1) * w), (this.length + i) * w);
          V.set(nv.subarray(r * w, (r + 1) * w), (this.length + i) * w);
        }
      }
    }
    for (let i = 0; i < count; i++) this.tokens.push(tokens[rows ? (rows[i] as number) : i] as number);
    this.length += count;
  }

  /** Forgets everything from position n on. */
  truncate(n: number): void {
    if (n < 0 || n > this.length) throw new RangeError(`cannot truncate a cache of ${this.length} to ${n}`);
    this.length = n;
    this.tokens.length = n;
  }

  /** Forgets the first n positions, keeping the rest in order (a sliding window over a long context). */
  dropFront(n: number): void {
    if (n < 0 || n > this.length) throw new RangeError(`cannot drop ${n} rows of a cache of ${this.length}`);
    if (n === 0) return;
    const w = this.width;
    for (let l = 0; l < this.layers; l++) {
      (this.keys[l] as Float32Array).copyWithin(0, n * w, this.length * w);
      (this.values[l] as Float32Array).copyWithin(0, n * w, this.length * w);
    }
    this.tokens.splice(0, n);
    this.length -= n;
  }

  /** Length of the common prefix of the cached tokens and `ids`. */
  commonPrefix(ids: readonly number[]): number {
    return commonPrefix(this.tokens, ids);
  }

  /** Copies of the valid rows of one layer, [length, width] each (tests, debugging). */
  rows(layer: number): { k: Float32Array; v: Float32Array } {
    const p = this.past(layer);
    return { k: p.k.slice(), v: p.v.slice() };
  }

  /** Positions it has room for. */
  get room(): number { return this.capacity; }

  /** Bytes held by the cache buffers. */
  bytes(): number {
    return 2 * this.layers * this.capacity * this.width * 4;
  }
}

/** KvCache.reserve() and RowStore.reserve() round up to this many rows. */
const RESERVE_STEP = 64;

/** Rows of a fixed width, kept in step with a KvCache's positions (the target's taps). */
export class RowStore {
  private data: Float32Array;
  length = 0;

  constructor(readonly width: number) {
    this.data = new Float32Array(256 * width);
  }

  /** Room for `rows` rows in one allocation (KvCache.reserve()). */
  reserve(rows: number): void {
    if (rows * this.width <= this.data.length) return;
    const grown = new Float32Array(Math.ceil(rows / RESERVE_STEP) * RESERVE_STEP * this.width);
    grown.set(this.data.subarray(0, this.length * this.width));
    this.data = grown;
  }

  /** Rows it has room for. */
  get room(): number { return this.data.length / this.width; }

  append(rows: Float32Array, pick?: readonly number[]): void {
    const n = pick ? pick.length : rows.length / this.width;
    if ((this.length + n) * this.width > this.data.length) {
      const grown = new Float32Array(Math.max(2 * this.data.length, (this.length + n) * this.width));
      grown.set(this.data.subarray(0, this.length * this.width));
      this.data = grown;
    }
    const w = this.width;
    for (let i = 0; i < n; i++) {
      const r = pick ? (pick[i] as number) : i;
      this.data.set(rows.subarray(r * w, (r + 1) * w), (this.length + i) * w);
    }
    this.length += n;
  }

  truncate(n: number): void {
    this.length = Math.min(this.length, n);
  }

  rows(from: number, to: number): Float32Array {
    if (from < 0 || to > this.length || from > to) throw new RangeError(`rows ${from}..${to} of ${this.length}`);
    return this.data.subarray(from * this.width, to * this.width);
  }
}
