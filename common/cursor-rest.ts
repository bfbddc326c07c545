// When to warm the prompt at the cursor: a document that becomes active, and a cursor the user
// moved (click, arrows, Ctrl+End, go to definition) that then rests there for a moment (shorter
// after a click or a jump). The server prefills that prompt at its lowest priority (any completion request
// cancels it, and it only computes what its KV cache lacks), so the first completion typed there
// is not a cold one: on a 1,600-token TypeScript file that cold prefill took 7.7 s in
// code-server. Typing cancels a pending warm-up, and the cursor moves typing makes are not rests
// (the completion request each keystroke triggers prefills anyway). Pure (no vscode), tested.

export interface CursorAt { uri: string; line: number; character: number }

export interface Timers {
  set(f: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

const REAL_TIMERS: Timers = { set: (f, ms) => setTimeout(f, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>), now: () => Date.now() };

/** A cursor move this soon after an edit is the edit's own (VS Code reports typing as a Keyboard move). */
const EDIT_MOVE_MS = 100;
/**
 * The rest after a click or a jump. A click puts the cursor where the user means to type (often
 * Enter at a line's end a moment later), and so do Ctrl+End / Ctrl+Home and commands (go to line,
 * to definition), where arrows and Page Down pass through places; a second click within it
 * replaces the first, and a warm-up the user leaves gives way after one chunk.
 */
export const CLICK_REST_MS = 100;

/** How the cursor moved: VS Code's TextEditorSelectionChangeKind, by name. */
export type MoveKind = 'mouse' | 'keyboard' | 'command';

export class CursorRest {
  private pending: unknown;
  private last: CursorAt | undefined;
  /** Where the cursor was last seen moving (undefined after typing: not known here). */
  private seen: CursorAt | undefined;
  private typedAt = -Infinity;

  constructor(private readonly warm: (at: CursorAt, reason: 'active' | 'rest') => void, private readonly restMs = 400, private readonly timers: Timers = REAL_TIMERS) {}

  /** The active editor changed: warm its cursor now. */
  activated(at: CursorAt): void {
    this.cancel();
    this.seen = at;
    this.fire(at, 'active');
  }

  /**
   * The user moved the cursor (not by typing): warm it once it has rested restMs, or CLICK_REST_MS
   * after a jump: a click, a command, or keys that land on the document's first or last line
   * (`lines`: its line count) from another line than the one next to it (Ctrl+Home, Ctrl+End).
   */
  moved(at: CursorAt, kind: MoveKind = 'keyboard', lines?: number): void {
    if (this.timers.now() - this.typedAt < EDIT_MOVE_MS) return;
    const from = this.seen?.uri === at.uri ? this.seen : undefined;
    this.seen = at;
    this.cancel();
    if (same(at, this.last)) return;
    const edge = lines !== undefined && (at.line === 0 || at.line === lines - 1) && (from === undefined || Math.abs(from.line - at.line) > 1);
    const jump = kind !== 'keyboard' || edge;
    this.pending = this.timers.set(() => { this.pending = undefined; this.fire(at, 'rest'); }, jump ? Math.min(CLICK_REST_MS, this.restMs) : this.restMs);
  }

  /** The user typed: the completion request that follows does the work. */
  typed(): void {
    this.cancel();
    this.last = undefined;
    this.seen = undefined;
    this.typedAt = this.timers.now();
  }

  cancel(): void {
    if (this.pending !== undefined) this.timers.clear(this.pending);
    this.pending = undefined;
  }

  private fire(at: CursorAt, reason: 'active' | 'rest'): void {
    this.last = at;
    this.warm(at, reason);
  }
}

function same(a: CursorAt, b: CursorAt | undefined): boolean {
  return b !== undefined && a.uri === b.uri && a.line === b.line && a.character === b.character;
}
