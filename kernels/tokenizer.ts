// Byte-level BPE tokenizer (GPT-2 family) built from a GGUF's tokenizer.ggml.* metadata.
// Pre-tokenization follows the GGUF's tokenizer.ggml.pre the way llama.cpp and the Hugging Face
// tokenizers do; ids are checked against the Hugging Face `tokenizers` reference in the tests.
import { type GgufFile, GgufError, metaNumber, metaString } from './gguf';

const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
// Llama 3 / Qwen 2 style: case-insensitive contractions, digits in runs of at most three.
const LLAMA3_SPLIT = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
const QWEN2_SPLIT = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

interface PreTokenizer {
  /** Split digits into single-digit pieces before the regex (HF `Digits(individual_digits)`). */
  digits: boolean;
  regex: RegExp;
}

/** tokenizer.ggml.pre values we implement, grouped as llama.cpp groups them. */
const PRE: Record<string, PreTokenizer> = {
  gpt2: { digits: false, regex: GPT2_SPLIT },
  default: { digits: false, regex: GPT2_SPLIT },
  smollm: { digits: true, regex: GPT2_SPLIT },
  starcoder: { digits: true, regex: GPT2_SPLIT },
  refact: { digits: true, regex: GPT2_SPLIT },
  'llama-bpe': { digits: false, regex: LLAMA3_SPLIT },
  'llama3': { digits: false, regex: LLAMA3_SPLIT },
  qwen2: { digits: false, regex: QWEN2_SPLIT },
};

/** GPT-2's reversible map from bytes to printable code points. */
function byteMaps(): { toChar: string[]; toByte: Map<number, number> } {
  const toChar: string[] = new Array<string>(256);
  const toByte = new Map<number, number>();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const cp = printable ? b : 256 + extra++;
    toChar[b] = String.fromCodePoint(cp);
    toByte.set(cp, b);
  }
  return { toChar, toByte };
}

const TOKEN_TYPE_CONTROL = 3;
const TOKEN_TYPE_USER_DEFINED = 4;
const utf8 = new TextEncoder();

export interface SpecialTokens {
  bos?: number;
  eos?: number;
  eot?: number;
  /** Every id that ends generation: eos, eot and the usual end markers present in the vocabulary. */
  eog: number[];
  fimPrefix?: number;
  fimSuffix?: number;
  fimMiddle?: number;
  fimPad?: number;
}

export class Tokenizer {
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  readonly addBos: boolean;
  private readonly tokens: string[];
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly pre: PreTokenizer;
  private readonly toChar: string[];
  private readonly tokenBytes: Uint8Array[];
  private readonly specialIds = new Set<number>();
  private readonly specialRegex: RegExp | undefined;
  private readonly cache = new Map<string, number[]>();

  constructor(tokens: string[], merges: string[], tokenTypes: number[], preName: string, special: SpecialTokens, addBos: boolean) {
    const pre = PRE[preName];
    if (!pre) {
      throw new GgufError(`tokenizer pre-tokenizer '${preName}' is not supported (supported: ${Object.keys(PRE).join(', ')}); use a model with one of these tokenizers`);
    }
    this.pre = pre;
    this.tokens = tokens;
    this.vocabSize = tokens.length;
    this.special = special;
    this.addBos = addBos;
    tokens.forEach((t, i) => { if (!this.ids.has(t)) this.ids.set(t, i); });
    merges.forEach((m, i) => this.ranks.set(m, i));
    const { toChar, toByte } = byteMaps();
    this.toChar = toChar;
    this.tokenBytes = tokens.map((t, i) => {
      const type = tokenTypes[i] ?? 1;
      if (type === TOKEN_TYPE_CONTROL || type === TOKEN_TYPE_USER_DEFINED) {
        this.specialIds.add(i);
        return utf8.encode(t);
      }
      const out: number[] = [];
      for (const ch of t) {
        const cp = ch.codePointAt(0) as number;
        const b = toByte.get(cp);
        if (b !== undefined) out.push(b);
        else out.push(...utf8.encode(ch));
      }
      return Uint8Array.from(out);
    });
    const specials = [...this.specialIds].map((i) => tokens[i] as string).filter((s) => s.length > 0)
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialRegex = specials.length ? new RegExp(`(${specials.join('|')})`, 'g') : undefined;
  }

  static fromGguf(file: GgufFile): Tokenizer {
    const model = metaString(file, 'tokenizer.ggml.model');
    if (model !== 'gpt2') {
      throw new GgufError(`${file.path}: tokenizer model '${model ?? 'missing'}' is not supported yet (only byte-level BPE, 'gpt2'); use a Llama-family GGUF with a GPT-2-style tokenizer`);
    }
    const tokens = file.metadata.get('tokenizer.ggml.tokens');
    const merges = file.metadata.get('tokenizer.ggml.merges');
    if (!Array.isArray(tokens) || !Array.isArray(merges)) throw new GgufError(`${file.path}: tokenizer vocabulary or merges missing; the GGUF is incomplete`);
    const types = file.metadata.get('tokenizer.ggml.token_type');
    const tokenTypes = Array.isArray(types) ? types.map(Number) : [];
    const strTokens = tokens.map(String);
    const find = (s: string): number | undefined => { const i = strTokens.indexOf(s); return i >= 0 ? i : undefined; };
    const special: SpecialTokens = {
      bos: metaNumber(file, 'tokenizer.ggml.bos_token_id'),
      eos: metaNumber(file, 'tokenizer.ggml.eos_token_id'),
      eot: metaNumber(file, 'tokenizer.ggml.eot_token_id') ?? find('<|im_end|>'),
      fimPrefix: metaNumber(file, 'tokenizer.ggml.fim_pre_token_id') ?? find('<fim_prefix>') ?? find('<|fim_prefix|>'),
      fimSuffix: metaNumber(file, 'tokenizer.ggml.fim_suf_token_id') ?? find('<fim_suffix>') ?? find('<|fim_suffix|>'),
      fimMiddle: metaNumber(file, 'tokenizer.ggml.fim_mid_token_id') ?? find('<fim_middle>') ?? find('<|fim_middle|>'),
      fimPad: metaNumber(file, 'tokenizer.ggml.fim_pad_token_id') ?? find('<fim_pad>') ?? find('<|fim_pad|>'),
      eog: [],
    };
    const eog = [special.eos, special.eot, ...['<|endoftext|>', '<|im_end|>', '<|eot_id|>', '<|end_of_text|>', '<end_of_turn>'].map(find)];
    special.eog = [...new Set(eog.filter((x): x is number => x !== undefined))];
    const addBos = file.metadata.get('tokenizer.ggml.add_bos_token') === true;
    return new Tokenizer(strTokens, merges.map(String), tokenTypes, metaString(file, 'tokenizer.ggml.pre') ?? 'default', special, addBos);
  }

  /** Token ids for `text`. With allowSpecial, control-token strings in the text become their ids. */
  encode(text: string, opts: { allowSpecial?: boolean } = {}): number[] {
    const out: number[] = [];
    if (opts.allowSpecial && this.specialRegex) {
      for (const part of text.split(this.specialRegex)) {
        if (!part) continue;
        const id = this.ids.get(part);
        if (id !== undefined && this.specialIds.has(id)) out.push(id);
        else this.encodeOrdinary(part, out);
      }
    } else {
      this.encodeOrdinary(text, out);
    }
    return out;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    const chunks = this.pre.digits ? text.split(/(\p{N})/u) : [text];
    for (const chunk of chunks) {
      if (!chunk) continue;
      for (const m of chunk.matchAll(this.pre.regex)) this.encodePiece(m[0], out);
    }
  }

  private encodePiece(piece: string, out: number[]): void {
    const cached = this.cache.get(piece);
    if (cached) { for (const id of cached) out.push(id); return; }
    let parts: string[] = [];
    for (const b of utf8.encode(piece)) parts.push(this.toChar[b] as string);
    // Merge the lowest-ranked adjacent pair until none is in the merge table.
    while (parts.length > 1) {
      let best = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < best) { best = r; at = i; }
      }
      if (at < 0) break;
      const a = parts[at] as string;
      const b = parts[at + 1] as string;
      const merged = a + b;
      const next: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (parts[i] === a && parts[i + 1] === b) {
          next.push(merged);
          i++;
        } else {
          next.push(parts[i] as string);
        }
      }
      parts = next;
    }
    const ids = parts.map((p) => {
      const id = this.ids.get(p);
      if (id === undefined) throw new Error(`BPE produced '${p}', which is not in the vocabulary`);
      return id;
    });
    if (this.cache.size > 50000) this.cache.clear();
    this.cache.set(piece, ids);
    for (const id of ids) out.push(id);
  }

  /** The bytes a token stands for (its text for control tokens). */
  bytes(id: number): Uint8Array {
    const b = this.tokenBytes[id];
    if (!b) throw new RangeError(`token id ${id} is outside the vocabulary (${this.vocabSize})`);
    return b;
  }

  decode(ids: readonly number[]): string {
    let n = 0;
    for (const id of ids) n += this.bytes(id).length;
    const buf = new Uint8Array(n);
    let o = 0;
    for (const id of ids) { const b = this.bytes(id); buf.set(b, o); o += b.length; }
    return new TextDecoder('utf-8').decode(buf);
  }

  tokenText(id: number): string {
    return this.tokens[id] ?? '';
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }
}
