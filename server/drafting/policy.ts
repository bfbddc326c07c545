// Drafting policy: the one place that knows what each draft mode means (the list itself is part
// of the settings schema, common/settings.ts), which head file a mode means, whether
// a head fits the loaded model, the tree shape for a depth, and, for "auto", which mix of lookup
// and head chain depths to use next (the tuner's model of each source, plain decoding included), and what to do
// when a head fails. The CLI, the language server and the benchmarks ask it; the worker only
// runs the DraftRequest it produces.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DraftMode } from '../../common/settings';
import { DEFAULT_MODEL_FILE, projectRoot } from '../paths';
import { DEFAULT_TREE, type TreeParams } from '../engine/drafter';
import type { CompletionResult, DraftRequest } from '../engine/types';
import { HYBRID_HEAD_DEPTH } from '../engine/hybrid';
import { DEFAULT_PRIOR, type GridPoint, SourceTuner } from './tuner';

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

/**
 * A draft in a few words, for logs and reports: "hybrid d4+h1" (lookup chains of 4, head chains of
 * 1), "ngram d4 no store", "prism d3" (a head alone), "plain".
 */
export function draftLabel(draft: DraftRequest | undefined): string {
  if (!draft) return 'plain';
  const who = draft.drafter === 'head' ? path.basename(draft.head ?? 'head', '.gguf').replace(/^smollm2-135m-/, '') : draft.drafter;
  const head = draft.drafter === 'hybrid' ? `+h${draft.headDepth ?? HYBRID_HEAD_DEPTH}` : '';
  return `${who} d${draft.tree?.depth ?? 0}${head}${draft.drafter !== 'head' && draft.datastore === false ? ' no store' : ''}`;
}

/**
 * The lookup and head chain depths a draft asks for, and whether its lookup consults the
 * datastore: its point in SourceTuner's grid.
 */
export function draftMix(draft: DraftRequest): [lookup: number, head: number, store: boolean, grow: number] {
  const depth = draft.tree?.depth ?? 0;
  const [d, h] = draft.drafter === 'ngram' ? [depth, 0] : draft.drafter === 'head' ? [0, depth] : [depth, draft.headDepth ?? HYBRID_HEAD_DEPTH];
  return [d, h, d > 0 && draft.datastore !== false, (draft.tree?.kind ?? DEFAULT_TREE.kind) === 'chain' ? draft.tree?.grow ?? 0 : 0];
}

export interface TreeShape { tree: 'chain' | 'dynamic'; treeWidth: number; treeTokens: number; /** Chains whose depth follows the last run (TreeParams.adapt). */ adapt?: boolean; /** Chains that grow on runs of whole acceptances, up to this depth (TreeParams.grow). */ grow?: number }

export function treeFor(shape: TreeShape, depth: number): Partial<TreeParams> {
  return shape.tree === 'chain' ? { kind: 'chain', depth, ...(shape.adapt ? { adapt: true } : {}), ...(shape.grow ? { grow: shape.grow } : {}) } : { kind: 'dynamic', depth, topK: shape.treeWidth, totalTokens: shape.treeTokens };
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
  /** auto's lookup and head chain depths before any measurement (default START; the benchmark compares others). */
  start?: { lookup: number; head: number };
}

/**
 * Where an unmeasured tuner starts from (and how deep it may go before measurements): lookup
 * chains of 4 and head chains of HYBRID_HEAD_DEPTH, the datastore on. Lookup 5 with head 2 was
 * tried as the start: as fixed rows it ran 0-9% faster than 4 + 1 on the same prompts, but auto
 * starting from it tied auto starting from 4 + 1 (1.97x / 1.60x / 2.08x vs 2.10x / 1.67x / 1.89x
 * plain on dev, infill and repository prompts, side by side; docs/BENCHMARKS.md, "Lookup, the
 * datastore and the head modelled apart"), and the editor's shorter completions were measured
 * with this one. auto goes deeper than these and what it measured only by exploring, one token at
 * a time.
 */
const START_MIX = { lookup: 4, head: HYBRID_HEAD_DEPTH, store: true };

/** The deepest chain the settings allow (prism.draft.depth 1-12); auto climbs to 8 unless maxDepth says otherwise. */
const MAX_DEPTH = 12;

/**
 * Explore every this many requests at first: the neighbours explored (one token deeper) cost
 * little when they lose, unlike the slower drafters explored before the sources were modelled
 * apart (the head alone ran 10-20% below the hybrid).
 */
const EXPLORE_EVERY = 4;

/** Exploration's gap grows to at most this many times exploreEvery while the leader holds. */
const MAX_BACKOFF = 8;

/**
 * The depths a mode may draft with: lookup chains in lookup[0..1], head chains in head[0..1] (0:
 * that source off); the repository datastore on, off, or either (auto).
 */
interface Grid { head?: string; lookup: [number, number]; headDepth: [number, number]; store: boolean[] }

export class DraftPolicy {
  private readonly tuners = new Map<string, SourceTuner>();
  private readonly failed = new Set<string>();
  private count = 0;
  // Exploration backs off while the leader holds: the gap between explorations doubles after each
  // round of the neighbours (up to MAX_BACKOFF times exploreEvery) and returns to exploreEvery
  // when the leader changes between drafting and plain decoding.
  private gap = 0;
  private nextExplore = 0;
  private explored = 0;
  private leader: string | undefined;
  private chosen: GridPoint | undefined;

  constructor(private readonly o: PolicyOptions) {}

  /** What the tuner expected of the last choice made with depth auto (tokens/s; undefined for fixed choices). */
  get expected(): GridPoint | undefined {
    return this.chosen;
  }

  /** Whether a choice may draft with a head (which reads the target's taps of the prompt). */
  mayUseHead(): boolean {
    return this.grid()?.head !== undefined;
  }

  /**
   * What a warm-up should get ready: the head this policy may draft with, as a one-token chain
   * (the worker loads the head once per path and the hybrid drafts with the same instance), or
   * undefined where no head is in play. Changes no state: choose() decides the real drafts.
   */
  warmDraft(): DraftRequest | undefined {
    const head = this.grid()?.head;
    return head ? { drafter: 'head', head, tree: { kind: 'chain', depth: 1 } } : undefined;
  }

  /** The head this mode drafts with (undefined: none, or it failed; says why once where the mode asked for one). */
  private head(): string | undefined {
    const o = this.o;
    if (o.mode === 'none' || o.mode === 'ngram') return undefined;
    const kind: HeadKind = isHeadKind(o.mode) ? o.mode : 'prism';
    const name = o.headFile ? path.basename(o.headFile, '.gguf') : kind;
    const head = o.headFile ?? (o.headPath ?? headFor)(kind, o.modelPath);
    if (head && !this.failed.has(head)) return head;
    if (o.mode !== 'auto') {
      o.warn?.(`nohead:${name}:${o.modelPath}`, head
        ? `the ${name} draft head failed for ${path.basename(o.modelPath)}; using n-gram drafting (set prism.draft.mode to hide this)`
        : `no ${name} draft head ships for ${path.basename(o.modelPath)}; using n-gram drafting`);
    }
    return undefined;
  }

  /**
   * The depths this mode may use. auto: every mix of lookup and head chains, plain decoding
   * included (with a fixed depth N: lookup chains of N, head chains of up to N); hybrid: both
   * sources on; ngram: lookup alone; a head mode: the head alone. Without a head: lookup alone.
   */
  private grid(): Grid | undefined {
    const o = this.o;
    if (o.mode === 'none') return undefined;
    const cap = Math.max(1, Math.min(MAX_DEPTH, o.maxDepth ?? 8));
    const fixed = typeof o.depth === 'number' ? Math.min(MAX_DEPTH, o.depth) : undefined;
    const head = this.head();
    // auto decides whether the datastore's matches are worth more than the head's drafts; the
    // other modes consult it as they always did.
    const store = o.mode === 'auto' ? [true, false] : [true];
    if (!head) return { lookup: fixed !== undefined ? [fixed, fixed] : [0, cap], headDepth: [0, 0], store };
    if (o.mode === 'auto') return { head, lookup: fixed !== undefined ? [fixed, fixed] : [0, cap], headDepth: [0, fixed ?? cap], store };
    if (o.mode === 'hybrid') return { head, lookup: [1, cap], headDepth: [1, cap], store };
    return { head, lookup: [0, 0], headDepth: [0, cap], store };
  }

  private shape(): TreeShape {
    if (this.o.chainsOnly && this.o.tree !== 'chain') {
      this.o.warn?.('trees-exact', 'draft trees are not bit-exact on this device; drafting chains (set prism.draft.tree to "chain" to hide this)');
      return { ...this.o, tree: 'chain' };
    }
    return this.o;
  }

  /** The draft for lookup chains of d and head chains of h, the datastore on or off (undefined: plain decoding). */
  private requestAt(head: string | undefined, d: number, h: number, store = true): DraftRequest | undefined {
    if (d === 0 && (h === 0 || !head)) return undefined;
    const shape = this.shape();
    const off = store ? {} : { datastore: false };
    if (h === 0 || !head) return { drafter: 'ngram', tree: treeFor(shape, d), ...off };
    if (d === 0) return { drafter: 'head', head, tree: treeFor(shape, h) };
    return { drafter: 'hybrid', head, ...(h !== HYBRID_HEAD_DEPTH ? { headDepth: h } : {}), tree: treeFor(shape, d), ...off };
  }

  /** The tuner of a head (or of lookup alone): one per head, so that a failed head starts afresh. */
  tuner(head?: string): SourceTuner {
    const key = head ?? '';
    let t = this.tuners.get(key);
    if (!t) {
      // An exact target pads one-token steps to two rows, so before any measurement a small block
      // costs about a plain step (docs/BENCHMARKS.md: 2 rows 1.03x, 5 rows 1.14-1.19x the padded step).
      const blockFactor = (this.o.padded ?? this.o.chainsOnly) ? 1.1 : DEFAULT_PRIOR.blockFactor;
      t = new SourceTuner(MAX_DEPTH, { ...DEFAULT_PRIOR, blockFactor });
      this.tuners.set(key, t);
    }
    return t;
  }

  /**
   * The draft for the next request, or undefined for plain decoding. A fixed depth outside auto
   * is drafted as asked. Otherwise one tuner per head models lookup and the head apart (tuner.ts,
   * SourceTuner) and the mix of lookup and head chain depths with the highest expected tokens/s
   * wins, plain decoding included, at most one depth past what was measured; every
   * exploreEvery-th request drafts one depth deeper in one of the sources instead, in turn, so the
   * deeper estimates rest on measurements, less and less often while the leader holds.
   */
  choose(): DraftRequest | undefined {
    const g = this.grid();
    if (!g) return undefined;
    const o = this.o;
    this.chosen = undefined;
    if (o.depth !== 'auto' && o.mode !== 'auto') {
      if (o.mode === 'hybrid' && g.head) return { drafter: 'hybrid', head: g.head, tree: treeFor(this.shape(), o.depth) };
      return g.head && g.headDepth[0] === 0 && g.lookup[1] === 0 ? this.requestAt(g.head, 0, o.depth) : this.requestAt(undefined, o.depth, 0);
    }
    const t = this.tuner(g.head);
    // Chains that grow are modelled as they run (tuner.ts, SourceTuner.point).
    const grow = this.shape().tree === 'chain' ? this.o.grow ?? 0 : 0;
    const at = (d: number, h: number, store = false): GridPoint => t.point(d, h, store, grow);
    const START = { ...START_MIX, ...o.start };
    // Chosen among measured depths (and the start's); deeper ones are tried by exploration first,
    // so that no depth wins on the prior alone: a one-token-deeper chain chosen on the prior's
    // word ran 14-22% slower than the tuner expected on the infilling set (docs/BENCHMARKS.md).
    const maxL = Math.min(g.lookup[1], Math.max(g.lookup[0], t.measured.lookup, START.lookup));
    const maxH = Math.min(g.headDepth[1], Math.max(g.headDepth[0], t.measured.head, START.head));
    const points: GridPoint[] = [];
    for (let d = g.lookup[0]; d <= maxL; d++) {
      for (let h = g.headDepth[0]; h <= maxH; h++) for (const st of d > 0 ? g.store : [false]) points.push(at(d, h, st));
    }
    // Before any draft was measured: the start, as measured on every prompt set (docs/BENCHMARKS.md).
    const clamp = (x: number, r: [number, number]) => Math.min(r[1], Math.max(r[0], x));
    const best = t.measured.lookup + t.measured.head === 0
      ? at(clamp(START.lookup, g.lookup), clamp(START.head, g.headDepth), g.store.includes(START.store) ? START.store : (g.store[0] as boolean))
      : points.reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a));
    const every = o.exploreEvery ?? EXPLORE_EVERY;
    this.count++;
    if (every > 0) {
      const leader = best.lookup + best.head === 0 ? 'plain' : 'draft';
      if (this.gap === 0 || leader !== this.leader) {
        this.gap = every;
        this.nextExplore = Math.min(this.nextExplore || Infinity, this.count + every - 1);
        this.explored = 0;
        this.leader = leader;
      }
      if (this.count >= this.nextExplore) {
        // Explore: one depth deeper in lookup, then in the head, then the datastore the other
        // way, in turn (a source that is off is turned on this way; from plain decoding: the
        // best way to draft at all).
        const options = best.lookup + best.head === 0
          ? [points.filter((x) => x.lookup + x.head > 0).reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a), points[0] as GridPoint)]
          : [
            ...(best.lookup < g.lookup[1] ? [at(best.lookup + 1, best.head, best.store || (best.lookup === 0 && (g.store[0] as boolean)))] : []),
            ...(best.head < g.headDepth[1] ? [at(best.lookup, best.head + 1, best.store)] : []),
            // The datastore the other way (lookup on).
            ...(best.lookup > 0 && g.store.length > 1 ? [at(best.lookup, best.head, !best.store)] : []),
          ];
        if (options.length > 0) {
          const pick = options[this.explored % options.length] as GridPoint;
          if (++this.explored % options.length === 0) this.gap = Math.min(this.gap * 2, every * MAX_BACKOFF);
          this.nextExplore = this.count + this.gap;
          this.chosen = pick;
          return this.requestAt(g.head, pick.lookup, pick.head, pick.store);
        }
      }
    }
    this.chosen = best;
    return this.requestAt(g.head, best.lookup, best.head, best.store);
  }

  /** The tuner that learns from `draft`: its head's (n-gram drafts: the head this mode would use). */
  private tunerOf(draft: DraftRequest): SourceTuner {
    return this.tuner(draft.drafter === 'ngram' ? this.grid()?.head : draft.head);
  }

  /**
   * What the tuner expects of `draft` (undefined: plain decoding) from everything measured so
   * far: the benchmark asks it after the run, to compare the model of each choice with the
   * tokens/s measured, as it does for the fixed configurations.
   */
  estimate(draft: DraftRequest | undefined): GridPoint {
    if (!draft) return this.tuner(this.grid()?.head).point(0, 0);
    return this.tunerOf(draft).point(...draftMix(draft));
  }

  /** Learns from a finished greedy completion made with `draft`. */
  observe(draft: DraftRequest | undefined, r: CompletionResult, sampled: boolean): void {
    const t = r.timings;
    if (r.spec && draft) {
      const [d, h, store] = draftMix(draft);
      this.tunerOf(draft).observe(r.spec, d, h, store);
    } else if (!r.spec && t.decodeTokens > 1 && !sampled) {
      this.tuner(this.grid()?.head).observePlain(t.decodeMs / t.decodeTokens, t.decodeTokens);
    }
  }

  /**
   * A head that cannot run (mismatched, corrupt) must not cost the user their completions: it is
   * dropped and the request is retried with n-gram drafting.
   */
  fallback(draft: DraftRequest | undefined): DraftRequest | undefined {
    if (!draft?.head) return undefined;
    this.failed.add(draft.head);
    return { drafter: 'ngram', tree: draft.tree };
  }
}
