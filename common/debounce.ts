// How long to wait after a keystroke before asking for a completion: long enough that a fast
// typist's next keystroke usually arrives first (a request it would cancel anyway), short enough
// that a pause shows ghost text at once; a slow machine (high measured latency) waits a bit more.
// A typist slow enough that a reply lands before the next keystroke is asked for at once: waiting
// for the rhythm there made every reply come after the next key, so no ghost text showed while
// typing. Pure (no vscode), unit-tested.

export interface DebounceOptions {
  minMs: number;
  maxMs: number;
  fixedMs?: number;
  /**
   * After a change that inserted a line break (Enter), wait only minMs: the user is at a fresh line
   * and usually waits for the block there (default true; false: the typing rhythm's delay).
   */
  newlineMin?: boolean;
  /**
   * After a member access ('.', '->', '::' right after a name or a closing bracket), wait only
   * minMs: where a user stops to see what comes (default true; false: the typing rhythm's delay).
   */
  memberMin?: boolean;
}

/** A keystroke after which the user usually stops: a line break, or a member access. */
export type StopKey = 'newline' | 'member';

/**
 * What kind of stop a change makes: `inserted` typed right after `before` (the text up to the
 * change; only its end is read). A line break anywhere in the insertion is 'newline'; a single '.'
 * after a name or a closing bracket (or '?' after one: '?.'), '>' completing '->', ':' completing
 * '::' are 'member' (a number's '1.', '..' are not); anything else: undefined.
 */
export function stopKey(before: string, inserted: string): StopKey | undefined {
  if (inserted.includes('\n')) return 'newline';
  const prev = before.slice(-2);
  if (inserted === '.') return /(?:[A-Za-z_$][\w$]*|[)\]])\??$/.test(before.slice(-64)) ? 'member' : undefined;
  if (inserted === '>') return /[\w)\]]-$/.test(prev) ? 'member' : undefined;
  if (inserted === ':') return /[\w>]:$/.test(prev) ? 'member' : undefined;
  return undefined;
}

/** A reply lands before the next keystroke when the latency is below this share of the typing interval. */
const LANDS = 0.7;

export class AdaptiveDebounce {
  private intervalMs = 150;
  private latencyMs = 150;
  private last = -Infinity;
  private stop: StopKey | undefined;

  constructor(private readonly opts: DebounceOptions = { minMs: 25, maxMs: 350 }) {}

  /** A document change at time `now` (ms); `stop`: it made a stop (stopKey), if any. */
  keystroke(now: number, stop?: StopKey): void {
    this.stop = stop;
    const gap = now - this.last;
    this.last = now;
    // Pauses longer than a second are not typing rhythm.
    if (gap > 0 && gap < 1000) this.intervalMs = 0.8 * this.intervalMs + 0.2 * gap;
  }

  /** The measured latency of a completion (ms). */
  latency(ms: number): void {
    if (ms >= 0 && Number.isFinite(ms)) this.latencyMs = 0.7 * this.latencyMs + 0.3 * ms;
  }

  delay(): number {
    if (this.opts.fixedMs !== undefined) return this.opts.fixedMs;
    if (this.stop === 'newline' && this.opts.newlineMin !== false) return this.opts.minMs;
    if (this.stop === 'member' && this.opts.memberMin !== false) return this.opts.minMs;
    // A reply that lands well before the next keystroke is worth asking for now: shown, and kept
    // by the client's cache while the user types into it.
    if (this.latencyMs < LANDS * this.intervalMs) return this.opts.minMs;
    const d = 0.75 * this.intervalMs + 0.1 * this.latencyMs;
    return Math.round(Math.min(this.opts.maxMs, Math.max(this.opts.minMs, d)));
  }
}
