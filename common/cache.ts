// Suggestions by document state, so that typing the next characters of a ghost text shows the
// rest of it at once instead of asking the server again. Pure (no vscode), unit-tested.
import { toLf } from './eol';
import { inOrder } from './text';

export interface DocPoint {
  uri: string;
  /** Text before the cursor. */
  before: string;
  /** Text after the cursor. */
  after: string;
}

interface Entry {
  uri: string;
  beforeLen: number;
  /** The last characters before the cursor when the suggestion was made (a cheap identity check). */
  beforeTail: string;
  afterLen: number;
  afterHead: string;
  items: string[];
  /** Per item, characters after the point it replaces (closers the editor put there); absent: none. */
  replace?: number[];
  /**
   * Per item, characters before the point it replaces (the line's indentation, where the model
   * wrote its own); absent: none. Such an item answers at its own point only.
   */
  before?: number[];
  /** Answers at its own point only (not typed through): kept for undo after the user accepted. */
  exact?: boolean;
}

/** A cached rest: per item, what it replaces after the point (`replace`) and before it (`before`), where that is not nothing. */
export interface CacheHit { items: string[]; typed: string; replace?: number[]; before?: number[] }

/**
 * A point from the editor's text, with LF line ends as the server sees documents
 * (server/lsp/eol.ts): typing Enter through a suggestion in a CRLF document still matches its `\n`.
 */
export function docPoint(uri: string, before: string, after: string): DocPoint {
  return { uri, before: toLf(before), after: toLf(after) };
}

const TAIL = 2048;
const HEAD = 512;
/** What VS Code's auto-closing puts after the cursor as the user types openers and quotes. */
const CLOSED = /^[)\]}"'`]+$/;
const MAX_CLOSED = 8;

export class SuggestionCache {
  private entries: Entry[] = [];
  constructor(private readonly capacity = 32) {}

  /**
   * `exact`: the entry answers at this very point only (see Entry.exact); `replace` / `before`:
   * per item, the characters after / before the point it replaces (0 where absent).
   */
  put(p: DocPoint, items: string[], exact = false, replace: number[] = [], before: number[] = []): void {
    const kept = items.map((s, i) => ({ s, r: replace[i] ?? 0, b: before[i] ?? 0 })).filter((x) => x.s.length > 0);
    const useful = kept.map((x) => x.s);
    if (useful.length === 0) return;
    const counts = kept.some((x) => x.r > 0) ? kept.map((x) => x.r) : undefined;
    const behind = kept.some((x) => x.b > 0) ? kept.map((x) => x.b) : undefined;
    this.entries = this.entries.filter((e) => !(e.uri === p.uri && e.beforeLen === p.before.length && e.beforeTail === p.before.slice(-TAIL)));
    this.entries.push({
      uri: p.uri, beforeLen: p.before.length, beforeTail: p.before.slice(-TAIL),
      afterLen: p.after.length, afterHead: p.after.slice(0, HEAD), items: useful, ...(counts ? { replace: counts } : {}), ...(behind ? { before: behind } : {}), ...(exact ? { exact } : {}),
    });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /**
   * What is left of a cached suggestion once the user typed part of it: for an entry made at an
   * earlier point of the same text (text before the cursor extended by `typed`), the items that
   * start with `typed`, minus `typed`, with what each replaces after the point where that is not
   * nothing. The text after the cursor is the entry's, or the entry's less characters an item
   * replaces (typed over: VS Code steps over a closer it put there) and with closers before it
   * that the item's rest writes itself (VS Code closed an opener the user typed): the rest then
   * replaces those too. An item that replaces the line's indentation before its point answers
   * there only. Undefined when nothing fits; then, with `reindent` (the last change was a line
   * break with the editor's indentation), reindented().
   */
  get(p: DocPoint, reindent = false): CacheHit | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as Entry;
      if (e.uri !== p.uri || p.before.length < e.beforeLen) continue;
      if (p.before.slice(Math.max(0, e.beforeLen - e.beforeTail.length), e.beforeLen) !== e.beforeTail) continue;
      const typed = p.before.slice(e.beforeLen);
      if (e.exact && typed.length > 0) continue;
      const most = Math.max(0, ...(e.replace ?? []));
      // d: the entry's characters after the point now gone (typed over); x: closers now before the rest.
      for (let d = 0; d <= most; d++) {
        const x = p.after.length - (e.afterLen - d);
        if (x < 0 || x > MAX_CLOSED) continue;
        const closed = p.after.slice(0, x);
        if (x > 0 && !CLOSED.test(closed)) continue;
        if (p.after.slice(x, x + HEAD - d) !== e.afterHead.slice(d)) continue;
        const fit = e.items.map((s, k) => ({ s, r: e.replace?.[k] ?? 0, b: e.before?.[k] ?? 0 }))
          .filter((c) => c.s.startsWith(typed) && c.s.length > typed.length && c.r >= d && inOrder(closed, c.s.slice(typed.length)) && (c.b === 0 || (typed === '' && d === 0 && x === 0)))
          .map((c) => ({ s: c.s.slice(typed.length), r: c.r - d + x, b: c.b }));
        if (fit.length > 0) {
          return { items: fit.map((c) => c.s), typed, ...(fit.some((c) => c.r > 0) ? { replace: fit.map((c) => c.r) } : {}), ...(fit.some((c) => c.b > 0) ? { before: fit.map((c) => c.b) } : {}) };
        }
      }
    }
    return reindent ? this.reindented(p) : undefined;
  }

  /**
   * Enter typed through a suggestion whose next line the model indents otherwise than the editor
   * did (a `}` the model dedents, the editor keeping the line before's indentation): the rest from
   * that line on, at the model's indentation, replacing the editor's (`before`). VS Code shows it
   * at the cursor and writes the model's indentation on accept.
   */
  private reindented(p: DocPoint): CacheHit | undefined {
    const ws = (/[ \t]*$/.exec(p.before) as RegExpExecArray)[0];
    const lineStart = p.before.length - ws.length;
    if (ws === '' || p.before[lineStart - 1] !== '\n') return undefined;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as Entry;
      if (e.uri !== p.uri || e.exact || lineStart <= e.beforeLen || p.after.length !== e.afterLen || p.after.slice(0, HEAD) !== e.afterHead) continue;
      if (p.before.slice(Math.max(0, e.beforeLen - e.beforeTail.length), e.beforeLen) !== e.beforeTail) continue;
      const typed = p.before.slice(e.beforeLen, lineStart);
      const fit = e.items.filter((s, k) => (e.replace?.[k] ?? 0) === 0 && (e.before?.[k] ?? 0) === 0 && s.startsWith(typed))
        .map((s) => s.slice(typed.length))
        .filter((rest) => !rest.startsWith(ws) && (rest.split('\n')[0] as string).trim() !== '');
      if (fit.length > 0) return { items: fit, typed, before: fit.map(() => ws.length) };
    }
    return undefined;
  }

  clear(uri?: string): void {
    this.entries = uri ? this.entries.filter((e) => e.uri !== uri) : [];
  }
}
