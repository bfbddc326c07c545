// The repository datastore for lookup drafting (as REST and SuffixDecoding): the tokens of the
// workspace's source files in one suffix array, so the n-gram drafter can propose what followed
// the context's last n tokens anywhere in the user's code, not only in the prompt. The array is
// sorted by each suffix's first `key` tokens (all a lookup ever compares), built in O(n log n)
// comparisons of at most `key` tokens; a lookup is two binary searches per suffix length tried.
// Files are separated by SEP, which never matches a token. Edits are incremental: a changed file
// goes into a small overlay index and its rows in the base index are skipped (`stale`).

export const SEP = -1;

export interface StoreLookup {
  /** Length of the context suffix matched (0: nothing found). */
  n: number;
  /** Continuations after the matches, most frequent first, each at most `depth` tokens. */
  continuations: number[][];
}

export interface LookupOptions { maxN: number; minN: number; depth: number; branches: number; /** Matches inspected at most. */ scan: number }

export const DEFAULT_LOOKUP: LookupOptions = { maxN: 8, minN: 3, depth: 8, branches: 1, scan: 64 };

/** The key a suffix array is sorted by: each suffix's first tokens, as many as a lookup compares. */
export const KEY = 12;

/**
 * The positions of `tokens` (SEP excluded) sorted by each suffix's first `key` tokens, ties in
 * position order: a counting sort by the first token, then each first token's bucket sorted by the
 * next `key - 1` tokens (a stable sort). One comparator over the whole array left the process
 * 105 MiB larger for 5.47M tokens, this 27 (the array itself 21; V8 sorts a typed array with a
 * comparator in a copy of 8-byte slots), in 0.6-0.7x the time (docs/BENCHMARKS.md, "A big
 * workspace's datastore"). The server sorts a workspace's array in a thread of its own
 * (suffix-worker.ts).
 */
export function suffixArray(tokens: Int32Array, key = KEY): Int32Array {
  let max = -1;
  for (const t of tokens) if (t > max) max = t;
  // start[t]: where token t's bucket begins (start[max + 1]: the end).
  const start = new Int32Array(max + 2);
  let n = 0;
  for (const t of tokens) if (t !== SEP) { start[t + 1] = (start[t + 1] as number) + 1; n++; }
  for (let t = 1; t < start.length; t++) start[t] = (start[t] as number) + (start[t - 1] as number);
  const sa = new Int32Array(n);
  const at = start.slice();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as number;
    if (t !== SEP) { sa[at[t] as number] = i; at[t] = (at[t] as number) + 1; }
  }
  const cmp = (a: number, b: number): number => {
    for (let j = 1; j < key; j++) {
      const x = a + j < tokens.length ? (tokens[a + j] as number) : SEP;
      const y = b + j < tokens.length ? (tokens[b + j] as number) : SEP;
      if (x !== y) return x - y;
      if (x === SEP) return 0;
    }
    return 0;
  };
  for (let t = 0; t <= max; t++) {
    const lo = start[t] as number;
    const hi = start[t + 1] as number;
    if (hi - lo > 1) sa.subarray(lo, hi).sort(cmp);
  }
  return sa;
}

/** A suffix array over one token sequence (files separated by SEP); `sa` where it was sorted elsewhere. */
export class SuffixIndex {
  readonly sa: Int32Array;

  constructor(readonly tokens: Int32Array, readonly key = KEY, sa?: Int32Array) {
    this.sa = sa ?? suffixArray(tokens, key);
  }

  /** Bytes held (tokens and the array). */
  get bytes(): number {
    return this.tokens.byteLength + this.sa.byteLength;
  }

  /** Compares the suffix at `pos` with `pattern` over pattern.length tokens. */
  private compare(pos: number, pattern: ArrayLike<number>): number {
    for (let j = 0; j < pattern.length; j++) {
      const x = pos + j < this.tokens.length ? (this.tokens[pos + j] as number) : SEP;
      const y = pattern[j] as number;
      if (x !== y) return x - y;
    }
    return 0;
  }

  /** [lo, hi): the rows of the array whose suffixes start with `pattern` (length <= key). */
  range(pattern: ArrayLike<number>): [number, number] {
    let lo = 0;
    let hi = this.sa.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.sa[mid] as number, pattern) < 0) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    let top = this.sa.length;
    while (end < top) {
      const mid = (end + top) >>> 1;
      if (this.compare(this.sa[mid] as number, pattern) <= 0) end = mid + 1;
      else top = mid;
    }
    return [lo, end];
  }

  /** The tokens after position p (up to `depth`, stopping at a file boundary). */
  continuation(p: number, depth: number): number[] {
    const out: number[] = [];
    for (let i = p; i < this.tokens.length && out.length < depth; i++) {
      const t = this.tokens[i] as number;
      if (t === SEP) break;
      out.push(t);
    }
    return out;
  }
}

/** Per-file token ranges of a base index, so a changed file's old rows can be skipped. */
export interface FileSpan { start: number; end: number }

/**
 * The workspace datastore: a base index built once (in the background) and an overlay of files
 * changed since, rebuilt on each change (small). Lookups take the longest match over both.
 */
export class Datastore {
  private base: SuffixIndex | undefined;
  private spans = new Map<string, FileSpan>();
  private readonly stale = new Set<string>();
  private overlayFiles = new Map<string, Int32Array>();
  private overlay: SuffixIndex | undefined;

  /** Replaces everything with these files' tokens. */
  setFiles(files: ReadonlyMap<string, ArrayLike<number>>): void {
    const { tokens, spans } = concat(files);
    this.setBase(tokens, spans, suffixArray(tokens));
  }

  /**
   * Replaces everything with files already concatenated (concat()) and their suffix array
   * (suffixArray(tokens), sorted elsewhere).
   */
  setBase(tokens: Int32Array, spans: Map<string, FileSpan>, sa: Int32Array): void {
    this.base = new SuffixIndex(tokens, KEY, sa);
    this.spans = spans;
    this.stale.clear();
    this.overlayFiles.clear();
    this.overlay = undefined;
  }

  /** A file changed (or appeared): its new tokens replace the old ones. Undefined: it is gone. */
  update(file: string, tokens: ArrayLike<number> | undefined): void {
    if (this.spans.has(file)) this.stale.add(file);
    if (tokens === undefined) this.overlayFiles.delete(file);
    else this.overlayFiles.set(file, Int32Array.from(tokens));
    this.overlay = this.overlayFiles.size > 0 ? new SuffixIndex(concat(this.overlayFiles).tokens) : undefined;
  }

  /** Tokens searched (stale rows of the base excluded). */
  get tokenCount(): number {
    let n = 0;
    for (const [f, s] of this.spans) if (!this.stale.has(f)) n += s.end - s.start;
    for (const t of this.overlayFiles.values()) n += t.length;
    return n;
  }

  get files(): number {
    return [...this.spans.keys()].filter((f) => !this.stale.has(f)).length + this.overlayFiles.size;
  }

  get bytes(): number {
    return (this.base?.bytes ?? 0) + (this.overlay?.bytes ?? 0);
  }

  private staleAt(p: number): boolean {
    if (this.stale.size === 0) return false;
    for (const f of this.stale) {
      const s = this.spans.get(f) as FileSpan;
      if (p >= s.start && p < s.end) return true;
    }
    return false;
  }

  /**
   * Continuations of the longest suffix of `context` (maxN down to minN tokens) found in the
   * store, grouped by their first token, most frequent first; among the matches of one group the
   * chain follows the most frequent next token at every step.
   */
  lookup(context: readonly number[], o: LookupOptions = DEFAULT_LOOKUP): StoreLookup {
    const indexes: { index: SuffixIndex; skip: (p: number) => boolean }[] = [];
    if (this.base) indexes.push({ index: this.base, skip: (p) => this.staleAt(p) });
    if (this.overlay) indexes.push({ index: this.overlay, skip: () => false });
    if (indexes.length === 0) return { n: 0, continuations: [] };
    const maxN = Math.min(o.maxN, context.length, this.base?.key ?? o.maxN, this.overlay?.key ?? o.maxN);
    for (let n = maxN; n >= o.minN; n--) {
      const pattern = context.slice(context.length - n);
      const conts: number[][] = [];
      for (const { index, skip } of indexes) {
        const [lo, hi] = index.range(pattern);
        for (let r = lo; r < hi && conts.length < o.scan; r++) {
          const p = index.sa[r] as number;
          if (skip(p)) continue;
          const c = index.continuation(p + n, o.depth);
          if (c.length > 0) conts.push(c);
        }
      }
      if (conts.length > 0) return { n, continuations: mostFrequent(conts, o.branches) };
    }
    return { n: 0, continuations: [] };
  }
}

/** Files' tokens in one sequence, each followed by SEP, and where each file's tokens are. */
export function concat(files: ReadonlyMap<string, ArrayLike<number>>): { tokens: Int32Array; spans: Map<string, FileSpan> } {
  let total = 0;
  for (const t of files.values()) total += t.length + 1;
  const tokens = new Int32Array(total);
  const spans = new Map<string, FileSpan>();
  let at = 0;
  for (const [f, t] of files) {
    tokens.set(t, at);
    spans.set(f, { start: at, end: at + t.length });
    at += t.length;
    tokens[at++] = SEP;
  }
  return { tokens, spans };
}

/**
 * Up to `branches` continuations: one per distinct first token (most frequent first), each
 * extended by the most frequent next token among the continuations that agree so far.
 */
function mostFrequent(conts: number[][], branches: number): number[][] {
  const out: number[][] = [];
  for (const [first] of countBy(conts, 0).slice(0, branches)) {
    let group = conts.filter((c) => c[0] === first);
    const chain = [first];
    for (let d = 1; ; d++) {
      const next = countBy(group, d)[0];
      if (!next) break;
      chain.push(next[0]);
      group = group.filter((c) => c[d] === next[0]);
    }
    out.push(chain);
  }
  return out;
}

/** (token at position d, count) over the sequences long enough, most frequent first (ties: first seen). */
function countBy(seqs: number[][], d: number): [number, number][] {
  const m = new Map<number, number>();
  for (const s of seqs) if (s.length > d) m.set(s[d] as number, (m.get(s[d] as number) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}
