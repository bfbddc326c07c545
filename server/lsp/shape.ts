// What a raw model continuation becomes before it is shown: one line or a block, never text
// that repeats what follows the cursor, never a runaway loop, never a bracket that closes what it
// did not open. Pure functions: the unit tests pin each rule.
import { toLf } from '../../common/eol';
import { inOrder } from '../../common/text';

export interface CursorContext {
  /** The current line before the cursor. */
  linePrefix: string;
  /** The current line after the cursor. */
  lineSuffix: string;
  /** The lines after the current one (a few). */
  nextLines: string[];
}

/**
 * 'next': at the end of a line with code (typed, or a suggestion accepted there): the line break
 * and what Enter there would get, the next line and the block it starts (or, where the model goes
 * on in this line, the rest of this one).
 */
export type LineMode = 'single' | 'multi' | 'next';
export type MultilineSetting = 'auto' | 'always' | 'never';

const OPENERS = '([{';
/** A line of closers only (trimmed): `}`, `});`, `],`. */
const CLOSER_LINE = /^[)\]}]+[;,]?$/;
const CLOSERS = ')]}';

/**
 * Single line when text follows the cursor on its line (closing brackets and quotes excepted);
 * a block at the end of one: after an opener (`{`, `:`, `(`, `=>`) or on an empty line, when the
 * next non-empty line is not indented deeper (nothing of the block is written yet).
 */
export function lineMode(c: CursorContext, setting: MultilineSetting = 'auto'): LineMode {
  if (setting === 'never') return 'single';
  if (!/^[\s)\]}"'`;,]*$/.test(c.lineSuffix)) return 'single';
  if (setting === 'always') return 'multi';
  const before = c.linePrefix.trimEnd();
  // `(` and `[` open a block only at the end of the line (`foo(|)` stays one line).
  const opensBlock = /[{:]$|=>$/.test(before) || (/[([]$/.test(before) && c.lineSuffix.trim() === '');
  const emptyLine = before.length === 0;
  if (!opensBlock && !emptyLine) return 'single';
  const next = c.nextLines.find((l) => l.trim().length > 0);
  if (next === undefined) return 'multi';
  const here = indentOf(c.linePrefix);
  return indentOf(next) <= here ? 'multi' : 'single';
}

/** Stop strings for the engine in each mode. */
export function stopsFor(mode: LineMode, keepFences = true): string[] {
  // 'next': with CompletionRequest.stopAfterContent (its first line breaks are no stop).
  const stops = mode === 'single' ? ['\n'] : ['\n\n\n'];
  // A fence at a line's start ends generation there (shaping cuts one after indentation too).
  return keepFences || mode === 'single' ? stops : [...stops, '\n```'];
}

export interface ShapeOptions {
  /** At most this many lines (default 12). */
  maxLines?: number;
  /**
   * The text ends where its token budget ran out, not at a stop or a line break the model wrote:
   * its last line is unfinished. A run that repeats inside it (`python-2.10/python-2.10/...`,
   * `{0} ({1})-{2} ({3})-...`) is cut to its first time, and a block ends at the whole line
   * before it. (Not a line a time budget cut: it is finished when the user pauses, and judged then.)
   */
  open?: boolean;
  /**
   * Lines that open or close a Markdown code block (```, ```python) are the document's own: a
   * Markdown document, or one that has such a line already. Otherwise (default) the text ends
   * before such a line: the model, tuned on chat answers with their code in fences, may write one
   * where it thinks its answer is done (docs/BENCHMARKS.md, "A Markdown fence in code").
   */
  keepFences?: boolean;
}

/** A line that opens or closes a Markdown code block. */
export const FENCE_LINE = /^[ \t]*```/m;

/** Whether fence lines are a document's own (ShapeOptions.keepFences): Markdown, or a fence in it. */
export function fencesAreOwn(languageId: string, text: string): boolean {
  return /^(markdown|mdx|quarto|rmd)$/i.test(languageId) || FENCE_LINE.test(text);
}

/**
 * The text before its first fence line (at its line break), or the text where it has none. Its
 * first line starts a line only where nothing but indentation is before the cursor.
 */
function cutAtFence(text: string, linePrefix: string): string {
  const fences = new RegExp(FENCE_LINE.source, 'gm');
  for (let m = fences.exec(text); m; m = fences.exec(text)) {
    if (m.index === 0 && linePrefix.trim() !== '') continue;
    return text.slice(0, Math.max(0, text.lastIndexOf('\n', m.index)));
  }
  return text;
}

/** The text to show, or '' for nothing. */
export function shapeCompletion(raw: string, c: CursorContext, mode: LineMode, opts: ShapeOptions = {}): string {
  // Line ends as LF (a remote server may answer with CRLF; a lone CR would insert a line break).
  let text = toLf(raw);
  const lines = text.split('\n').length;
  if (opts.open) {
    // Only the line generation was still writing: a line the model ended is its own choice.
    const last = text.lastIndexOf('\n') + 1;
    text = text.slice(0, last) + cutOpenRun(text.slice(last));
  }
  if (mode === 'single') {
    const nl = text.indexOf('\n');
    if (nl >= 0) text = text.slice(0, nl);
  } else if (mode === 'next') {
    text = nextBlock(text, c, opts.maxLines ?? 12);
  } else {
    text = endOfBlock(text, c, opts.maxLines ?? 12);
  }
  if (!opts.keepFences) text = cutAtFence(text, c.linePrefix);
  text = cutRepetition(text);
  text = cutUnbalanced(text, c.linePrefix);
  text = dropRepeatOfFollowing(text, c);
  text = text.replace(/[ \t]+$/gm, '').replace(/\n+$/, '');
  // A block that ran out of tokens ends at its last whole line, where shaping kept every line and
  // so the unfinished one too: Tab takes lines the model ended, the next completion goes on.
  if (opts.open && mode !== 'single') {
    const kept = text.split('\n');
    if (kept.length >= 2 && kept.length === lines) {
      const whole = kept.slice(0, -1).join('\n').replace(/\n+$/, '');
      if (whole.trim().length > 0) text = whole;
    }
  }
  return text.trim().length === 0 ? '' : text;
}

/**
 * Enter after a statement: the editor gave the new line the indentation of the line before, and
 * the model may want another (a closing `}`, the statement after a Python block). Where the
 * Completer lets the model write the line's indentation itself (ownIndentAt: the prompt ends at
 * the line's start), `raw` is its text from there: at most two empty lines, then a line at the
 * model's indentation, shaped as at that indentation. `before`: 0 where it goes in at the cursor
 * (the model's indentation extends the editor's), else the characters before the cursor it
 * replaces (the editor's indentation). Undefined for nothing.
 */
export function shapeOwnIndent(raw: string, c: CursorContext, mode: LineMode, opts: ShapeOptions = {}): { text: string; before: number } | undefined {
  const l = contentLine(toLf(raw));
  if (!l || l.breaks > 2) return undefined;
  const shaped = shapeCompletion(l.body, { linePrefix: l.indent, lineSuffix: c.lineSuffix, nextLines: c.nextLines }, mode, opts);
  if (!shaped) return undefined;
  if (l.breaks === 0 && l.indent.startsWith(c.linePrefix)) return { text: l.indent.slice(c.linePrefix.length) + shaped, before: 0 };
  return { text: '\n'.repeat(l.breaks) + l.indent + shaped, before: c.linePrefix.length };
}

/**
 * Text that starts with white space and line breaks: the line breaks before its first line with
 * content, that line's indentation, and the text from its content on. Undefined: no content.
 */
function contentLine(text: string): { breaks: number; indent: string; body: string } | undefined {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length - 1 && (lines[i] as string).trim() === '') i++;
  const first = lines[i] as string;
  if (first.trim() === '') return undefined;
  const indent = (/^[ \t]*/.exec(first) as RegExpExecArray)[0];
  return { breaks: i, indent, body: [first.slice(indent.length), ...lines.slice(i + 1)].join('\n') };
}

/**
 * Whether the model writes the cursor's line's indentation itself (shapeOwnIndent): the line holds
 * only indentation, the cursor at its end, and it is the line before's (VS Code's Enter after a
 * statement); that line has code.
 */
export function ownIndentAt(text: string, offset: number, c: CursorContext): boolean {
  if (c.lineSuffix !== '' || c.linePrefix === '' || c.linePrefix.trim() !== '') return false;
  const lineStart = offset - c.linePrefix.length;
  if (lineStart < 1) return false;
  const prev = text.slice(text.lastIndexOf('\n', lineStart - 2) + 1, lineStart - 1);
  return prev.trim() !== '' && (/^[ \t]*/.exec(prev) as RegExpExecArray)[0] === c.linePrefix;
}

/**
 * Mode 'next': this line's rest where the model goes on in it; else the line break, at most two
 * empty lines, and the block from the next line with content on, as on an empty line at that
 * line's indentation (white space left on this line dropped).
 */
function nextBlock(text: string, c: CursorContext, maxLines: number): string {
  const first = text.split('\n', 1)[0] as string;
  if (first.length === text.length || first.trim() !== '') return first;
  const l = contentLine(text);
  if (!l || l.breaks > 3) return '';
  return '\n'.repeat(l.breaks) + l.indent + endOfBlock(l.body, { linePrefix: l.indent, lineSuffix: '', nextLines: c.nextLines }, maxLines);
}

function indentOf(line: string): number {
  const m = /^[ \t]*/.exec(line);
  return m ? m[0].replace(/\t/g, '    ').length : 0;
}

/** Multi-line: at most maxLines, and stop where a later line dedents below the block's body. */
function endOfBlock(text: string, c: CursorContext, maxLines: number): string {
  const lines = text.split('\n');
  const first = (c.linePrefix + (lines[0] ?? '')).trimEnd();
  // The body of a block opened on this line is indented deeper than this line; an empty line's
  // body is at its own indentation.
  const base = c.linePrefix.trim().length === 0 ? indentOf(c.linePrefix) : indentOf(c.linePrefix) + 1;
  const out = [lines[0] ?? ''];
  for (let i = 1; i < lines.length && out.length < maxLines; i++) {
    const l = lines[i] as string;
    if (l.trim().length > 0 && indentOf(l) < base) {
      // A closer at the opener's level ends the block it opened: keep it, then stop.
      if (/^[\s]*[)\]}]/.test(l) && /[{([]$/.test(first) && indentOf(l) === indentOf(c.linePrefix)) out.push(l);
      break;
    }
    out.push(l);
  }
  return out.join('\n');
}

/** Cuts a run of 1-4 lines written three times in a row (a loop), and a chunk repeated 3+ times at the end. */
function cutRepetition(text: string): string {
  const lines = text.split('\n');
  const key = lines.map((l) => l.trim());
  // A run of 1-4 lines written three times in a row, each time at the same or a deeper indent (a
  // loop, or nesting that never closes: `{`, `type: "list",`, `children: [` over and over) keeps
  // its first time; the third time may be cut short where generation ended. Closers at falling
  // indents (`}` three times) are code, not a loop.
  const n = lines.length;
  // Line `at` writes line `was` again (the last line may have been cut short), or is past the end.
  const again = (at: number, was: string): boolean => at >= n || key[at] === was || (at === n - 1 && key[at] !== '' && was.startsWith(key[at] as string));
  for (let i = 0; i < n; i++) {
    for (let k = 1; k <= 4 && i + 2 * k < n; k++) {
      let same = key.slice(i, i + k).some((l) => l.length > 0);
      for (let j = 0; same && j < k; j++) same = key[i + k + j] === key[i + j] && again(i + 2 * k + j, key[i + j] as string);
      if (!same) continue;
      const a = indentOf(lines[i] as string), b = indentOf(lines[i + k] as string), c = indentOf(lines[i + 2 * k] as string);
      if (b >= a && c >= b) return lines.slice(0, i + k).join('\n');
    }
  }
  const m = /([^\n]{2,40}?)\1{2,}$/.exec(text);
  if (m && m[1] && m[1].trim().length > 0) return text.slice(0, m.index + m[1].length);
  return text;
}

/**
 * An unfinished line that repeats a run of 2-40 characters (one with a letter or a bracket in it)
 * three times in a row, or four times with only its numbers changed (`{0} ({1})-`, `{2} ({3})-`),
 * keeps the run's first time. Numbers count as one character each and are no run by themselves
 * (`1000000`, `1, 1, 0, 1, ...`, `1, 2, 3, ...` are data); a finished line is never cut here
 * (`0x00, 0x00, 0x00, 0x00};` is code).
 */
export function cutOpenRun(line: string): string {
  // Each run of digits masked to one '#', with where it began in `line`.
  const at: number[] = [];
  let masked = '';
  for (let i = 0; i < line.length; i++) {
    const digit = /[0-9]/.test(line[i] as string);
    if (digit && i > 0 && /[0-9]/.test(line[i - 1] as string)) continue;
    at.push(i);
    masked += digit ? '#' : line[i];
  }
  at.push(line.length);
  const n = masked.length;
  const orig = (i: number, j: number): string => line.slice(at[i], at[j]);
  for (let p = 0; p < n; p++) {
    for (let len = 2; len <= 40 && p + 3 * len <= n; len++) {
      const unit = masked.slice(p, p + len);
      if (!/[A-Za-z_()[\]{}]/.test(unit)) continue;
      let times = 1;
      while (p + (times + 1) * len <= n && masked.slice(p + times * len, p + (times + 1) * len) === unit) times++;
      if (times < 3) continue;
      const exact = orig(p, p + len) === orig(p + len, p + 2 * len) && orig(p, p + len) === orig(p + 2 * len, p + 3 * len);
      if (exact || times >= 4) return line.slice(0, at[p + len]);
    }
  }
  return line;
}

/** Cuts at the first closer with no opener in the line prefix or the completion itself. */
function cutUnbalanced(text: string, linePrefix: string): string {
  const stack: string[] = [];
  for (const ch of stripStrings(linePrefix)) {
    if (OPENERS.includes(ch)) stack.push(ch);
    else if (CLOSERS.includes(ch)) stack.pop();
  }
  const stripped = stripStrings(text);
  for (let i = 0; i < stripped.length; i++) {
    const ch = stripped[i] as string;
    if (OPENERS.includes(ch)) stack.push(ch);
    else if (CLOSERS.includes(ch)) {
      const open = stack.pop();
      if (open === undefined) {
        // Closing a block opened on an earlier line is normal at a line start: in multi-line
        // text, or first where the cursor's line has nothing but its indentation.
        const lineStart = text.lastIndexOf('\n', i) + 1;
        if ((lineStart > 0 || linePrefix.trim() === '') && text.slice(lineStart, i).trim() === '') continue;
        return text.slice(0, i);
      }
      if (OPENERS.indexOf(open) !== CLOSERS.indexOf(ch)) return text.slice(0, i);
    }
  }
  return text;
}

/** Blanks out string literal contents (same length) so brackets inside strings do not count. */
function stripStrings(s: string): string {
  return s.replace(/(["'`])(?:\\.|(?!\1)[^\\\n])*\1/g, (m) => ' '.repeat(m.length));
}

/** Removes what the document already has after the cursor. */
function dropRepeatOfFollowing(text: string, c: CursorContext): string {
  let out = text;
  // The end of the line: `foo(|)` + completion `a, b)` -> `a, b`; but a closer the completion
  // opened itself stays (`print(|)` + `len(x)`).
  const suffix = c.lineSuffix.trimEnd();
  if (suffix.length > 0 && !out.includes('\n')) {
    const outer = new Set(scanCompletion(out, openString(c.linePrefix)).outer);
    for (let n = Math.min(suffix.length, out.length); n > 0; n--) {
      if (!out.endsWith(suffix.slice(0, n))) continue;
      if ([...out.slice(out.length - n)].some((ch, k) => CLOSERS.includes(ch) && !outer.has(out.length - n + k))) continue;
      out = out.slice(0, out.length - n);
      break;
    }
  }
  // Whole lines that the next lines already hold.
  const next = c.nextLines.map((l) => l.trim()).filter((l) => l.length > 0);
  const lines = out.split('\n');
  if (next.length > 0) {
    // A line of closers is the next line only at its indentation (`    }` before `  }` closes another block).
    const whole = (c.linePrefix + out).trimEnd();
    const nextLine = (c.nextLines.find((l) => l.trim().length > 0) as string).trimEnd();
    if (lines.length === 1 && whole.trim() === next[0] && (!CLOSER_LINE.test(next[0] as string) || whole === nextLine)) return '';
    // The completion runs into the existing text: cut before the first line that repeats it.
    const into = lines.findIndex((l, i) => i > 0 && (next[0] as string).length >= 4 && l.trim() === next[0]);
    if (into > 0) lines.length = into;
    // Its last j lines are the next j lines (a closing brace the document already has); a line
    // of closers only at the same indentation (`  }` closing the completion's own `if` is not
    // the function's `}` below it).
    const nextFull = c.nextLines.filter((l) => l.trim().length > 0).map((l) => l.trimEnd());
    const same = (l: string, i: number): boolean => (CLOSER_LINE.test(next[i] as string) ? l.trimEnd() === nextFull[i] : l.trim() === next[i]);
    for (let j = Math.min(lines.length - 1, next.length); j > 0; j--) {
      if (lines.slice(-j).every(same)) { lines.length -= j; break; }
    }
  }
  return lines.join('\n');
}

/**
 * How many characters after the cursor a completion writes itself, so that it replaces them
 * rather than going in before them: the closers and quotes the editor put there when the user
 * typed an opener (`_run(|)` + `item);` -> `_run(item);`, not `_run(item);)`). That is the line's
 * rest when it is only closers, quotes, `;` and `,`, all of them in the completion in order, its
 * closers the ones the completion closes that it did not open (`print(|)` + `len(x)` still goes in
 * before the `)`), and its quote the one that ends the string the cursor is in. Else 0.
 */
export function replacedAfter(linePrefix: string, text: string, lineSuffix: string): number {
  const rest = lineSuffix.trimEnd();
  if (rest.length === 0 || text.length === 0 || !/^[)\]}"'`;,\s]+$/.test(rest)) return 0;
  // In order in the completion (spaces aside).
  if (!inOrder(rest.replace(/\s/g, ''), text)) return 0;
  const open = openString(linePrefix);
  const r = scanCompletion(text, open);
  const outer = r.outer.map((i) => text[i]).join('');
  const closers = rest.replace(/[^)\]}]/g, '');
  const quotes = rest.replace(/[^"'`]/g, '');
  if (closers.length > 0 && !outer.endsWith(closers)) return 0;
  if (quotes.length > 1 || (quotes.length === 1 && (quotes !== open || !r.closedOpen || r.quote !== undefined))) return 0;
  return rest.length;
}

/**
 * A completion read from inside the string `open` (if the cursor is in one): where its closers
 * of brackets it did not open are (`outer`), whether it ends that string, and the string it
 * leaves open at its end.
 */
function scanCompletion(text: string, open: string | undefined): { outer: number[]; closedOpen: boolean; quote: string | undefined } {
  let quote = open;
  let closedOpen = false;
  const stack: string[] = [];
  const outer: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) { if (quote === open && !closedOpen) closedOpen = true; quote = undefined; }
      else if (ch === '\n' && quote !== '`') quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (OPENERS.includes(ch)) stack.push(ch);
    else if (CLOSERS.includes(ch)) { if (stack.length === 0) outer.push(i); else stack.pop(); }
  }
  return { outer, closedOpen, quote };
}

/** The quote of a string still open at the end of `line` (escapes and other strings read), if any. */
function openString(line: string): string | undefined {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
  }
  return quote;
}
