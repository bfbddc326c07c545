// Token healing. BPE tokens carry their leading whitespace and whole words, so a prompt that
// ends in indentation or half a word ends at a token boundary the model rarely saw there: after
// "):\n    " it continues with another newline, after "\t" with another tab. Healing takes the
// prompt's last token off and lets the model spell it again: each generated token must agree
// with what is left of the removed bytes (start with them, or be a prefix of them) until they
// are all spelled. The constraint masks the target's logits before argmax or sampling, so
// speculative decoding (which starts once the constraint is met) equals plain decoding under it.
import type { Tokenizer } from '../../kernels/tokenizer';

export interface Healed {
  /** The prompt without its healed tail. */
  ids: number[];
  /** The bytes taken off (empty: nothing to heal). */
  bytes: Uint8Array;
  /** Their text. */
  text: string;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Takes the last token off `ids` (never a control token or the only token), and more while the
 * removed bytes start inside a UTF-8 character, so they always decode to whole characters.
 */
export function healTail(tok: Tokenizer, ids: readonly number[]): Healed {
  let cut = ids.length;
  const parts: Uint8Array[] = [];
  while (cut > 1) {
    const id = ids[cut - 1] as number;
    if (tok.isSpecial(id)) break;
    const b = tok.bytes(id);
    parts.unshift(b);
    cut--;
    if (b.length > 0 && ((b[0] as number) & 0xc0) !== 0x80) break;
  }
  if (cut === ids.length) return { ids: [...ids], bytes: new Uint8Array(0), text: '' };
  const bytes = concat(parts);
  if (bytes.length > 0 && ((bytes[0] as number) & 0xc0) === 0x80) return { ids: [...ids], bytes: new Uint8Array(0), text: '' };
  return { ids: ids.slice(0, cut), bytes, text: utf8.decode(bytes) };
}

/** ASCII letters, digits, `_` and `$`: the bytes that would continue an identifier. */
function isWordByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x24;
}

/** Whether the character at `i` of `text` would continue an identifier (the same rule as wordEnd's). */
export function isWordChar(text: string, i: number): boolean {
  return i >= 0 && i < text.length && isWordByte(text.charCodeAt(i));
}

/**
 * The bytes still to spell, and which tokens may come next. With `wordEnd` the first byte after
 * them must not continue a word (CompletionRequest.wordEnd): the constraint holds until a token
 * has gone past the spelled bytes, or generation ends there (a control token).
 */
export class HealConstraint {
  private rest: Uint8Array;
  private mask: Uint8Array | undefined;
  private candidates: Int32Array | undefined;
  private boundary: boolean;

  constructor(private readonly tok: Tokenizer, bytes: Uint8Array, wordEnd = false) {
    this.rest = bytes;
    this.boundary = wordEnd;
  }

  get done(): boolean { return this.rest.length === 0 && !this.boundary; }

  /** Whether token `id` agrees with the bytes still to spell (and, with wordEnd, ends the word after them). */
  allows(id: number): boolean {
    if (this.tok.isSpecial(id)) return this.rest.length === 0; // ending right after the word is fine
    const b = this.tok.bytes(id);
    const n = Math.min(b.length, this.rest.length);
    if (b.length === 0 || (n === 0 && this.rest.length > 0)) return false;
    for (let i = 0; i < n; i++) if (b[i] !== this.rest[i]) return false;
    return !(this.boundary && b.length > this.rest.length && isWordByte(b[this.rest.length] as number));
  }

  /** Whether the tokens of `path`, in order, agree with what is still to spell (changes nothing). */
  fits(path: readonly number[]): boolean {
    const c = new HealConstraint(this.tok, this.rest, this.boundary);
    for (const id of path) {
      if (c.done) return true;
      if (!c.allows(id)) return false;
      c.advance(id);
    }
    return true;
  }

  /** 1 for the allowed ids of the vocabulary (computed once per remaining byte string). */
  allowed(): Uint8Array {
    if (!this.mask) {
      const V = this.tok.vocabSize;
      this.mask = new Uint8Array(V);
      for (let id = 0; id < V; id++) if (this.allows(id)) this.mask[id] = 1;
    }
    return this.mask;
  }

  /** Records a generated token (which must be allowed). */
  advance(id: number): void {
    if (!this.allows(id)) throw new RangeError(`token ${id} does not continue the healed text`);
    const len = this.tok.isSpecial(id) ? 0 : this.tok.bytes(id).length;
    if (len > this.rest.length || this.tok.isSpecial(id)) this.boundary = false;
    this.rest = this.rest.subarray(Math.min(this.rest.length, len));
    this.mask = undefined;
    this.candidates = undefined;
  }

  /**
   * The allowed id with the highest logit in one row (the lowest id among equals): the masked
   * argmax, without a pass over the vocabulary while bytes remain to spell (the allowed ids are
   * then the tokens that start with them, a range of the tokens sorted by bytes, and their prefixes).
   */
  argmax(logits: Float32Array, offset = 0): number {
    const ids = this.rest.length === 0 ? undefined : (this.candidates ??= this.allowedIds());
    if (ids === undefined || ids.length === 0) {
      const row = this.maskRow(logits, offset);
      let best = 0;
      for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
      return best;
    }
    let best = -1;
    let bestV = -Infinity;
    for (const id of ids) {
      const v = logits[offset + id] as number;
      if (best < 0 || v > bestV || (v === bestV && id < best)) { best = id; bestV = v; }
    }
    return best;
  }

  /**
   * The allowed ids while bytes remain to spell, from the tokens sorted by bytes. Kept per
   * tokenizer for the latest byte strings: the same healed tail (a lone space, four spaces, a
   * half word being typed) comes back request after request, and a lone space allows a third of
   * the vocabulary, whose list costs about what the mask does to build but is read far faster.
   */
  private allowedIds(): Int32Array {
    const memo = allowedMemo(this.tok);
    const key = `${this.boundary ? 1 : 0}:${this.rest.join(',')}`;
    let ids = memo.get(key);
    if (ids) {
      memo.delete(key); // most recent last
    } else {
      ids = this.listAllowed();
      if (memo.size >= ALLOWED_MEMO) memo.delete(memo.keys().next().value as string);
    }
    memo.set(key, ids);
    return ids;
  }

  private listAllowed(): Int32Array {
    const sorted = byBytes(this.tok);
    const rest = this.rest;
    const out: number[] = [];
    const bytes = (i: number): Uint8Array => this.tok.bytes(sorted[i] as number);
    // The tokens that start with rest: from the first whose bytes are >= rest, up to the first
    // whose first rest.length bytes are greater.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (compareBytes(bytes(mid), rest) < 0) lo = mid + 1; else hi = mid; }
    let end = sorted.length;
    hi = lo;
    while (hi < end) { const mid = (hi + end) >> 1; if (startsWith(bytes(mid), rest)) hi = mid + 1; else end = mid; }
    // They agree with rest; with wordEnd, the byte after it must not go on with the word.
    const range = sorted.subarray(lo, hi);
    const starting = this.boundary ? range.filter((id) => { const b = this.tok.bytes(id); return !(b.length > rest.length && isWordByte(b[rest.length] as number)); }) : range;
    // The tokens that are a proper prefix of rest.
    for (let k = 1; k < rest.length; k++) {
      const prefix = rest.subarray(0, k);
      let a = 0;
      let b = sorted.length;
      while (a < b) { const mid = (a + b) >> 1; if (compareBytes(bytes(mid), prefix) < 0) a = mid + 1; else b = mid; }
      for (; a < sorted.length && compareBytes(bytes(a), prefix) === 0; a++) if (this.allows(sorted[a] as number)) out.push(sorted[a] as number);
    }
    if (out.length === 0) return starting;
    const all = new Int32Array(starting.length + out.length);
    all.set(starting);
    all.set(out, starting.length);
    return all;
  }

  /** A copy of one row of logits with every disallowed id at -Infinity. */
  maskRow(logits: Float32Array, offset = 0): Float32Array {
    const allowed = this.allowed();
    const row = logits.slice(offset, offset + allowed.length);
    for (let i = 0; i < row.length; i++) if (allowed[i] === 0) row[i] = -Infinity;
    return row;
  }
}

/** Builds what HealConstraint.argmax reads (once per tokenizer, ~40 ms for 49K tokens): the worker does it while loading the model. */
export function prepareHealing(tok: Tokenizer): void {
  byBytes(tok);
  // and the list of a lone space's, the commonest tail that allows a third of the vocabulary.
  new HealConstraint(tok, new Uint8Array([0x20])).argmax(new Float32Array(tok.vocabSize));
}

/** How many byte strings' allowed ids each tokenizer keeps (HealConstraint.allowedIds). */
const ALLOWED_MEMO = 32;
const allowedLists = new WeakMap<Tokenizer, Map<string, Int32Array>>();
function allowedMemo(tok: Tokenizer): Map<string, Int32Array> {
  let m = allowedLists.get(tok);
  if (!m) allowedLists.set(tok, (m = new Map()));
  return m;
}

/** A tokenizer's non-special, non-empty token ids sorted by their bytes (built once, on first use). */
const sortedByBytes = new WeakMap<Tokenizer, Int32Array>();
function byBytes(tok: Tokenizer): Int32Array {
  let s = sortedByBytes.get(tok);
  if (!s) {
    const ids: number[] = [];
    for (let id = 0; id < tok.vocabSize; id++) if (!tok.isSpecial(id) && tok.bytes(id).length > 0) ids.push(id);
    ids.sort((a, b) => compareBytes(tok.bytes(a), tok.bytes(b)) || a - b);
    s = Int32Array.from(ids);
    sortedByBytes.set(tok, s);
  }
  return s;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  if (a.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
