// The speculative loop: the drafter proposes a tree below the root (the last chosen token, not
// yet in the cache), the target verifies [root, ...tree] in one run with the ancestor mask and
// depth positions, the acceptance rule picks the path, and only the root and the accepted nodes
// enter the KV cache. Output equals plain decoding (greedy) or is distributed exactly as it
// (sampling): acceptance.ts says why.
//
// The first root may be the prompt's last token (SpecStart.fromPrompt): when the cache holds the
// rest of the prompt (typing), the run that would compute that token alone for the first
// generated token verifies the first draft with it. Token healing then applies in the loop: rows
// whose choice the healed characters constrain are chosen by the constrained argmax, which
// advances along the accepted path, so the tokens are plain decoding's under the constraint.
import { SAMPLING_TOPK } from '../../kernels/llama-graph';
import { type Acceptance, acceptGreedy, acceptSampling } from './acceptance';
import { blockParents, depths, type DraftTree, EMPTY_TREE, keepNodes, panelSafe, pathTo } from './draft-tree';
import type { DraftContext, Drafter, TreeParams } from './drafter';
import type { Emitter } from './emitter';
import type { HealConstraint } from './healing';
import type { Target } from './forward';
import type { KvCache, RowStore } from './kv-cache';
import { distributionFromTop, type Rng, type SamplingParams, type SparseDist, targetDistribution } from './sampler';
import type { CompletionHooks, SourceStats, SpecStats } from './types';

/** The engine state the loop works on. */
export interface SpecState { readonly target: Target; readonly cache: KvCache; readonly taps: RowStore; readonly recent?: readonly (readonly number[])[] }

/**
 * How the loop starts. `fromPrompt`: `first` is the prompt's last token (not in the cache, not
 * output); `lead`: with it, the prompt tokens before it that the cache does not hold yet, which
 * the first run computes ahead of the root (the first draft then comes from what needs no taps:
 * Drafter.draftWithoutTaps); `heal`: the constraint still to spell (greedy only: a sampled
 * alternative spells it before the loop); `keepTaps`: the runs' taps are kept even where the
 * drafter reads none (CompletionRequest.keepTaps).
 */
export interface SpecStart { fromPrompt?: boolean; lead?: readonly number[]; heal?: HealConstraint; keepTaps?: boolean }

export async function speculate(e: SpecState, first: number, out: Emitter, sampling: SamplingParams, rng: Rng, drafter: Drafter, params: TreeParams, hooks: CompletionHooks, start: SpecStart = {}): Promise<SpecStats> {
  const { target, cache } = e;
  const greedy = sampling.temperature <= 0;
  const heal = start.heal;
  if (heal && !heal.done && !greedy) throw new Error('speculate: the healed characters are spelled before a sampled loop');
  const stats: SpecStats = { drafter: drafter.name, targetRuns: 0, drafted: 0, accepted: 0, tau: 0, acceptanceByDepth: [], depthReached: [], depthAccepted: [], draftMs: 0, verifyMs: 0, otherMs: 0, rowsRuns: [], rowsMs: [], sources: {} };
  const sources = stats.sources as Record<string, SourceStats>;
  const reached = stats.depthReached;
  const passed = stats.depthAccepted;
  const maxPos = target.graphOptions.maxPositions;
  const V = target.cfg.vocabSize;
  let root = first;
  const adapt = params.adapt === true && params.kind === 'chain';
  const grow = params.kind === 'chain' && params.grow !== undefined && params.grow > params.depth ? params.grow : 0;
  let depthNow = params.depth;
  let fromPrompt = start.fromPrompt === true;
  // The prompt tokens the first run computes ahead of the root (fromPrompt only).
  let lead: readonly number[] = fromPrompt ? start.lead ?? [] : [];
  const taps = drafter.needsTaps || start.keepTaps === true;
  while (fromPrompt || out.push(root)) {
    fromPrompt = false;
    if (hooks.isCancelled?.()) { out.finish = 'cancelled'; break; }
    const m = lead.length;
    const P = cache.length + m; // the root's position
    if (P + 1 >= maxPos) break;
    const td = performance.now();
    // Never draft deeper than the budget left or than the context has room for.
    const room = Math.min(out.remaining(), maxPos - P - 1);
    const ctx: DraftContext = { tokens: [...cache.tokens, ...lead, root], sampling, rng, recent: e.recent };
    const treeParams = { ...params, depth: Math.min(depthNow, room), room };
    // The lead has no taps yet: a drafter that reads them drafts from what does not, or not at all.
    let tree = !drafter.needsTaps ? await drafter.draft(ctx, treeParams)
      : m === 0 ? await drafter.draft({ ...ctx, taps: (from: number, to: number) => e.taps.rows(from, to) }, treeParams)
        : (await drafter.draftWithoutTaps?.(ctx, treeParams)) ?? EMPTY_TREE;
    if (tree.tokens.length > maxPos - P - 1) tree = EMPTY_TREE;
    // An exact target verifies a tree row exactly only where its keys keep their SGEMM panels.
    if (target.padsSingleRow && target.treeKeyPanel) tree = panelSafe(tree, P, target.treeKeyPanel);
    // Nodes that do not spell the healed characters can never be chosen: not verified.
    if (heal && !heal.done && tree.tokens.length > 0) tree = healSafe(tree, heal);
    const tv = performance.now();
    stats.draftMs += tv - td;
    // Runs at a grown depth are counted apart (their text follows a whole accepted chain).
    const source = (tree.tokens.length === 0 ? 'none' : (tree.source ?? 'other')) + (grow && depthNow > params.depth ? `@${depthNow}` : '');
    const src = (sources[source] ??= { runs: 0, depthReached: [], depthAccepted: [], nodesRuns: [], nodesMs: [] });
    const n = tree.tokens.length;
    src.runs++;
    src.nodesRuns[n] = (src.nodesRuns[n] ?? 0) + 1;
    src.nodesMs[n] = (src.nodesMs[n] ?? 0) + (tv - td);
    // [lead..., root, ...tree]: the lead a chain before the root; outputs from the root on.
    const parents = [...lead.map((_, i) => i - 1), ...blockParents(tree).map((p) => (p < 0 ? m - 1 : p + m))];
    const depth = depths(parents);
    const block = [...lead, root, ...tree.tokens];
    const positions = Array.from(depth, (d) => cache.length + d);
    const rows = Array.from({ length: tree.tokens.length + 1 }, (_, i) => m + i);
    // Sampling needs p at the nodes: from the in-graph top-k when it can hold the nucleus, else
    // (top-p 1 without a narrow top-k) full logits, known before the run.
    const fullRows = !greedy && (sampling.topK > SAMPLING_TOPK || (sampling.topK === 0 && sampling.topP >= 1));
    // Healing still to spell: the constrained rows need their logits.
    const healing = heal !== undefined && !heal.done;
    const r = await target.forward(cache, {
      ids: block, positions, parents, rows, taps,
      sampleTemperature: greedy || fullRows ? undefined : sampling.temperature, logits: fullRows || healing,
    });
    let acc: Acceptance;
    if (greedy && healing) {
      const logits = r.logits as Float32Array;
      acc = acceptGreedy(tree, (b) => {
        if (heal.done) return r.argmax[b] as number;
        const id = heal.argmax(logits, b * V);
        heal.advance(id);
        return id;
      });
    } else if (greedy) {
      acc = acceptGreedy(tree, r.argmax);
    } else {
      let dists = fullRows
        ? rows.map((_, b) => targetDistribution(r.logits as Float32Array, sampling, b * V, V))
        : rows.map((_, b) => distributionFromTop(r.topLogits as Float32Array, r.topIds as Int32Array, r.lse?.[b] as number, Math.min(SAMPLING_TOPK, V), b, sampling));
      if (dists.some((d) => d === undefined)) {
        // The nucleus reaches past the in-graph top-k: run again for full logits (rare).
        const full = await target.forward(cache, { ids: block, positions, parents, rows, logits: true });
        dists = rows.map((_, b) => targetDistribution(full.logits as Float32Array, sampling, b * V, V));
      }
      acc = acceptSampling(tree, (b) => dists[b] as SparseDist, rng);
    }
    const verifyMs = performance.now() - tv;
    stats.verifyMs += verifyMs;
    stats.rowsRuns[block.length - 1] = (stats.rowsRuns[block.length - 1] ?? 0) + 1;
    stats.rowsMs[block.length - 1] = (stats.rowsMs[block.length - 1] ?? 0) + verifyMs;
    if (adapt && tree.tokens.length > 0) {
      depthNow = acc.accepted.length === tree.tokens.length ? Math.min(params.depth, 2 * depthNow) : Math.max(1, acc.accepted.length + 1);
    } else if (grow) {
      const whole = tree.tokens.length > 0 && acc.accepted.length === tree.tokens.length && tree.tokens.length >= Math.min(depthNow, room);
      const g = ((stats.growth ??= {})[depthNow] ??= { runs: 0, up: 0, silent: 0 });
      g.runs++;
      if (tree.tokens.length === 0) g.silent++;
      else if (whole) g.up++;
      if (tree.tokens.length > 0) depthNow = whole ? Math.min(grow, 2 * depthNow) : params.depth;
    }
    const kept = [...Array.from({ length: m + 1 }, (_, i) => i), ...acc.accepted.map((i) => m + 1 + i)];
    cache.append(block, r.newK, r.newV, kept);
    if (taps) e.taps.append(r.taps as Float32Array, kept);
    lead = [];
    stats.targetRuns++;
    stats.drafted += tree.tokens.length;
    stats.accepted += acc.accepted.length;
    const maxDepth = depth.reduce((a, b) => Math.max(a, b), 0) - m;
    for (let d = 1; d <= maxDepth; d++) {
      reached[d - 1] = (reached[d - 1] ?? 0) + 1;
      src.depthReached[d - 1] = (src.depthReached[d - 1] ?? 0) + 1;
      if (acc.accepted.length >= d) {
        passed[d - 1] = (passed[d - 1] ?? 0) + 1;
        src.depthAccepted[d - 1] = (src.depthAccepted[d - 1] ?? 0) + 1;
      }
    }
    let more = true;
    for (const i of acc.accepted) if (!(more = out.push(tree.tokens[i] as number))) break;
    if (!more) break;
    root = acc.next;
  }
  stats.tau = stats.targetRuns ? (stats.accepted + stats.targetRuns) / stats.targetRuns : 0;
  for (let d = 0; d < reached.length; d++) passed[d] ??= 0;
  for (const x of Object.values(sources)) {
    for (let d = 0; d < x.depthReached.length; d++) x.depthAccepted[d] ??= 0;
    for (let n = 0; n < x.nodesRuns.length; n++) { x.nodesRuns[n] ??= 0; x.nodesMs[n] ??= 0; }
  }
  stats.acceptanceByDepth = reached.map((n, d) => (passed[d] as number) / n);
  return stats;
}

/** The nodes whose path spells what healing still constrains (their ancestors' paths then do too). */
function healSafe(tree: DraftTree, heal: HealConstraint): DraftTree {
  const ok = tree.tokens.map((_, i) => heal.fits(pathTo(tree, i)));
  return ok.every(Boolean) ? tree : keepNodes(tree, (i) => ok[i] === true);
}
