// How long to wait after a keystroke before asking for a completion: long enough that a fast
// typist's next keystroke usually arrives first (a request it would cancel anyway), short enough
// that a pause shows ghost text at once; a slow machine (high measured latency) waits a bit more.
// Pure (no vscode), unit-tested.

export interface DebounceOptions {
  minMs: number;
  maxMs: number;
  fixedMs?: number;
  /**
   * After a change that inserted a line break (Enter), wait only minMs: the user is at a fresh line
   * and usually waits for the block there (default true; false: the typing rhythm's delay).
   */
  newlineMin?: boolean;
}

export class AdaptiveDebounce {
  private intervalMs = 150;
  private latencyMs = 150;
  private last = -Infinity;
  private newline = false;

  constructor(private readonly opts: DebounceOptions = { minMs: 25, maxMs: 350 }) {}

  /** A document change at time `now` (ms); `newline`: it inserted a line break. */
  keystroke(now: number, newline = false): void {
    this.newline = newline;
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
    if (this.newline && this.opts.newlineMin !== false) return this.opts.minMs;
    const d = 0.75 * this.intervalMs + 0.1 * this.latencyMs;
    return Math.round(Math.min(this.opts.maxMs, Math.max(this.opts.minMs, d)));
  }
}
