// Draft depth from measurements: the depth that maximises expected tokens per second,
//   E[tokens per target run](d) / (d * draft step ms + verify ms(d + 1 rows)),
// where E(d) = 1 + sum_{j<=d} s_j and s_j is the measured share of runs (among those whose draft
// reached depth j) that accepted at least j tokens (SpecStats.depthAccepted / depthReached:
// P(accepted >= j), not a conditional rate). The benchmark prints the whole curve; the server's
// "auto" depth uses the same estimate, updated after every speculative completion.
import type { SpecStats } from '../engine/types';
export interface DepthPoint { depth: number; expectedTokens: number; msPerRun: number; tokensPerS: number }

export class DepthTuner {
  /** Per depth (index d-1): runs that reached it, runs that accepted it. */
  private reached: number[] = [];
  private accepted: number[] = [];
  private draftMsPerNode: number;
  /** Verify ms by block rows (1 root + d nodes), from measurements; missing rows are interpolated. */
  private verifyMs = new Map<number, { ms: number; n: number }>();

  constructor(readonly maxDepth = 8, private readonly prior = { acceptance: 0.6, verifyRow1Ms: 15, verifyPerRowMs: 0.5, blockFactor: 1.5 }, draftMsPerNode = 0.8) {
    this.draftMsPerNode = draftMsPerNode;
  }

  /** Adds one speculative completion's measurements (chain trees: rows = depth + 1). */
  observe(s: SpecStats, depth: number): void {
    s.depthReached.forEach((n, d) => {
      this.reached[d] = (this.reached[d] ?? 0) + n;
      this.accepted[d] = (this.accepted[d] ?? 0) + (s.depthAccepted[d] ?? 0);
    });
    if (s.targetRuns > 0) {
      if (s.drafted > 0) this.draftMsPerNode = 0.7 * this.draftMsPerNode + 0.3 * (s.draftMs / s.drafted);
      const rows = depth + 1;
      const v = this.verifyMs.get(rows) ?? { ms: 0, n: 0 };
      const n = v.n + s.targetRuns;
      this.verifyMs.set(rows, { ms: (v.ms * v.n + s.verifyMs) / n, n });
    }
  }

  /**
   * P(at least d tokens accepted) for d = 1..maxDepth, for a draft reaching depth d: measured,
   * with a prior of 4 runs, and never above the share at the depth before.
   */
  shares(): number[] {
    const out: number[] = [];
    let before = 1;
    for (let d = 1; d <= this.maxDepth; d++) {
      const r = this.reached[d - 1] ?? 0;
      const a = this.accepted[d - 1] ?? 0;
      const prior = before * this.prior.acceptance;
      before = Math.min((a + 4 * prior) / (r + 4), before);
      out.push(before);
    }
    return out;
  }

  /**
   * Verify ms for a block of `rows`: measured, else the nearest measured multi-row block shifted
   * by the prior slope (one-row runs use another kernel and are not a guide for blocks).
   */
  verifyCost(rows: number): number {
    const exact = this.verifyMs.get(rows);
    if (exact && (exact.n >= 3 || rows === 1)) return exact.ms;
    if (rows === 1) return this.prior.verifyRow1Ms;
    const known = [...this.verifyMs.entries()].filter(([r, v]) => r >= 2 && v.n > 0);
    // Before any block was measured: a 2-row block costs blockFactor one-row steps (ORT's 4-bit
    // matmuls take another path for 2+ rows; docs/BENCHMARKS.md measured about 1.5x).
    if (known.length === 0) return this.prior.blockFactor * this.verifyCost(1) + this.prior.verifyPerRowMs * (rows - 2);
    let best = known[0] as [number, { ms: number }];
    for (const k of known) if (Math.abs(k[0] - rows) < Math.abs(best[0] - rows)) best = k;
    return Math.max(0.1, best[1].ms + this.prior.verifyPerRowMs * (rows - best[0]));
  }

  /** Plain decoding's ms per token (a one-row target run). */
  observePlain(msPerToken: number, tokens: number): void {
    if (tokens <= 0 || !(msPerToken > 0)) return;
    const v = this.verifyMs.get(1) ?? { ms: 0, n: 0 };
    const n = v.n + tokens;
    this.verifyMs.set(1, { ms: (v.ms * v.n + msPerToken * tokens) / n, n });
  }

  /** Depth 0 is plain decoding (no draft): drafting must beat it to be chosen. */
  curve(): DepthPoint[] {
    const out: DepthPoint[] = [{ depth: 0, expectedTokens: 1, msPerRun: this.verifyCost(1), tokensPerS: 1000 / this.verifyCost(1) }];
    let expected = 1;
    const shares = this.shares();
    for (let d = 1; d <= this.maxDepth; d++) {
      expected += shares[d - 1] as number;
      const ms = d * this.draftMsPerNode + this.verifyCost(d + 1);
      out.push({ depth: d, expectedTokens: expected, msPerRun: ms, tokensPerS: (1000 * expected) / ms });
    }
    return out;
  }

  best(): DepthPoint {
    return this.curve().reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a));
  }
}
