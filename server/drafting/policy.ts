// Drafting policy: the one place that knows what each draft mode means (the list itself is part
// of the settings schema, common/settings.ts), which head file a mode means, whether
// a head fits the loaded model, the tree shape for a depth, and, for "auto", which drafter and
// depth to use next (the depth tuner's measured curves, plain decoding included), and what to do
// when a head fails. The CLI, the language server and the benchmarks ask it; the worker only
// runs the DraftRequest it produces.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DraftMode } from '../../common/settings';
import { DEFAULT_MODEL_FILE, projectRoot } from '../paths';
import type { TreeParams } from '../engine/drafter';
import type { CompletionResult, DraftRequest } from '../engine/types';
import { DEFAULT_PRIOR, DepthTuner } from './tuner';

export const HEAD_KINDS = ['prism', 'eagle3'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];

export function isHeadKind(x: string): x is HeadKind {
  return (HEAD_KINDS as readonly string[]).includes(x);
}

/** The draft head of a kind shipped for the default model (models/heads/, may be absent). */
export function shippedHead(kind: HeadKind): string {
  return path.join(projectRoot(), 'models', 'heads', `smollm2-135m-${kind}.gguf`);
}

/** The shipped head of a kind for a model, or undefined (the shipped heads fit the default model only). */
export function headFor(kind: HeadKind, modelPath: string): string | undefined {
  if (path.basename(modelPath) !== DEFAULT_MODEL_FILE) return undefined;
  const p = shippedHead(kind);
  return fs.existsSync(p) ? p : undefined;
}

export interface TreeShape { tree: 'chain' | 'dynamic'; treeWidth: number; treeTokens: number; /** Chains whose depth follows the last run (TreeParams.adapt). */ adapt?: boolean }

export function treeFor(shape: TreeShape, depth: number): Partial<TreeParams> {
  return shape.tree === 'chain' ? { kind: 'chain', depth, ...(shape.adapt ? { adapt: true } : {}) } : { kind: 'dynamic', depth, topK: shape.treeWidth, totalTokens: shape.treeTokens };
}

export interface PolicyOptions extends TreeShape {
  mode: DraftMode;
  depth: number | 'auto';
  /** The loaded model (shipped heads fit the default model only). */
  modelPath: string;
  /** A head file given explicitly (CLI --draft HEAD.gguf): drafted with as mode 'prism' would be. */
  headFile?: string;
  /** Resolves a shipped head for the model (default: headFor; tests inject their own). */
  headPath?: (kind: HeadKind, modelPath: string) => string | undefined;
  /** One line for the user (a head that does not fit or failed). */
  warn?: (key: string, message: string) => void;
  /** Explore the runner-up every n-th choice (auto); 0: never (one-shot CLI runs). */
  exploreEvery?: number;
  /** The target verifies only chains exactly (exact, without the tree-exact attention): draft chains even where the settings ask for trees. */
  chainsOnly?: boolean;
  /** The target pads one-token steps to two rows (ModelInfo.exact; default: chainsOnly): the tuner's prior block cost. */
  padded?: boolean;
  /** With depth "auto": the deepest chain to choose (default: the tuner's 8). */
  maxDepth?: number;
}

/** A drafter the policy can ask for: n-gram lookup, a head, or the hybrid of the two (`hybrid`). */
interface Candidate { name: string; head?: string; hybrid?: boolean }

/**
 * Measured priors (docs/BENCHMARKS.md, 2-core CPU): n-gram lookup costs nothing to draft, finds a
 * match in most runs on code and its chains of depth 4 ran 1.53-1.90x exact plain; the PRISM head
 * shipped on 2026-12-03 (sixth round) always drafts, accepts 61-68% at depth 1 and about 70% of
 * that again at depth 2 (dev and infilling sets), and costs 1.0-1.1 ms for a one-node draft and
 * 3.0-3.5 ms for five (1.45-1.51x plain at depth 1). Measurements replace the priors.
 */
const PRIORS = {
  ngram: { acceptance: 0.6, reach: 0.7, draftMsPerNode: 0.05 },
  head: { acceptance: 0.6, reach: 1, draftMsPerNode: 1.0 },
  // n-gram's proposals where it has them, the head's one token elsewhere: it drafts more often
  // than lookup alone and, per node, at a fraction of the head's cost (2026-12-03, sixth-round
  // head: 1.92-2.03x plain on dev code and the repository set, 1.71-1.75x on the infilling sets,
  // 0.44-0.71 ms of drafting per run).
  hybrid: { acceptance: 0.6, reach: 0.7, reach1: 1, draftMsPerNode: 0.5 },
};

/** Exploration's gap grows to at most this many times exploreEvery while the leader holds. */
const MAX_BACKOFF = 8;

export class DraftPolicy {
  private readonly tuners = new Map<string, DepthTuner>();
  private readonly failed = new Set<string>();
  private count = 0;
  // Exploration backs off while the leader holds: the gap between explorations doubles after each
  // round of the others (up to MAX_BACKOFF times exploreEvery) and returns to exploreEvery when
  // the leader changes. A settled session then spends one request in 64 on slower drafters
  // instead of one in 8, and a leader that slows down is still overtaken by the others' estimates.
  private gap = 0;
  private nextExplore = 0;
  private explored = 0;
  private leader: string | undefined;

  constructor(private readonly o: PolicyOptions) {}

  /** Whether a choice may draft with a head (which reads the target's taps of the prompt). */
  mayUseHead(): boolean {
    return this.candidates().some((c) => c.head !== undefined);
  }

  /**
   * What a warm-up should get ready: the first head this policy may draft with, as a one-token
   * chain (the worker loads the head once per path and the hybrid drafts with the same instance),
   * or undefined where no head is in play. Changes no state: choose() decides the real drafts.
   */
  warmDraft(): DraftRequest | undefined {
    const c = this.candidates().find((x) => x.head !== undefined);
    return c ? { drafter: 'head', head: c.head, tree: { kind: 'chain', depth: 1 } } : undefined;
  }

  /** The drafters worth trying for this mode, the configured one first. */
  private candidates(): Candidate[] {
    const o = this.o;
    if (o.mode === 'none') return [];
    const out: Candidate[] = [];
    const heads: { name: string; head: string | undefined }[] = [];
    const find = o.headPath ?? headFor;
    if (o.headFile) heads.push({ name: path.basename(o.headFile, '.gguf'), head: o.headFile });
    else if (isHeadKind(o.mode)) heads.push({ name: o.mode, head: find(o.mode, o.modelPath) });
    else if (o.mode === 'auto' || o.mode === 'hybrid') heads.push({ name: 'prism', head: find('prism', o.modelPath) });
    for (const h of heads) {
      if (h.head && !this.failed.has(h.head)) {
        // auto: the hybrid first (it measured fastest), then the head alone; hybrid: the hybrid alone.
        if (o.mode === 'auto' || o.mode === 'hybrid') out.push({ name: 'hybrid', head: h.head, hybrid: true });
        if (o.mode !== 'hybrid') out.push({ name: h.name, head: h.head });
      } else if (o.mode !== 'auto') {
        o.warn?.(`nohead:${h.name}:${o.modelPath}`, h.head
          ? `the ${h.name} draft head failed for ${path.basename(o.modelPath)}; using n-gram drafting (set prism.draft.mode to hide this)`
          : `no ${h.name} draft head ships for ${path.basename(o.modelPath)}; using n-gram drafting`);
      }
    }
    if (o.mode === 'auto' || o.mode === 'ngram' || out.length === 0 || o.depth === 'auto') out.push({ name: 'ngram' });
    // 'ngram' mode means n-gram alone.
    return o.mode === 'ngram' ? [{ name: 'ngram' }] : out;
  }

  private request(c: Candidate, depth: number): DraftRequest {
    if (this.o.chainsOnly && this.o.tree !== 'chain') {
      this.o.warn?.('trees-exact', 'draft trees are not bit-exact on this device; drafting chains (set prism.draft.tree to "chain" to hide this)');
    }
    const tree = treeFor(this.o.chainsOnly ? { ...this.o, tree: 'chain' } : this.o, depth);
    if (c.hybrid) return { drafter: 'hybrid', head: c.head, tree };
    return c.head ? { drafter: 'head', head: c.head, tree } : { drafter: 'ngram', tree };
  }

  tuner(name: string): DepthTuner {
    let t = this.tuners.get(name);
    if (!t) {
      const p = name === 'ngram' ? PRIORS.ngram : name === 'hybrid' ? PRIORS.hybrid : PRIORS.head;
      // An exact target pads one-token steps to two rows, so before any measurement a small block
      // costs about a plain step (docs/BENCHMARKS.md: 2 rows 1.03x, 5 rows 1.14-1.19x the padded step).
      const blockFactor = (this.o.padded ?? this.o.chainsOnly) ? 1.1 : DEFAULT_PRIOR.blockFactor;
      t = new DepthTuner(8, { ...DEFAULT_PRIOR, blockFactor, acceptance: p.acceptance, reach: p.reach, reach1: 'reach1' in p ? (p.reach1 as number) : undefined }, p.draftMsPerNode);
      this.tuners.set(name, t);
    }
    return t;
  }

  /**
   * The draft for the next request, or undefined for plain decoding. With depth "auto" every
   * candidate keeps its own measured curve and the highest expected tokens/s wins, plain decoding
   * included; every exploreEvery-th request tries one of the others, in turn, so their
   * estimates can catch up, less and less often while the same drafter keeps the lead.
   */
  choose(): DraftRequest | undefined {
    const cands = this.candidates();
    if (cands.length === 0) return undefined;
    const d = this.o.depth;
    if (d !== 'auto' && this.o.mode !== 'auto') return this.request(cands[0] as Candidate, d);
    const ranked = cands.map((c) => {
      const t = this.tuner(c.name);
      const measured = t.measuredDepth();
      // Unmeasured: the prior's curve as it is; measured: at most one depth beyond what was.
      const curve = (measured === 0 ? t.curve() : t.curve().slice(0, measured + 2)).slice(0, (this.o.maxDepth ?? Infinity) + 1);
      const pick = d === 'auto' ? curve.reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a)) : (curve[Math.min(d, curve.length - 1)] as (typeof curve)[number]);
      const drafting = d === 'auto' ? curve.slice(1).reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a)) : pick;
      return { c, best: pick, drafting, measured: measured > 0 };
    }).sort((x, y) => y.best.tokensPerS - x.best.tokensPerS);
    // Measured drafters compete on their measurements; one known only by its prior is tried by
    // exploration, not chosen over measured ones (a prior 4% ahead of one unlucky prompt's
    // measurement would otherwise move the choice around while the curves are still thin).
    const top = (ranked.find((r) => r.measured) ?? ranked[0]) as (typeof ranked)[number];
    const every = this.o.exploreEvery ?? 8;
    this.count++;
    if (every <= 0) return top.best.depth === 0 ? undefined : this.request(top.c, top.best.depth);
    const leader = `${top.c.name}@${top.best.depth === 0 ? 'plain' : 'draft'}`;
    if (this.gap === 0 || leader !== this.leader) {
      this.gap = every;
      this.nextExplore = Math.min(this.nextExplore || Infinity, this.count + every - 1);
      this.explored = 0;
      this.leader = leader;
    }
    if (this.count >= this.nextExplore) {
      // Explore: the other drafters in turn, or drafting at all when plain decoding leads.
      const others = ranked.length > 1 ? ranked.filter((r) => r !== top) : ranked;
      const other = others[this.explored % others.length] as (typeof ranked)[number];
      if (++this.explored % others.length === 0) this.gap = Math.min(this.gap * 2, every * MAX_BACKOFF);
      this.nextExplore = this.count + this.gap;
      return this.request(other.c, other.drafting.depth);
    }
    return top.best.depth === 0 ? undefined : this.request(top.c, top.best.depth);
  }

  /** Learns from a finished greedy completion made with `draft`. */
  observe(draft: DraftRequest | undefined, r: CompletionResult, sampled: boolean): void {
    const t = r.timings;
    if (r.spec) this.tuner(draft?.drafter === 'hybrid' ? 'hybrid' : draft?.head ? this.nameOf(draft.head) : 'ngram').observe(r.spec, draft?.tree?.depth ?? 0);
    else if (t.decodeTokens > 1 && !sampled) {
      for (const c of this.candidates()) this.tuner(c.name).observePlain(t.decodeMs / t.decodeTokens, t.decodeTokens);
    }
  }

  /**
   * A head that cannot run (mismatched, corrupt) must not cost the user their completions: it is
   * dropped from the candidates and the request is retried with n-gram drafting.
   */
  fallback(draft: DraftRequest | undefined): DraftRequest | undefined {
    if (!draft?.head) return undefined;
    this.failed.add(draft.head);
    return { drafter: 'ngram', tree: draft.tree };
  }

  private nameOf(head: string): string {
    const c = this.candidates().find((x) => x.head === head && !x.hybrid);
    return c?.name ?? path.basename(head, '.gguf');
  }
}
