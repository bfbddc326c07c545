// Draft depth from measurements: the depth d that maximises expected tokens per second,
//   E[tokens per target run](d) / E[ms per target run](d).
// A drafter does not always propose a full chain: n-gram lookup finds no match in many runs, and
// a match may continue for fewer than d tokens. So, per depth j:
//   reach_j  = P(the draft reaches depth j)          (runs reaching j / runs that asked for >= j)
//   accept_j = P(accepted >= j | the draft reached j) (SpecStats.depthAccepted / depthReached)
//   E(d)     = 1 + sum_{j<=d} reach_j * accept_j
//   ms(d)    = other + draft ms per node * sum_{j<=d} reach_j
//              + sum_{r=1}^{d+1} P(block of r rows) * verify ms(r rows),
// where P(r rows) = reach_{r-1} - reach_r (reach_0 = 1, reach_{d+1} = 0) and verify ms(r) is
// measured per block size (SpecStats.rowsRuns/rowsMs; a run with no proposal is a 1-row step).
// The benchmark prints the curve beside the measured tokens/s of each configuration; the server's
// "auto" depth uses the same estimate, updated after every completion.
import type { SpecStats } from '../engine/types';

export interface DepthPoint { depth: number; expectedTokens: number; msPerRun: number; tokensPerS: number }

export interface TunerPrior {
  /** P(accepted >= j | reached j) / P(accepted >= j - 1 | reached j - 1) before measurements. */
  acceptance: number;
  /** P(reach j) / P(reach j - 1) before measurements (1 for a head, which always drafts). */
  reach: number;
  /** P(reach 1) before measurements, where it differs from `reach` (the hybrid always drafts one). */
  reach1?: number;
  verifyRow1Ms: number;
  verifyPerRowMs: number;
  /** A 2-row block costs this many 1-row steps before any block was measured. */
  blockFactor: number;
}

export const DEFAULT_PRIOR: TunerPrior = { acceptance: 0.6, reach: 1, verifyRow1Ms: 15, verifyPerRowMs: 0.5, blockFactor: 1.5 };

/** Runs of weight 4 stand for the prior until measurements outweigh it. */
const PRIOR_RUNS = 4;

export class DepthTuner {
  /** Per depth (index j-1): runs that asked for depth >= j, reached it, and accepted >= j. */
  private asked: number[] = [];
  private reached: number[] = [];
  private accepted: number[] = [];
  /** Draft ms and nodes measured (the prior counts as PRIOR_RUNS nodes). */
  private draft: { ms: number; nodes: number };
  private otherMs = { ms: 0, runs: 0 };
  /** Verify ms by block rows (1 root + drafted nodes), from measurements; missing rows are interpolated. */
  private verifyMs = new Map<number, { ms: number; n: number }>();

  constructor(readonly maxDepth = 8, private readonly prior: TunerPrior = DEFAULT_PRIOR, draftMsPerNode = 0.8) {
    this.draft = { ms: PRIOR_RUNS * draftMsPerNode, nodes: PRIOR_RUNS };
  }

  /** Adds one speculative completion's measurements, drafted with chains of depth `depth`. */
  observe(s: SpecStats, depth: number): void {
    if (s.targetRuns <= 0) return;
    for (let j = 1; j <= Math.min(depth, this.maxDepth); j++) this.asked[j - 1] = (this.asked[j - 1] ?? 0) + s.targetRuns;
    s.depthReached.forEach((n, d) => {
      this.reached[d] = (this.reached[d] ?? 0) + n;
      this.accepted[d] = (this.accepted[d] ?? 0) + (s.depthAccepted[d] ?? 0);
    });
    this.draft = { ms: this.draft.ms + s.draftMs, nodes: this.draft.nodes + s.drafted };
    this.otherMs = { ms: this.otherMs.ms + Math.max(0, s.otherMs), runs: this.otherMs.runs + s.targetRuns };
    s.rowsRuns.forEach((n, i) => { if (n > 0) this.addVerify(i + 1, (s.rowsMs[i] ?? 0) / n, n); });
  }

  /** Plain decoding's ms per token (a one-row target run). */
  observePlain(msPerToken: number, tokens: number): void {
    if (tokens > 0 && msPerToken > 0) this.addVerify(1, msPerToken, tokens);
  }

  private addVerify(rows: number, ms: number, n: number): void {
    const v = this.verifyMs.get(rows) ?? { ms: 0, n: 0 };
    const total = v.n + n;
    this.verifyMs.set(rows, { ms: (v.ms * v.n + ms * n) / total, n: total });
  }

  /** reach_j for j = 1..maxDepth: measured, with the prior's weight, never above reach_{j-1}. */
  reach(): number[] {
    return this.chained(this.reached, this.asked, this.prior.reach, this.prior.reach1);
  }

  /**
   * accept_j = P(accepted >= j | the draft reached j) for j = 1..maxDepth: measured, with the
   * prior's weight, and never above the value at the depth before.
   */
  shares(): number[] {
    return this.chained(this.accepted, this.reached, this.prior.acceptance);
  }

  /**
   * hits_j / of_j per depth, shrunk towards (value at j-1) * ratio (at j = 1: `first`, default
   * ratio) by PRIOR_RUNS, never rising.
   */
  private chained(hits: number[], of: number[], ratio: number, first = ratio): number[] {
    const out: number[] = [];
    let before = 1;
    for (let j = 1; j <= this.maxDepth; j++) {
      const prior = j === 1 ? first : before * ratio;
      before = Math.min(((hits[j - 1] ?? 0) + PRIOR_RUNS * prior) / ((of[j - 1] ?? 0) + PRIOR_RUNS), before);
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
    const known = [...this.verifyMs.entries()].filter(([r, v]) => r >= 2 && v.n >= 3);
    if (rows === 1) {
      // A drafter that always proposes (a head, the hybrid) never runs a 1-row step: plain
      // decoding's cost then follows from its smallest measured block, not from the prior alone.
      if (known.length === 0) return this.prior.verifyRow1Ms;
      const [r, v] = known.reduce((a, b) => (b[0] < a[0] ? b : a));
      return Math.max(0.1, (v.ms - this.prior.verifyPerRowMs * (r - 2)) / this.prior.blockFactor);
    }
    if (known.length === 0) return this.prior.blockFactor * this.verifyCost(1) + this.prior.verifyPerRowMs * (rows - 2);
    let best = known[0] as [number, { ms: number }];
    for (const k of known) if (Math.abs(k[0] - rows) < Math.abs(best[0] - rows)) best = k;
    return Math.max(0.1, best[1].ms + this.prior.verifyPerRowMs * (rows - best[0]));
  }

  /** Depth 0 is plain decoding (no draft): drafting must beat it to be chosen. */
  curve(): DepthPoint[] {
    const plain = this.verifyCost(1);
    const out: DepthPoint[] = [{ depth: 0, expectedTokens: 1, msPerRun: plain, tokensPerS: 1000 / plain }];
    const reach = this.reach();
    const acc = this.shares();
    const other = this.otherMs.runs > 0 ? this.otherMs.ms / this.otherMs.runs : 0;
    for (let d = 1; d <= this.maxDepth; d++) {
      let expected = 1;
      let nodes = 0;
      let verify = 0;
      for (let j = 0; j <= d; j++) {
        const here = j === 0 ? 1 : (reach[j - 1] as number);
        const next = j === d ? 0 : (reach[j] as number);
        verify += (here - next) * this.verifyCost(j + 1);
        if (j > 0) { expected += here * (acc[j - 1] as number); nodes += here; }
      }
      const ms = other + (nodes * this.draft.ms) / this.draft.nodes + verify;
      out.push({ depth: d, expectedTokens: expected, msPerRun: ms, tokensPerS: (1000 * expected) / ms });
    }
    return out;
  }

  best(): DepthPoint {
    return this.curve().reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a));
  }

  /**
   * The deepest depth measured so far (0: none). Beyond it the curve rests on the prior, whose
   * per-row verify cost cannot know where the runtime's kernels turn expensive (fp32 blocks cost
   * ~0.6 ms per row up to 5 rows and several times that at 8-16 rows), so "auto" climbs one depth
   * at a time instead of jumping to the prior's deepest point.
   */
  measuredDepth(): number {
    let d = 0;
    while (d < this.maxDepth && (this.asked[d] ?? 0) > 0) d++;
    return d;
  }
}
