// Draft depths from measurements: the tuner models each draft source as it behaves (lookup, the
// trained head), from what the speculative loop measured (SpecStats.sources), and gives the
// expected tokens per second of every mix of lookup chain depth and head chain depth, plain
// decoding included (SourceTuner, below). The benchmark prints its estimate beside the measured
// tokens/s of each configuration; the server's "auto" chooses by the same estimate, updated after
// every completion.
import type { GrowthStats, SourceStats, SpecStats } from '../engine/types';

/** One depth of a curve (the benchmark's per-head curves). */
export interface DepthPoint { depth: number; expectedTokens: number; msPerRun: number; tokensPerS: number }

/** Verify costs before measurements. */
export interface TunerPrior {
  verifyRow1Ms: number;
  verifyPerRowMs: number;
  /** A 2-row block costs this many 1-row steps before any block was measured. */
  blockFactor: number;
}

export const DEFAULT_PRIOR: TunerPrior = { verifyRow1Ms: 15, verifyPerRowMs: 0.5, blockFactor: 1.5 };

/** Runs of weight 4 stand for the prior until measurements outweigh it. */
const PRIOR_RUNS = 4;

/**
 * hits_j / of_j for j = 1..depth, shrunk towards (value at j-1) * ratio (at j = 1: `first`,
 * default ratio) by PRIOR_RUNS, never rising.
 */
function chained(hits: readonly number[], of: readonly number[], depth: number, ratio: number, first = ratio): number[] {
  const out: number[] = [];
  let before = 1;
  for (let j = 1; j <= depth; j++) {
    const prior = j === 1 ? first : before * ratio;
    before = Math.min(((hits[j - 1] ?? 0) + PRIOR_RUNS * prior) / ((of[j - 1] ?? 0) + PRIOR_RUNS), before);
    out.push(before);
  }
  return out;
}

/** Verify ms by block rows (1 root + drafted nodes), from measurements; missing rows are interpolated. */
export class BlockCosts {
  private readonly verifyMs = new Map<number, { ms: number; n: number }>();

  constructor(private readonly prior: TunerPrior) {}

  observe(s: SpecStats): void {
    s.rowsRuns.forEach((n, i) => { if (n > 0) this.add(i + 1, (s.rowsMs[i] ?? 0) / n, n); });
  }

  /** Plain decoding's ms per token (a one-row target run). */
  observePlain(msPerToken: number, tokens: number): void {
    if (tokens > 0 && msPerToken > 0) this.add(1, msPerToken, tokens);
  }

  private add(rows: number, ms: number, n: number): void {
    const v = this.verifyMs.get(rows) ?? { ms: 0, n: 0 };
    const total = v.n + n;
    this.verifyMs.set(rows, { ms: (v.ms * v.n + ms * n) / total, n: total });
  }

  /**
   * Verify ms for a block of `rows`: measured, else the nearest measured multi-row block shifted
   * by the prior slope (one-row runs use another kernel and are not a guide for blocks).
   */
  cost(rows: number): number {
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
    if (known.length === 0) return this.prior.blockFactor * this.cost(1) + this.prior.verifyPerRowMs * (rows - 2);
    let best = known[0] as [number, { ms: number }];
    for (const k of known) if (Math.abs(k[0] - rows) < Math.abs(best[0] - rows)) best = k;
    return Math.max(0.1, best[1].ms + this.prior.verifyPerRowMs * (rows - best[0]));
  }

}

/**
 * One source's runs (lookup, or the head): P(reach j | it proposed, asked for >= j), P(accepted
 * >= j | reached j), and its draft ms by nodes drafted.
 */
class SourceModel {
  readonly asked: number[] = [];
  readonly reached: number[] = [];
  readonly accepted: number[] = [];
  private readonly ms = new Map<number, { ms: number; n: number }>();
  runs = 0;

  add(x: SourceStats, depth: number): void {
    this.runs += x.runs;
    for (let j = 1; j <= depth; j++) this.asked[j - 1] = (this.asked[j - 1] ?? 0) + x.runs;
    x.depthReached.forEach((n, d) => {
      if (d >= depth) return;
      this.reached[d] = (this.reached[d] ?? 0) + n;
      this.accepted[d] = (this.accepted[d] ?? 0) + (x.depthAccepted[d] ?? 0);
    });
    x.nodesRuns.forEach((n, nodes) => {
      if (!(n > 0)) return;
      const v = this.ms.get(nodes) ?? { ms: 0, n: 0 };
      this.ms.set(nodes, { ms: v.ms + (x.nodesMs[nodes] ?? 0), n: v.n + n });
    });
  }

  /** Mean draft ms of a run, with the prior's weight. */
  meanMs(prior: number): number {
    let ms = PRIOR_RUNS * prior;
    let n = PRIOR_RUNS;
    for (const v of this.ms.values()) { ms += v.ms; n += v.n; }
    return ms / n;
  }

  /**
   * Draft ms of a run of `nodes` nodes: measured (3 runs or more), else the nearest measured
   * count shifted by `perNode` per node, else the prior.
   */
  draftMs(nodes: number, first: number, perNode: number): number {
    const exact = this.ms.get(nodes);
    if (exact && exact.n >= 3) return exact.ms / exact.n;
    const known = [...this.ms.entries()].filter(([, v]) => v.n >= 3);
    if (known.length === 0) return nodes === 0 ? 0 : first + perNode * (nodes - 1);
    const [k, v] = known.reduce((a, b) => (Math.abs(b[0] - nodes) < Math.abs(a[0] - nodes) ? b : a));
    return Math.max(0, v.ms / v.n + perNode * (nodes - k));
  }
}

/** A source's chain: reach by depth, expected tokens, verify ms, P(a whole chain of D drafted and accepted). */
interface Chain { reach: number[]; tokens: number; verify: number; whole: (D: number) => number }

interface Core { point: GridPoint; whole: number; silent: number }

/**
 * A point of the hybrid's grid: lookup chains of `lookup` tokens (the prompt's matches, then, with
 * `store`, the repository datastore's), head chains of `head` where lookup is silent.
 */
export interface GridPoint { lookup: number; head: number; store: boolean; expectedTokens: number; msPerRun: number; tokensPerS: number }

export interface SourcePriors {
  /** P(the prompt's lookup proposes anything), P(the datastore does where the prompt did not), before measurements. */
  lookupRate: number;
  storeRate: number;
  /** P(a lookup chain reaches j | it reached j - 1). */
  lookupReach: number;
  /** P(accepted >= j | reached j) / the same at j - 1, per source. */
  lookupAcceptance: number;
  storeAcceptance: number;
  headAcceptance: number;
  /** Draft ms: a lookup, a one-node head chain, and each head node after the first. */
  lookupMs: number;
  headFirstMs: number;
  headNodeMs: number;
}

/**
 * The hybrid drafter's sources modelled apart (issue 12: the probability that a source proposes
 * at all, acceptance by depth given it proposed, draft and verify cost by block size), so one
 * measured model covers lookup alone (head 0), the head alone (lookup 0), the hybrid, and plain
 * decoding (0, 0), all learned on the same prompts. Per run with lookup chains of d and head
 * chains of h:
 *   p      = P(the prompt's lookup proposes) (0 where d = 0)
 *   q      = P(the datastore proposes | the prompt did not) (0 with the store off)
 *   tokens = p * T_lookup(d) + (1 - p) * (q * T_store(d) + (1 - q) * T_head(h)),
 *            T(d) = 1 + sum_{j<=d} reach_j acc_j of that source
 *   ms     = other + p * (lookup ms + E[verify | lookup block]) + (1 - p) q (the same for the store)
 *                  + (1 - p)(1 - q) * (head ms(h) + E[verify | head block])   (h > 0; a head run's
 *                                                               ms include the lookups tried first)
 *                  + (1 - p)(1 - q) * (silent lookup ms + a one-row step)      (h = 0)
 * The head's acceptance is measured where lookup left it the run, the harder positions: the head
 * alone (d = 0) is estimated from them, a conservative guess.
 */
export class SourceTuner {
  private readonly lookup = new SourceModel();
  private readonly store = new SourceModel();
  private readonly head = new SourceModel();
  /** Runs the prompt's lookup left to the datastore (store on). */
  private storeTried = 0;
  /** Runs that asked lookup (d > 0); runs it was silent in with the head off, and their draft ms. */
  private tried = 0;
  private silent = { runs: 0, ms: 0 };
  private otherMs = { ms: 0, runs: 0 };
  private readonly blocks: BlockCosts;
  /** The deepest lookup and head chains asked for so far (auto chooses within them and explores one past). */
  measured = { lookup: 0, head: 0 };

  /** Chains that grow: runs by the depth asked (base and grown), and the grown depths' runs modelled apart. */
  private readonly growth = new Map<number, GrowthStats>();
  private readonly grown = new Map<number, SourceTuner>();

  constructor(readonly maxDepth = 8, private readonly prior: TunerPrior = DEFAULT_PRIOR, private readonly p: SourcePriors = DEFAULT_SOURCE_PRIORS, blocks?: BlockCosts) {
    this.blocks = blocks ?? new BlockCosts(prior);
  }

  /**
   * One speculative completion drafted with lookup chains of `d` and head chains of `h` (0: that
   * source off), the datastore consulted where the prompt has no match when `store`. With chains
   * that grow (TreeParams.grow, SpecStats.growth), the runs at a grown depth D (sources 'lookup@D'
   * etc.) go to a model of their own, so the base depth's stays the base depth's.
   */
  observe(s: SpecStats, d: number, h: number, store = false): void {
    if (s.targetRuns <= 0) return;
    this.blocks.observe(s);
    if (!s.growth) { this.add(s, d, h, store); return; }
    for (const [D, g] of Object.entries(s.growth)) {
      const x = this.growth.get(Number(D)) ?? { runs: 0, up: 0, silent: 0 };
      this.growth.set(Number(D), { runs: x.runs + g.runs, up: x.up + g.up, silent: x.silent + g.silent });
    }
    // The runs of each depth asked: their sources, without the depth's tag.
    const states = new Map<number, Record<string, SourceStats>>();
    for (const [key, v] of Object.entries(s.sources ?? {})) {
      const [name, at] = key.split('@');
      const D = at === undefined ? 0 : Number(at);
      const m = states.get(D) ?? {};
      m[name as string] = v;
      states.set(D, m);
    }
    for (const [D, sources] of states) {
      const runs = Object.values(sources).reduce((n, v) => n + v.runs, 0);
      const view: SpecStats = { ...s, targetRuns: runs, otherMs: (s.otherMs * runs) / s.targetRuns, sources, growth: undefined };
      if (D === 0) this.add(view, d, h, store);
      else this.grownAt(D).add(view, d > 0 ? D : 0, d > 0 ? h : D, store);
    }
  }

  private grownAt(D: number): SourceTuner {
    let t = this.grown.get(D);
    if (!t) this.grown.set(D, (t = new SourceTuner(this.maxDepth, this.prior, this.p, this.blocks)));
    return t;
  }

  /** One completion's runs at one chain depth (blocks already counted). */
  private add(s: SpecStats, d: number, h: number, store: boolean): void {
    if (s.targetRuns <= 0) return;
    this.otherMs = { ms: this.otherMs.ms + Math.max(0, s.otherMs), runs: this.otherMs.runs + s.targetRuns };
    this.measured = { lookup: Math.max(this.measured.lookup, d), head: Math.max(this.measured.head, h) };
    const src = s.sources ?? {};
    if (d > 0) {
      // Runs that continued an earlier output (DraftContext.recent) are no measure of lookup in
      // the prompt: left out, with their deeper chains.
      const tried = s.targetRuns - (src.recent?.runs ?? 0);
      this.tried += tried;
      const l = src.lookup;
      if (l) this.lookup.add(l, d);
      if (store) {
        this.storeTried += tried - (l?.runs ?? 0);
        if (src.store) this.store.add(src.store, d);
      }
      // With the head off, the runs lookup left drafted nothing: what looking cost them.
      const none = src.none;
      if (h === 0 && none) this.silent = { runs: this.silent.runs + none.runs, ms: this.silent.ms + (none.nodesMs[0] ?? 0) };
    }
    if (h > 0 && src.head) this.head.add(src.head, h);
  }

  /** Plain decoding's ms per token (a one-row target run). */
  observePlain(msPerToken: number, tokens: number): void {
    this.blocks.observePlain(msPerToken, tokens);
  }

  /** P(the prompt's lookup proposes anything), with the prior's weight. */
  lookupRate(): number {
    return (this.lookup.runs + PRIOR_RUNS * this.p.lookupRate) / (this.tried + PRIOR_RUNS);
  }

  /** P(the datastore proposes | the prompt's lookup did not), with the prior's weight. */
  storeRate(): number {
    return (this.store.runs + PRIOR_RUNS * this.p.storeRate) / (this.storeTried + PRIOR_RUNS);
  }

  /**
   * Expected tokens per run, ms per run and tokens/s with lookup chains of d (the store's too, with
   * `store`) and head chains of h; with `grow` > the chain's depth (lookup's, or the head's alone),
   * chains that double after a whole accepted chain up to `grow`: a Markov chain over the depths
   * asked (d, 2d, ..., grow), each depth's runs modelled apart, weighted by its stationary share.
   */
  point(d: number, h: number, store = false, grow = 0): GridPoint {
    const base = this.core(d, h, store);
    const lead = d > 0 ? d : h;
    if (!(grow > lead) || lead === 0) return base.point;
    const depths = [lead];
    while ((depths.at(-1) as number) < grow) depths.push(Math.min(grow, 2 * (depths.at(-1) as number)));
    const at = depths.map((D, i) => (i === 0 ? base : this.grownAt(D).core(d > 0 ? D : 0, d > 0 ? h : D, store)));
    // P(the next run is one depth deeper) and P(it keeps the depth: nothing drafted), measured
    // and shrunk towards the model's own P(a whole chain of D accepted) and P(silent).
    const rate = (D: number, k: 'up' | 'silent', prior: number): number => {
      const g = this.growth.get(D);
      return ((g?.[k] ?? 0) + PRIOR_RUNS * prior) / ((g?.runs ?? 0) + PRIOR_RUNS);
    };
    const up = depths.map((D, i) => rate(D, 'up', (at[i] as Core).whole));
    const silent = depths.map((D, i) => rate(D, 'silent', (at[i] as Core).silent));
    // Stationary shares: pi_i = pi_{i-1} up_{i-1} / (1 - silent_i), the deepest also keeping its up.
    const pi = [1];
    for (let i = 1; i < depths.length; i++) {
      const last = i === depths.length - 1;
      pi.push(((pi[i - 1] as number) * (up[i - 1] as number)) / Math.max(1e-6, 1 - (silent[i] as number) - (last ? (up[i] as number) : 0)));
    }
    const w = pi.reduce((a, b) => a + b, 0);
    const tokens = at.reduce((a, x, i) => a + (pi[i] as number) * x.point.expectedTokens, 0) / w;
    const ms = at.reduce((a, x, i) => a + (pi[i] as number) * x.point.msPerRun, 0) / w;
    return { ...base.point, expectedTokens: tokens, msPerRun: ms, tokensPerS: (1000 * tokens) / ms };
  }

  /** A point at one chain depth, with P(a whole chain of the depth asked is drafted and accepted) and P(nothing is drafted). */
  private core(d: number, h: number, store: boolean): Core {
    const plain = this.blocks.cost(1);
    if (d === 0 && h === 0) return { point: { lookup: 0, head: 0, store: false, expectedTokens: 1, msPerRun: plain, tokensPerS: 1000 / plain }, whole: 0, silent: 1 };
    const other = this.otherMs.runs > 0 ? this.otherMs.ms / this.otherMs.runs : 0;
    const p = d > 0 ? this.lookupRate() : 0;
    // Each source's block, given it proposed (so it reaches depth 1): the prompt's lookup, the
    // datastore's where the prompt had no match, the head's where lookup was silent (where h = 0,
    // a one-row step). A source that cannot run is not modelled.
    const none: Chain = { reach: [], tokens: 1, verify: plain, whole: () => 0 };
    const q = store && d > 0 ? this.storeRate() : 0;
    const L = d > 0 ? this.chain(this.lookup, d, this.p.lookupReach, this.p.lookupAcceptance) : none;
    const S = q > 0 ? this.chain(this.store, d, this.p.lookupReach, this.p.storeAcceptance) : none;
    const H = h > 0 ? this.chain(this.head, h, 1, this.p.headAcceptance) : none;
    let headMs = 0;
    for (let j = 1; j <= h; j++) headMs += ((H.reach[j - 1] as number) - (j === h ? 0 : (H.reach[j] as number))) * this.head.draftMs(j, this.p.headFirstMs, this.p.headNodeMs);
    const silentMs = d === 0 ? 0 : h === 0 ? (this.silent.runs > 0 ? this.silent.ms / this.silent.runs : this.p.lookupMs) : 0;
    const expected = p * L.tokens + (1 - p) * (q * S.tokens + (1 - q) * H.tokens);
    const ms = other
      + p * (this.lookup.meanMs(this.p.lookupMs) + L.verify)
      + (1 - p) * (q * (this.store.meanMs(this.p.lookupMs) + S.verify) + (1 - q) * (silentMs + headMs + H.verify));
    // A whole chain of the depth asked: the lookup's (or the store's) of d, or the head's alone of h.
    const whole = d > 0 ? p * L.whole(d) + (1 - p) * q * S.whole(d) : H.whole(h);
    const silent = d > 0 && h === 0 ? (1 - p) * (1 - q) : 0;
    return { point: { lookup: d, head: h, store: q > 0, expectedTokens: expected, msPerRun: ms, tokensPerS: (1000 * expected) / ms }, whole, silent };
  }

  /** A source's chain of up to `depth` nodes: its reach by depth, expected tokens and verify ms, from its measurements shrunk towards the priors. */
  private chain(m: SourceModel, depth: number, reachRatio: number, acceptance: number): Chain {
    const reach = chained(m.reached, m.asked, this.maxDepth, reachRatio, 1);
    const acc = chained(m.accepted, m.reached, this.maxDepth, acceptance);
    const [tokens, verify] = this.block(depth, reach, acc);
    return { reach, tokens, verify, whole: (D) => (D > 0 && D <= this.maxDepth ? (reach[D - 1] as number) * (acc[D - 1] as number) : 0) };
  }

  /** Expected tokens and verify ms of a chain block of up to `depth` nodes that always reaches 1. */
  private block(depth: number, reach: number[], acc: number[]): [number, number] {
    let tokens = 1;
    let verify = 0;
    for (let j = 1; j <= depth; j++) {
      const here = reach[j - 1] as number;
      const next = j === depth ? 0 : (reach[j] as number);
      tokens += here * (acc[j - 1] as number);
      verify += (here - next) * this.blocks.cost(j + 1);
    }
    return [tokens, verify];
  }
}

/**
 * Before measurements (docs/BENCHMARKS.md, 2-core CPU, the seventh-round head): lookup proposes
 * in about 70% of the runs on code, its chains accept about 65% at depth 1; the head accepts
 * 60-68% at depth 1 where lookup is silent, and drafts one node in about 1 ms, each further one
 * in about 0.55 ms. The datastore's matches, where the prompt has none, were right less often
 * than the head on the repository set (the hybrid with the store 1.70-1.96x plain, without it
 * 1.96-2.01x) and more often on the infilling prompts with their document as the store (1.82-1.87x
 * vs 1.70-1.77x): a modest prior, for measurements to decide.
 */
export const DEFAULT_SOURCE_PRIORS: SourcePriors = { lookupRate: 0.7, storeRate: 0.3, lookupReach: 0.85, lookupAcceptance: 0.65, storeAcceptance: 0.6, headAcceptance: 0.6, lookupMs: 0.1, headFirstMs: 1.0, headNodeMs: 0.55 };
