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
  }

  /** A copy of one row of logits with every disallowed id at -Infinity. */
  maskRow(logits: Float32Array, offset = 0): Float32Array {
    const allowed = this.allowed();
    const row = logits.slice(offset, offset + allowed.length);
    for (let i = 0; i < row.length; i++) if (allowed[i] === 0) row[i] = -Infinity;
    return row;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
