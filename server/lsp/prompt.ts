// From a document and a cursor to the text the model continues.
//
// Models with fill-in-the-middle tokens get `<fim_prefix>PREFIX<fim_suffix>SUFFIX<fim_middle>`
// (StarCoder order); models without them (SmolLM2) get the prefix alone. The token budget is split
// between prefix and suffix; tokens are counted through a chars-per-token ratio the server learns
// from the engine's real counts, so the main thread never tokenizes: each document's own (the
// engine counts a document before its first prompt is placed), else its language's.
//
// The prefix starts at a line boundary that stays put while the user types: the engine reuses
// the KV cache of the longest unchanged prompt prefix, so moving the start on every keystroke
// would re-prefill the whole prompt each time. The start only moves when the prefix outgrows the
// budget by a margin (the chars-per-token estimate drifts as it learns: a start that followed it
// would move between a prefill and the completion it prepared), and then far enough (to `refill`
// of the budget) to stay put for a while.
//
// A start placed where nothing is computed yet (a document's first prompt, a cursor that went
// elsewhere, a prefix that outgrew its margin with no move under way) first holds `first` of the
// budget, so that the keystroke that placed it waits for ~384 tokens, not ~717; the start then
// moves back to `refill` (or to the top, where all of the prefix fits) while the user pauses
// (moveDue, build(..., 'move')), into a second cache.

export interface FimTokens { prefix: string; suffix: string; middle: string }

export interface PromptBudget {
  /** Tokens for the whole prompt (prefix + suffix). */
  maxTokens: number;
  /** Share of maxTokens for the suffix when the model has FIM tokens. */
  suffixShare: number;
  /** When the prefix outgrows its budget, its start moves so that it fills this share of it. */
  refill: number;
  /**
   * A start placed where nothing is computed yet first fills this share of the budget, and moves
   * back while the user pauses (undefined, 0 or >= refill: the whole budget at once).
   */
  first?: number;
}

/**
 * What a prompt is built for. 'ask': a completion, or a warm-up where the cursor is (a start it
 * places is short: PromptBudget.first). 'full': one whose new start fills `refill` at once (a
 * remote server). 'top': a warm-up from the document's start to topEnd() for a cursor at the top or
 * anywhere in a document that fits whole; the start it places (0) counts as placed at the top, so
 * a cursor far from it (Ctrl+End) is not within the margin of a prompt typed at its end. 'move':
 * the idle move (the start moves early, or back from short, to a start kept pending).
 */
export type BuildKind = 'ask' | 'full' | 'top' | 'move';

// 1,024 tokens: on dev code the first line of a completion was as right as with 1,536 (paired over
// 240 positions, edit similarity -0.000, 95% interval -0.011 to +0.010; 768 and 512 lost 0.013 and
// 0.026 against 1,024), and each step, a cold prefill and the KV cache cost less
// (docs/BENCHMARKS.md, "The prompt budget").
export const DEFAULT_BUDGET: PromptBudget = { maxTokens: 1024, suffixShare: 0.2, refill: 0.7 };

/** A placed prefix may outgrow its budget by this factor before its start moves. */
const OUTGROW = 1.2;

/**
 * While the user pauses, a placed prefix past its budget (up to OUTGROW) moves early
 * (`build(..., 'move')`, the Completer's idle move): the prompt at the new start is computed then,
 * not on the keystroke that would have outgrown it (~717 tokens, about a second here).
 */
const EARLY = 1.0;

export interface BuiltPrompt {
  text: string;
  allowSpecial: boolean;
  /** Document offset where the prefix starts. */
  prefixStart: number;
  /** The text after the cursor the prompt carries ('' for prefix-only prompts). */
  suffix: string;
  mode: 'fim' | 'prefix';
}

/**
 * Chars per token, learned from the engine's real counts: a document's own ratio (its last
 * prompt's), else its language's, else all documents'. Code's density differs by file and language
 * (dev files: Go p50 2.6 chars per token, TypeScript 3.1, Python 3.9; per file 1.1 to 4.5): with
 * one ratio for all, prompts placed to hold ~717 tokens held 452 to 1,115 (docs/BENCHMARKS.md,
 * "Prompts the size of their budget").
 */
export class CharsPerToken {
  private all: number;
  private readonly languages = new Map<string, number>();
  private readonly documents = new Map<string, number>();
  constructor(initial = 3) { this.all = initial; }
  get(uri?: string, languageId?: string): number {
    return (uri === undefined ? undefined : this.documents.get(uri)) ?? (languageId === undefined ? undefined : this.languages.get(languageId)) ?? this.all;
  }
  observe(chars: number, tokens: number, uri?: string, languageId?: string): void {
    if (tokens < 16 || chars <= 0) return;
    const r = chars / tokens;
    this.all = 0.8 * this.all + 0.2 * r;
    if (languageId !== undefined) {
      const l = this.languages.get(languageId);
      this.languages.set(languageId, l === undefined ? r : 0.8 * l + 0.2 * r);
    }
    if (uri !== undefined) {
      this.documents.delete(uri);
      this.documents.set(uri, r);
      if (this.documents.size > 256) this.documents.delete(this.documents.keys().next().value as string);
    }
  }
  knows(uri: string): boolean { return this.documents.has(uri); }
  forget(uri: string): void { this.documents.delete(uri); }
}

/** Per-document prompt building with a stable prefix start. */
export class PromptBuilder {
  /**
   * Each document's prefix start, the cursor offset of the prompt that last used it, and whether
   * it is short (PromptBudget.first: it moves back while the user pauses).
   */
  private readonly starts = new Map<string, { start: number; at: number; short?: boolean }>();
  /**
   * Each document's moved start not yet in use (`build(..., 'move')`): its prompt is being
   * computed beside the placed one's (CompletionRequest.spare); commitMove() puts it in place once
   * that prompt is whole, and the next move goes on from it.
   */
  private readonly pending = new Map<string, { start: number; at: number }>();

  constructor(private readonly ratio: CharsPerToken, private budget: PromptBudget = DEFAULT_BUDGET) {}

  setBudget(b: PromptBudget): void { this.budget = b; this.starts.clear(); this.pending.clear(); }

  placed(uri: string): boolean { return this.starts.has(uri); }

  /** A closed document's start (and, with `ratio`, its chars per token). */
  forget(uri: string, ratio = true): void {
    this.starts.delete(uri);
    this.pending.delete(uri);
    if (ratio) this.ratio.forget(uri);
  }

  /**
   * The start an early build moved to (its prompt is now computed) takes the placed one's place.
   * Whether there was one.
   */
  commitMove(uri: string): boolean {
    const p = this.pending.get(uri);
    if (p === undefined) return false;
    this.pending.delete(uri);
    this.starts.set(uri, p);
    return true;
  }

  /**
   * fim: the model's FIM tokens (the prompt carries the suffix between them), 'parts' (text is
   * the prefix, the suffix is returned beside it: remote endpoints with FIM fields), or undefined
   * (the prefix alone). header: text put before the prefix (cross-file snippets; it must stay
   * the same while the user types here, or the KV cache is recomputed). languageId: whose ratio
   * counts a document the engine has not seen yet. kind 'move': a prefix past its budget, or a
   * short start, moves now, without its margin (moveDue), to a start kept pending until
   * commitMove(): the placed one serves typing until then. A start that moves goes to the pending
   * one where its prefix fits; else, for 'ask', to a short one (PromptBudget.first).
   */
  build(uri: string, text: string, offset: number, fim: FimTokens | 'parts' | undefined, header = '', languageId?: string, kind: BuildKind = 'ask'): BuiltPrompt {
    const early = kind === 'move';
    const cpt = this.ratio.get(uri, languageId);
    const suffixTokens = this.suffixTokens(fim);
    const prefixChars = this.prefixChars(cpt, suffixTokens, header);
    const first = this.budget.first ?? 0;
    const shortChars = kind === 'ask' && first > 0 && first < this.budget.refill ? Math.floor(prefixChars * first) : 0;
    // The margin is for a start placed where the user types (the cursor near the last prompt's
    // end); a first placement, or a cursor that went further, keeps the budget itself.
    const placed = this.starts.get(uri);
    let start = placed?.start ?? 0;
    let short = placed?.short === true;
    const near = placed !== undefined && !early && Math.abs(offset - placed.at) <= prefixChars * (OUTGROW - 1);
    const back = early && short;
    let moved = false;
    if (back || start > offset || offset - start > prefixChars * (near ? OUTGROW : EARLY) || (start > 0 && text[start - 1] !== '\n')) {
      // Move the start: to the pending one (its prompt partly computed) where it still fits and
      // follows a line break, else to a line start leaving `refill` of the budget (or 0 if all
      // fits); a start placed for a completion or a cursor at rest is short.
      const p = this.pending.get(uri);
      const fits = p !== undefined && p.start <= offset && offset - p.start <= prefixChars * EARLY && (p.start === 0 || text[p.start - 1] === '\n');
      const want = !fits && shortChars > 0;
      // A short start moves back where a first placement with the whole budget goes: the top
      // when all of the prefix fits it, else `refill` back.
      const top = back && offset <= prefixChars * EARLY;
      start = fits ? p.start : top ? 0 : lineStartAtOrAfter(text, Math.max(0, offset - (want ? shortChars : Math.floor(prefixChars * this.budget.refill))), offset);
      short = want && start > 0;
      moved = placed !== undefined;
      // A short start with nothing before it to gain: it stays, no longer short.
      if (back && placed !== undefined && start >= placed.start) { start = placed.start; short = false; moved = false; }
    } else if (placed === undefined && shortChars > 0 && offset - start > shortChars) {
      // A first prompt within the budget from the top is short too.
      start = lineStartAtOrAfter(text, offset - shortChars, offset);
      short = true;
    }
    // A prompt at the very top (where VS Code puts the cursor of a file it opens or restores)
    // says nothing about where this document's start belongs: the placed one stays.
    if (offset > 0) {
      if (early && moved) {
        this.pending.set(uri, { start, at: offset });
      } else {
        this.starts.set(uri, { start, at: kind === 'top' ? 0 : offset, ...(short ? { short } : {}) });
        if (moved) this.pending.delete(uri);
      }
    }
    const prefix = header + text.slice(start, offset);
    if (!fim) return { text: prefix, allowSpecial: false, prefixStart: start, mode: 'prefix', suffix: '' };
    const suffixEnd = lineEndAtOrBefore(text, Math.min(text.length, offset + Math.floor(suffixTokens * cpt)), offset);
    const suffix = text.slice(offset, suffixEnd);
    if (fim === 'parts') return { text: prefix, allowSpecial: false, prefixStart: start, mode: 'prefix', suffix };
    // Control-token strings inside the user's text must stay text: only ours are parsed as special.
    return {
      text: `${fim.prefix}${stripControl(prefix, fim)}${fim.suffix}${stripControl(suffix, fim)}${fim.middle}`,
      allowSpecial: true, prefixStart: start, mode: 'fim', suffix,
    };
  }

  /**
   * Whether the prompt at `offset` has a placed start whose prefix is past its budget, within the
   * margin it may still outgrow (its start will move soon), or a short one (it moves back):
   * `build(..., 'move')` moves it now. Changes nothing.
   */
  moveDue(uri: string, text: string, offset: number, fim: FimTokens | 'parts' | undefined, header = '', languageId?: string): boolean {
    const placed = this.starts.get(uri);
    if (placed === undefined || placed.start > offset) return false;
    if (placed.short === true) return true;
    const prefixChars = this.prefixChars(this.ratio.get(uri, languageId), this.suffixTokens(fim), header);
    return offset <= text.length && offset - placed.start > prefixChars * EARLY;
  }

  /**
   * Where a warm-up of a document that just became active should end so that the prompts of the
   * cursors near its top are prefixes of it: the whole document where it fits the prefix's budget
   * from its start (0, or not placed yet); else, with the cursor at the very top (where VS Code
   * opens a file), the last line end within the budget. Undefined otherwise (the cursor's own
   * prompt is warmed). Changes nothing.
   */
  topEnd(uri: string, text: string, offset: number, fim: FimTokens | 'parts' | undefined, header = '', languageId?: string): number | undefined {
    if ((this.starts.get(uri)?.start ?? 0) !== 0) return undefined;
    const prefixChars = this.prefixChars(this.ratio.get(uri, languageId), this.suffixTokens(fim), header);
    if (text.length <= prefixChars) return text.length;
    return offset === 0 ? lineEndAtOrBefore(text, prefixChars - 1, 0) : undefined;
  }

  /** The suffix's share of the budget in tokens: none for prefix-only prompts. */
  private suffixTokens(fim: FimTokens | 'parts' | undefined): number {
    return fim ? Math.floor(this.budget.maxTokens * this.budget.suffixShare) : 0;
  }

  /** The prefix's budget in characters; a header (cross-file snippets) takes its share of it. */
  private prefixChars(cpt: number, suffixTokens: number, header: string): number {
    return Math.max(64, Math.floor((this.budget.maxTokens - suffixTokens) * cpt) - header.length);
  }
}

function lineStartAtOrAfter(text: string, from: number, limit: number): number {
  if (from === 0) return 0;
  const nl = text.indexOf('\n', from - 1);
  return nl < 0 || nl + 1 > limit ? Math.min(from, limit) : nl + 1;
}

function lineEndAtOrBefore(text: string, to: number, floor: number): number {
  if (to >= text.length) return text.length;
  const nl = text.lastIndexOf('\n', to);
  return nl < floor ? to : nl + 1;
}

function stripControl(s: string, fim: FimTokens): string {
  let out = s;
  for (const t of [fim.prefix, fim.suffix, fim.middle]) out = out.split(t).join('');
  return out;
}
