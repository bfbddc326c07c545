// VS Code's auto-closing pairs and overtype, as the typing trace's simulated editor applies them
// (TraceOptions.autoClose): typing `(`, `[`, `{` or a quote puts its closer after the cursor when
// the next character allows it (VS Code's default autoCloseBefore: whitespace, the line's end,
// `;:.,=}])>`), and typing a closer the editor put there steps over it. A model, not VS Code:
// an opener is closed only where the text being typed closes it later on the same line (so that
// the typist's own closer steps over it), and closers still there when the typist types a line
// break are taken out (the typist deletes them). Pure, unit-tested.

const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '"': '"', "'": "'", '`': '`' };
const CLOSE_BEFORE = /^($|[\s;:.,=}\])>])/;

/** One keystroke's effect on the document, as a replacement at the cursor. */
export interface AutoCloseStep {
  /** Characters after the cursor the edit replaces (1 when stepping over a closer; at a line break, the closers taken out). */
  replaced: number;
  /** The text the edit writes at the cursor: the typed character (now before the cursor), and the closer VS Code adds. */
  text: string;
}

export class AutoCloser {
  /** Closers the editor put right after the cursor, not yet stepped over (the first is next). */
  private pending = 0;

  /** How many closers the editor put after the cursor are still there. */
  get closers(): number {
    return this.pending;
  }

  /**
   * The edit for typing `ch` with `before` / `after` the cursor; `rest`: the text the typist will
   * type next on this line (from `ch` on, without the line break).
   */
  type(ch: string, before: string, after: string, rest: string): AutoCloseStep {
    if (this.pending > 0 && ch === '\n') {
      // The typist takes out the closers the editor added on this line before going on.
      const n = this.pending;
      this.pending = 0;
      return { replaced: n, text: ch };
    }
    if (this.pending > 0 && after[0] === ch) {
      this.pending--;
      return { replaced: 1, text: ch };
    }
    const close = PAIRS[ch];
    if (close !== undefined && CLOSE_BEFORE.test(after) && closesLater(ch, close, rest.slice(1)) && (ch === close ? quoteOpens(before, ch) : true)) {
      this.pending++;
      return { replaced: 0, text: ch + close };
    }
    return { replaced: 0, text: ch };
  }
}

/** Whether `rest` closes what `open` opens (the bracket nesting counted; a quote's next occurrence). */
function closesLater(open: string, close: string, rest: string): boolean {
  if (open === close) return rest.includes(close);
  let depth = 0;
  for (const c of rest) {
    if (c === open) depth++;
    else if (c === close && depth-- === 0) return true;
  }
  return false;
}

/** A quote typed here opens a string (VS Code: not after a word character, not inside a string on this line). */
function quoteOpens(before: string, q: string): boolean {
  const line = before.slice(before.lastIndexOf('\n') + 1);
  if (/[\p{L}\p{N}_]$/u.test(line)) return false;
  return (line.split(q).length - 1) % 2 === 0;
}
