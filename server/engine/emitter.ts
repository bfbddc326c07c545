// Collects generated tokens into text: end-of-generation ids, stop strings, the token budget, the
// time budgets (the whole completion ends at a line boundary, a first line at a word boundary or,
// once twice its budget is spent, at any token boundary),
// streaming deltas, and the characters token healing took off the prompt (generated again by the
// first tokens, never shown twice).
import type { Tokenizer } from '../../kernels/tokenizer';
import { isWordChar } from './healing';
import type { CompletionRequest, FinishReason } from './types';

export class Emitter {
  readonly tokens: number[] = [];
  finish: FinishReason | undefined;
  private text = '';
  private readonly decoder = new TextDecoder('utf-8');
  private readonly stops: StopScanner;
  private readonly eog: Set<number>;
  /** Characters still to drop from the front of the decoded text (token healing). */
  private hide: number;

  /** When the first line, still open, ends at the next word boundary (CompletionRequest.firstLineBudgetMs; set by decoding()). */
  private firstLineDeadline = Infinity;

  /** The first-line budget ran out and was marked (CompletionRequest.firstLineEarly): it is not checked again. */
  private early = false;

  constructor(private readonly tok: Tokenizer, private readonly req: CompletionRequest, private readonly onText?: (delta: string, early?: boolean) => void, private readonly deadline = Infinity, healed = '') {
    this.stops = new StopScanner(req);
    this.eog = new Set(tok.special.eog);
    this.hide = healed.length;
  }

  /** Decoding starts now (the prompt phase is over): the first-line budget counts from here. */
  decoding(now = performance.now()): void {
    if (this.req.firstLineBudgetMs !== undefined) this.firstLineDeadline = now + this.req.firstLineBudgetMs;
  }

  remaining(): number {
    return this.req.maxTokens - this.tokens.length;
  }

  /** Takes one token; false when generation must stop (and `finish` says why). */
  push(id: number): boolean {
    if (this.finish) return false;
    if (this.tokens.length >= this.req.maxTokens) { this.finish = 'length'; return false; }
    if (this.eog.has(id) && !this.req.ignoreEos) { this.finish = 'eos'; return false; }
    this.tokens.push(id);
    let delta = this.decoder.decode(this.tok.bytes(id), { stream: true });
    if (this.hide > 0) {
      const n = Math.min(this.hide, delta.length);
      delta = delta.slice(n);
      this.hide -= n;
    }
    const before = this.text.length;
    this.text += delta;
    const hit = this.stops.scan(this.text, before);
    if (hit >= 0) {
      this.text = this.text.slice(0, hit);
      this.finish = 'stop';
      if (hit > before) this.onText?.(this.text.slice(before));
      return false;
    }
    const cut = this.tokens.length > 1 && !this.early ? firstLineCut(this.text, before, performance.now(), this.firstLineDeadline, this.firstLineDeadline + (this.req.firstLineBudgetMs ?? 0)) : -1;
    if (cut >= 0) {
      if (this.req.firstLineEarly) {
        // Marked, not ended: the text up to the cut can be shown while the line goes on.
        this.early = true;
        if (cut < this.text.length) {
          this.onText?.('', true);
          this.onText?.(delta);
        } else {
          this.onText?.(delta, true);
        }
        if (this.tokens.length >= this.req.maxTokens) { this.finish = 'length'; return false; }
        return true;
      }
      this.finish = 'time';
      // A cut before this token: its text is not shown (the next completion has it again).
      this.text = this.text.slice(0, cut);
      if (cut > before) this.onText?.(this.text.slice(before));
      return false;
    }
    const nl = delta.indexOf('\n');
    if (nl >= 0 && this.tokens.length > 1 && performance.now() > this.deadline) {
      // Out of time: end at this line boundary (the line before it is whole).
      this.text = this.text.slice(0, before + nl);
      this.finish = 'time';
      if (nl > 0) this.onText?.(delta.slice(0, nl));
      return false;
    }
    if (delta) this.onText?.(delta);
    if (this.tokens.length >= this.req.maxTokens) { this.finish = 'length'; return false; }
    return true;
  }

  close(reason: FinishReason): string {
    if (reason !== 'stop' && reason !== 'time') this.text += this.decoder.decode().slice(this.hide);
    return this.text;
  }
}

/** PRISM_FIRST_LINE_CUT=punctuation: only after punctuation or an operator, as before whole words (benchmarks compare). */
const PUNCTUATION_ONLY = process.env.PRISM_FIRST_LINE_CUT === 'punctuation';

/**
 * Where a completion out of its first-line time may end, as an index into `text` (-1: not here),
 * `text.slice(from)` being what the last token (or streamed piece) added. Only while the first
 * line is open (no newline yet), and only at a word boundary, so no identifier is cut in two:
 * after punctuation, an operator or a bracket (the end of `text`); before the last token when it
 * starts with white space after a word (`from`: the word before it is whole, and the space that
 * would follow it is not shown). Once `hard` has passed too, anywhere (the end of `text`): a line
 * with no such boundary (a long number, a hash) shows its beginning rather than nothing.
 */
export function firstLineCut(text: string, from: number, now: number, deadline: number, hard = Infinity): number {
  if (now <= deadline || text.length === 0 || text.includes('\n')) return -1;
  const last = text.length - 1;
  if (!isWordChar(text, last) && !/\s/.test(text[last] as string)) return text.length;
  if (PUNCTUATION_ONLY) return -1;
  if (from > 0 && from < text.length && /[ \t]/.test(text[from] as string) && isWordChar(text, from - 1)) return from;
  return now > hard ? text.length : -1;
}

/**
 * The stop strings of a request over text that grows, for the engine and the remote backend alike.
 * With CompletionRequest.stopAfterContent (a line break first, then the next line), stops count
 * from the first character that is not white space; where that character is on the first line
 * (the model goes on in the line), a line break ends the text too.
 */
export class StopScanner {
  private readonly stops: string[];
  /** Where stops start to count; -1: not yet (only white space so far). */
  private contentAt = -1;

  constructor(private readonly req: Pick<CompletionRequest, 'stop' | 'stopAfterContent'>) {
    this.stops = (req.stop ?? []).filter((x) => x.length > 0);
  }

  /** Where `text` ends at a stop that ends after `from` (where the newest piece starts), or -1. */
  scan(text: string, from: number): number {
    if (this.contentAt < 0) {
      this.contentAt = this.req.stopAfterContent ? text.search(/\S/) : 0;
      if (this.req.stopAfterContent && this.contentAt >= 0 && !text.slice(0, this.contentAt).includes('\n') && !this.stops.includes('\n')) this.stops.push('\n');
    }
    return this.contentAt < 0 ? -1 : findStop(text, this.stops, Math.max(from, this.contentAt));
  }
}

/** Index of the earliest stop string in `text` that ends after `from`, or -1. */
export function findStop(text: string, stops: readonly string[], from: number): number {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}
