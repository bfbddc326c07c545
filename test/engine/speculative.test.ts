// Lossless speculative decoding: tree masks, acceptance rules, the n-gram drafter, greedy
// equality with plain decoding on real code (n-gram, random and oracle drafters, chains and trees),
// KV compaction, and chains in the other numerics. Sampling's distribution: sampling.test.ts.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acceptGreedy, acceptSampling } from '../../server/engine/acceptance';
import { addNode, ancestors, blockParents, chainTree, depths, type DraftTree, newTree, panelSafe } from '../../server/engine/draft-tree';
import { buildTree, type DistributionSource, type DraftContext, type Drafter, type TreeParams } from '../../server/engine/drafter';
import { causalMask, MASK_NEG, treeMask } from '../../server/engine/masks';
import { FP32_GRAPH_OPTIONS } from '../../kernels/llama-graph';
import { Engine, PROMPT_ROOT_MAX, type SpecStats } from '../../server/engine/engine';
import { HybridDrafter } from '../../server/engine/hybrid';
import { ngramTree, NgramDrafter, RECENT_DEPTH } from '../../server/engine/ngram';
import { Rng, type SparseDist } from '../../server/engine/sampler';
import { TargetModel } from '../../server/engine/target';
import { cursorOffsets, defaultModel, devFiles } from '../helpers';

const CHAIN: TreeParams = { kind: 'chain', depth: 4, topK: 1, totalTokens: 8, minProb: 0 };
const DYNAMIC: TreeParams = { kind: 'dynamic', depth: 4, topK: 3, totalTokens: 12, minProb: 0 };

describe('tree masks', () => {
  const N = MASK_NEG;
  it('matches hand-written masks', () => {
    // root(0) -> 1 -> 3 ; root -> 2 ; with 2 cached positions
    assert.deepEqual(Array.from(treeMask(2, [-1, 0, 0, 1])), [
      0, 0, 0, N, N, N,
      0, 0, 0, 0, N, N,
      0, 0, 0, N, 0, N,
      0, 0, 0, 0, N, 0,
    ]);
    // two separate roots (a forest), nothing cached
    assert.deepEqual(Array.from(treeMask(0, [-1, -1, 1])), [
      0, N, N,
      N, 0, N,
      N, 0, 0,
    ]);
    // a chain is the causal mask
    assert.deepEqual(Array.from(treeMask(1, [-1, 0, 1])), [0, 0, N, N, 0, 0, 0, N, 0, 0, 0, 0]);
    // unused cache slots (capacity 3, 1 filled) are masked for every node
    assert.deepEqual(Array.from(treeMask(1, [-1, 0], 3)), [0, N, N, 0, N, 0, N, N, 0, 0]);
    assert.deepEqual(Array.from(causalMask(1, 2, 3)), Array.from(treeMask(1, [-1, 0], 3)));
    assert.deepEqual(Array.from(depths([-1, 0, 0, 1, 3])), [0, 1, 1, 2, 3]);
    assert.throws(() => depths([-1, 2, 0]), /after their parents/);
  });
});

describe('acceptance rules', () => {
  const tree: DraftTree = { tokens: [5, 6, 7, 8], parents: [-1, -1, 0, 2], q: [undefined, undefined, undefined, undefined], prob: [1, 1, 1, 1] };

  it('greedy follows the target argmax and returns the bonus token', () => {
    // block: 0 root, 1:'5', 2:'6', 3:'7' (under 5), 4:'8' (under 7)
    assert.deepEqual(acceptGreedy(tree, [6, 0, 9, 0, 0]), { accepted: [1], next: 9 });
    assert.deepEqual(acceptGreedy(tree, [5, 7, 0, 8, 3]), { accepted: [0, 2, 3], next: 3 });
    assert.deepEqual(acceptGreedy(tree, [4, 0, 0, 0, 0]), { accepted: [], next: 4 });
  });

  it('recursive rejection sampling outputs exactly p (point-mass and sampled siblings)', () => {
    const p: SparseDist = { ids: Int32Array.of(5, 6, 9, 11), probs: Float64Array.of(0.1, 0.4, 0.3, 0.2) };
    const q: SparseDist = { ids: Int32Array.of(6, 9, 12), probs: Float64Array.of(0.2, 0.5, 0.3) };
    const rng = new Rng(99);
    const drawQ = (): number => { const u = rng.next(); return u < 0.2 ? 6 : u < 0.7 ? 9 : 12; };
    const n = 40000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      // A deterministic sibling (5), then two siblings drawn i.i.d. from q, as RRS requires.
      const t: DraftTree = { tokens: [5, drawQ(), drawQ()], parents: [-1, -1, -1], q: [undefined, q, q], prob: [1, 0, 0] };
      const a = acceptSampling(t, () => p, rng);
      const first = a.accepted.length ? (t.tokens[a.accepted[0] as number] as number) : a.next;
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    assert.ok(!counts.has(12), 'a token outside p was output');
    let chi2 = 0;
    p.ids.forEach((id, i) => { const e = n * (p.probs[i] as number); chi2 += ((counts.get(id) ?? 0) - e) ** 2 / e; });
    assert.ok(chi2 < 16.27, `chi2 ${chi2} (df 3, 0.999 quantile 16.27)`);
  });
});

describe('n-gram drafter', () => {
  it('proposes what followed earlier matches of the suffix, as a trie', () => {
    const ctx = [1, 2, 3, 4, 9, 1, 2, 5, 6, 7, 1, 2];
    const chain = ngramTree(ctx, { ...CHAIN, depth: 3 });
    assert.deepEqual(chain.tokens, [5, 6, 7]); // most recent match of [.., 1, 2] first
    assert.deepEqual(chain.parents, [-1, 0, 1]);
    const tree = ngramTree(ctx, { kind: 'dynamic', depth: 2, topK: 2, totalTokens: 10, minProb: 0 });
    assert.deepEqual(tree.tokens, [5, 6, 3, 4]);
    assert.deepEqual(tree.parents, [-1, 0, -1, 2]);
    assert.deepEqual(ngramTree([1, 2, 3], CHAIN).tokens, []);
  });

  it('continues an earlier output (recent) first at one match length, the prompt first where it matches longer', () => {
    const ctx = [1, 2, 3, 4, 9, 1, 2, 5, 6, 7, 1, 2];
    const recent = [[8, 1, 2, 11, 12, 13]];
    const chain = ngramTree(ctx, { ...CHAIN, depth: 3 }, undefined, undefined, recent);
    assert.deepEqual(chain.tokens, [11, 12, 13]);
    assert.equal(chain.source, 'recent');
    assert.equal(chain.match, 2);
    // It goes past the chain's depth, to RECENT_DEPTH within the run's room.
    const long = [8, 1, 2, ...Array.from({ length: 12 }, (_, i) => 40 + i)];
    assert.deepEqual(ngramTree(ctx, { ...CHAIN, depth: 3, room: 20 }, undefined, undefined, [long]).tokens, long.slice(3, 3 + RECENT_DEPTH));
    assert.deepEqual(ngramTree(ctx, { ...CHAIN, depth: 3, room: 5 }, undefined, undefined, [long]).tokens, long.slice(3, 8));
    // Several runs: the most recent first; a tree takes the others' continuations as branches.
    const tree = ngramTree(ctx, { kind: 'dynamic', depth: 2, topK: 3, totalTokens: 10, minProb: 0 }, undefined, undefined, [[1, 2, 20], ...recent]);
    assert.deepEqual(tree.tokens, [20, 11, 12, 5, 6]);
    assert.deepEqual(tree.parents, [-1, -1, 1, -1, 3]);
    // The prompt's 3-token match [9, 1, 2] beats the run's 2-token one; a 1-token match is no match.
    const longer = ngramTree([9, 1, 2, 5, 6, 9, 1, 2], { ...CHAIN, depth: 2 }, undefined, undefined, recent);
    assert.deepEqual(longer.tokens, [5, 6]);
    assert.equal(longer.source, 'lookup');
    assert.deepEqual(ngramTree([4, 5, 2], CHAIN, undefined, undefined, [[2, 30, 31]]).tokens, []);
    // A match at the end of a run has nothing to continue.
    assert.deepEqual(ngramTree([4, 1, 2], CHAIN, undefined, undefined, [[0, 1, 2]]).tokens, []);
  });

  it('drafts from earlier outputs for greedy requests only (a sample leaves the greedy output early)', async () => {
    const ctx = (temperature: number): DraftContext => ({ tokens: [1, 2, 3, 4, 9, 1, 2, 5, 6, 7, 1, 2], sampling: { temperature, topK: 0, topP: 1, seed: 0 }, rng: new Rng(0), recent: [[8, 1, 2, 11, 12, 13]] });
    const d = new NgramDrafter();
    assert.deepEqual((await d.draft(ctx(0), { ...CHAIN, depth: 3 })).tokens, [11, 12, 13]);
    assert.deepEqual((await d.draft(ctx(0.8), { ...CHAIN, depth: 3 })).tokens, [5, 6, 7]);
  });
});

/** Proposes random tokens from seeded random distributions (q unrelated to the target). */
class RandomSource implements DistributionSource {
  constructor(private readonly vocab: number, private readonly seed: number) {}
  private ctx: readonly number[] = [];
  async begin(ctx: DraftContext): Promise<void> { this.ctx = ctx.tokens; }
  async expand(nodes: number[], tree: DraftTree): Promise<SparseDist[]> {
    return nodes.map((n) => {
      let h = this.seed ^ this.ctx.length;
      for (const a of ancestors(tree.parents, n)) h = Math.imul(h ^ (tree.tokens[a] as number), 2654435761) >>> 0;
      const r = new Rng(h);
      const ids = Int32Array.from({ length: 6 }, () => Math.floor(r.next() * this.vocab));
      const w = Array.from(ids, () => 0.1 + r.next());
      const z = w.reduce((a, b) => a + b, 0);
      return { ids, probs: Float64Array.from(w, (x) => x / z) };
    });
  }
}

function sourceDrafter(name: string, src: DistributionSource): Drafter {
  return { name, needsTaps: false, reset: () => undefined, draft: (ctx, params) => buildTree(src, ctx, params) };
}

/** Proposes the target's own greedy continuation, known in advance. */
function oracleDrafter(prompt: readonly number[], continuation: readonly number[]): Drafter {
  return {
    name: 'oracle', needsTaps: false, reset: () => undefined,
    async draft(ctx, params) {
      const done = ctx.tokens.length - prompt.length; // tokens of the continuation already accepted
      const toks = continuation.slice(done, done + params.depth);
      return chainTree(toks);
    },
  };
}

describe('confidence-gated head chains (minProbDepth; the hybrid drafter)', () => {
  /** Greedy top-1 at depth j (root = depth 1) is token 100 + j with probability probs[j-1]; the rest spread over tokens 1-8. */
  const fixed = (probs: number[]): DistributionSource => ({
    begin: async () => undefined,
    expand: async (nodes, tree) => nodes.map((n) => {
      const j = n < 0 ? 0 : ancestors(tree.parents, n).length;
      const p = probs[j] ?? 0.5;
      return { ids: Int32Array.of(100 + j + 1, 1, 2, 3, 4, 5, 6, 7, 8), probs: Float64Array.from([p, ...Array<number>(8).fill((1 - p) / 8)]) };
    }),
  });
  const ctx: DraftContext = { tokens: [7], sampling: { temperature: 0, topK: 0, topP: 1, seed: 0 }, rng: new Rng(0) };
  const chain = (minProb: number, minProbDepth?: number): TreeParams => ({ kind: 'chain', depth: 3, topK: 1, totalTokens: 8, minProb, minProbDepth });

  it('minProb gates every depth by default; from minProbDepth 2 the first node is drafted whatever its probability', async () => {
    const src = fixed([0.4, 0.9, 0.9]); // cumulative 0.4, 0.36, 0.324
    assert.deepEqual((await buildTree(src, ctx, chain(0.5))).tokens, []);
    assert.deepEqual((await buildTree(src, ctx, chain(0.5, 2))).tokens, [101]);
    assert.deepEqual((await buildTree(src, ctx, chain(0.35, 2))).tokens, [101, 102]);
    assert.deepEqual((await buildTree(src, ctx, chain(0.3, 2))).tokens, [101, 102, 103]);
    assert.deepEqual((await buildTree(src, ctx, chain(0))).tokens, [101, 102, 103]);
  });

  it('the hybrid drafts lookup where it matches, else the head chain its confidence allows (always its first node)', async () => {
    const silent: Drafter = { name: 'silent', needsTaps: false, reset: () => undefined, draft: async () => newTree() };
    const head = (probs: number[]): Drafter => ({ name: 'head', needsTaps: false, reset: () => undefined, draft: (c, p) => buildTree(fixed(probs), c, p) });
    const params = { ...chain(0), depth: 4 };
    assert.deepEqual((await new HybridDrafter(silent, head([0.2, 0.9, 0.9]), 3, 0.5).draft(ctx, params)).tokens, [101]);
    assert.deepEqual((await new HybridDrafter(silent, head([0.9, 0.9, 0.9]), 3, 0.5).draft(ctx, params)).tokens, [101, 102, 103]);
    assert.deepEqual((await new HybridDrafter(silent, head([0.9, 0.5, 0.9]), 3, 0.5).draft(ctx, params)).tokens, [101]);
    assert.deepEqual((await new HybridDrafter(silent, head([0.9, 0.9, 0.9]), 1).draft(ctx, params)).tokens, [101]);
    const lookup: Drafter = { name: 'lookup', needsTaps: false, reset: () => undefined, draft: async () => chainTree([5, 6]) };
    const h = new HybridDrafter(lookup, head([0.9, 0.9, 0.9]), 3, 0.5);
    assert.deepEqual((await h.draft(ctx, params)).tokens, [5, 6]);
    assert.deepEqual(h.served, { lookup: 1, head: 0, sibling: 0 });
    // The head's chain has its own depth, deeper than lookup's where the run has room (the
    // speculative loop says how much), none at depth 0; each tree says which source drafted it.
    const deep = await new HybridDrafter(silent, head([0.9, 0.9, 0.9]), 3).draft(ctx, { ...chain(0), depth: 1, room: 8 });
    assert.deepEqual(deep.tokens, [101, 102, 103]);
    assert.deepEqual((await new HybridDrafter(silent, head([0.9, 0.9, 0.9]), 3).draft(ctx, { ...chain(0), depth: 1, room: 2 })).tokens, [101, 102]);
    assert.deepEqual((await new HybridDrafter(silent, head([0.9, 0.9, 0.9]), 0).draft(ctx, params)).tokens, []);
  });

  it('the hybrid as one tree: the head\'s top token beside lookup\'s first, in trees only, when confident and new', async () => {
    const both = (probs: number[]): Drafter & DistributionSource => ({ name: 'head', needsTaps: false, reset: () => undefined, draft: (c, p) => buildTree(fixed(probs), c, p), ...fixed(probs) });
    const lookup = (toks: number[]): Drafter => ({ name: 'lookup', needsTaps: false, reset: () => undefined, draft: async () => ({ ...chainTree(toks), source: 'lookup' }) });
    const tree: TreeParams = { kind: 'dynamic', depth: 4, topK: 1, totalTokens: 5, minProb: 0 };
    const h = new HybridDrafter(lookup([5, 6]), both([0.9]), 1, 0, { minProb: 0.5 });
    const t = await h.draft(ctx, tree);
    assert.deepEqual([t.tokens, t.parents, t.prob, t.source], [[5, 6, 101], [-1, 0, -1], [1, 1, 0.9], 'lookup']);
    assert.equal(t.q[2], undefined, 'a deterministic proposal: the point mass in lossless sampling');
    assert.deepEqual(h.served, { lookup: 1, head: 0, sibling: 1 });
    assert.deepEqual((await h.draft(ctx, { ...chain(0), depth: 4 })).tokens, [5, 6], 'chains stay chains');
    assert.deepEqual((await new HybridDrafter(lookup([5, 6]), both([0.4]), 1, 0, { minProb: 0.5 }).draft(ctx, tree)).tokens, [5, 6], 'below the probability asked');
    assert.deepEqual((await new HybridDrafter(lookup([101, 6]), both([0.9]), 1, 0, { minProb: 0.5 }).draft(ctx, tree)).tokens, [101, 6], 'the same token as lookup\'s');
    assert.deepEqual((await new HybridDrafter(lookup([5, 6]), both([0.9]), 1, 0).draft(ctx, tree)).tokens, [5, 6], 'off unless asked');
    // Only beside short matches when asked: lookup's match of 3 tokens, at most 2 or 3 asked.
    const matched = (n: number): Drafter => ({ name: 'lookup', needsTaps: false, reset: () => undefined, draft: async () => ({ ...chainTree([5, 6]), source: 'lookup', match: n }) });
    assert.deepEqual((await new HybridDrafter(matched(3), both([0.9]), 1, 0, { minProb: 0.5, maxMatch: 2 }).draft(ctx, tree)).tokens, [5, 6]);
    assert.deepEqual((await new HybridDrafter(matched(3), both([0.9]), 1, 0, { minProb: 0.5, maxMatch: 3 }).draft(ctx, tree)).tokens, [5, 6, 101]);
  });
});

describe('greedy speculative decoding equals plain decoding (SmolLM2, dev-split code)', () => {
  let target: TargetModel;
  /** The same model with the tree-exact attention: tree rows exact where their keys keep their SGEMM panels. */
  let treeExact: TargetModel;
  const positions: string[] = [];
  before(async () => {
    target = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu' });
    treeExact = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu', graph: { attention: 'tree-exact' } });
    // 16 positions: 8 files, 2 each (24 before; docs/BENCHMARKS.md, "The test suite's
    // time").
    for (const f of devFiles(8, { minBytes: 2000, maxBytes: 30000 })) {
      for (const at of cursorOffsets(f.content, 2, f.path.length)) positions.push(f.content.slice(Math.max(0, at - 900), at));
    }
  });
  after(async () => { await target.dispose(); await treeExact.dispose(); });

  it('in the default numerics a verified row equals the row decoded alone, bit for bit (chains); trees are refused', async () => {
    assert.equal(target.padsSingleRow, true);
    for (const prompt of positions.slice(0, 3)) {
      const ids = target.tokenizer.encode(prompt).slice(-200);
      const cache = target.newCache();
      await target.extend(cache, ids.slice(0, 190));
      const block = await target.forward(cache, { ids: ids.slice(190, 196), rows: [0, 1, 2, 3, 4, 5], logits: true });
      const V = target.cfg.vocabSize;
      for (let j = 0; j < 6; j++) {
        const alone = await target.extend(cache, [ids[190 + j] as number], { logits: true });
        assert.deepEqual(Array.from(alone.logits as Float32Array), Array.from((block.logits as Float32Array).subarray(j * V, (j + 1) * V)), `row ${j}`);
      }
    }
    assert.equal(target.treeKeyPanel, undefined);
    await assert.rejects(new Engine(target).complete({ prompt: 'x', maxTokens: 4 }, {}, new NgramDrafter(), DYNAMIC), /draft trees are not bit-exact/);
  });

  it('with the tree-exact attention a tree row equals the row decoded alone along its path, bit for bit, where its keys keep their panels', async () => {
    const panel = treeExact.treeKeyPanel as number;
    assert.equal(panel, 256); // head width 64: MLAS packs the 64-column product in 256-key panels
    // 15 nodes, up to depth 3, ancestors at scattered columns.
    const shape = [-1, -1, -1, 0, 0, 1, 1, 2, 3, 3, 5, 7, 8, 10, 11];
    const V = treeExact.cfg.vocabSize;
    const ids = treeExact.tokenizer.encode(devFiles(2, { minBytes: 4000, maxBytes: 30000 }).map((f) => f.content).join('\n'));
    const rowsMatching = async (P: number, tree: DraftTree): Promise<boolean[]> => {
      const cache = treeExact.newCache();
      await treeExact.extend(cache, ids.slice(0, P));
      const parents = blockParents(tree);
      const depth = depths(parents);
      const block = [ids[P] as number, ...tree.tokens];
      const r = await treeExact.forward(cache, { ids: block, positions: Array.from(depth, (d) => P + d), parents, rows: block.map((_, b) => b), logits: true });
      const out: boolean[] = [];
      for (let b = 0; b < block.length; b++) {
        const path = ancestors(parents, b).reverse().map((a) => block[a] as number);
        cache.truncate(P);
        if (path.length > 1) await treeExact.extend(cache, path.slice(0, -1));
        const alone = await treeExact.forward(cache, { ids: [path[path.length - 1] as number], logits: true });
        out.push(Array.from(alone.logits as Float32Array).every((x, j) => x === (r.logits as Float32Array)[b * V + j]));
      }
      return out;
    };
    const treeAt = (P: number): DraftTree => {
      const tree = newTree();
      shape.forEach((p, i) => addNode(tree, p, ids[P + 1 + i] as number));
      return tree;
    };
    // Inside one panel (keys 0..135): every row, with ancestors at scattered columns.
    assert.deepEqual(await rowsMatching(120, treeAt(120)), Array(16).fill(true));
    // Straddling the panel edge at 256: rows whose key moves to the next panel differ, so the
    // test can fail; panelSafe keeps exactly the rows that stay exact.
    const straddling = await rowsMatching(250, treeAt(250));
    assert.ok(straddling.includes(false), 'a tree straddling a key panel was exact: the panel rule is not what limits exactness');
    const pruned = panelSafe(treeAt(250), 250, panel);
    assert.ok(pruned.tokens.length > 0 && pruned.tokens.length < 15, `pruned to ${pruned.tokens.length} nodes`);
    assert.deepEqual(await rowsMatching(250, pruned), Array(pruned.tokens.length + 1).fill(true));
  });

  // Adversarial drafters at many more prompts run on the fake target (loop.test.ts) in
  // milliseconds; here the real model's numerics: tree masks, depth positions, KV compaction.
  it('holds for 16 cursor positions with n-gram and oracle chains, and n-gram and random trees (tree-exact attention) at every fourth', async () => {
    assert.ok(positions.length >= 14, `only ${positions.length} positions`);
    const plain = new Engine(target);
    const spec = new Engine(target);
    const plainTrees = new Engine(treeExact);
    const specTrees = new Engine(treeExact);
    const ngram = new NgramDrafter();
    const random = sourceDrafter('random', new RandomSource(target.cfg.vocabSize, 7));
    let ngramAccepted = 0;
    for (const [i, prompt] of positions.entries()) {
      const req = { prompt, maxTokens: 21, ignoreEos: true };
      const want = await plain.complete(req);
      const ids = plain.promptIds(req);
      const runs: [Drafter, TreeParams][] = [[ngram, CHAIN], [oracleDrafter(ids, want.tokens), CHAIN]];
      // Trees run on the tree-exact target, whose plain output is their reference.
      const wantTrees = i % 4 === 0 ? await plainTrees.complete(req) : want;
      if (i % 4 === 0) runs.push([ngram, DYNAMIC], [random, DYNAMIC]);
      for (const [drafter, params] of runs) {
        const tree = params.kind !== 'chain';
        // The second run of a prompt finds it cached (all but its last token verified with the
        // first draft); the oracle's starts over, so that its first token comes from the prefill.
        const got = await (tree ? specTrees : spec).complete({ ...req, fresh: drafter.name === 'oracle' }, {}, drafter, params);
        assert.deepEqual(got.tokens, (tree ? wantTrees : want).tokens, `position ${i}, ${drafter.name} ${params.kind}`);
        assert.ok(got.spec);
        if (drafter.name === 'ngram') ngramAccepted += got.spec.accepted;
        if (drafter.name === 'oracle') {
          // 21 tokens = 1 from the prefill + 4 runs of (4 accepted + 1 bonus): every draft accepted.
          assert.equal(got.spec.targetRuns, 4, `position ${i}`);
          assert.equal(got.spec.tau, CHAIN.depth + 1);
          assert.deepEqual(got.spec.acceptanceByDepth, [1, 1, 1, 1]);
        }
      }
    }
    assert.ok(ngramAccepted > 0, 'the n-gram drafter never got a token accepted on real code');
  });

  it('typing: the prompt\'s last token verified with the first draft (no prompt run) gives plain decoding\'s tokens, healing included', async () => {
    const plain = new Engine(target);
    const spec = new Engine(target);
    const ngram = new NgramDrafter();
    let leads = 0;
    for (const [i, prompt] of positions.slice(0, 8).entries()) {
      const req = { prompt, maxTokens: 20, heal: true, ignoreEos: true };
      const want = await plain.complete(req);
      // A warmed cursor, then the request: an oracle chain takes 4 runs of 5 for 20 tokens.
      await spec.complete({ ...req, prefillOnly: true });
      const ids = spec.cache.tokens.slice();
      const oracle = await spec.complete(req, {}, oracleDrafter(ids, want.tokens), CHAIN);
      assert.deepEqual(oracle.tokens, want.tokens, `position ${i}, oracle`);
      assert.equal(oracle.timings.prefillTokens, 1);
      assert.equal(oracle.spec?.targetRuns, 4, `position ${i}`);
      assert.equal(oracle.spec?.tau, 5, `position ${i}: every run 5 tokens, the first one's included`);
      // The user typed two characters of it: lookup drafts, and the tokens are a cold start's.
      const typed = { ...req, prompt: prompt + want.text.slice(0, 2) };
      const got = await spec.complete(typed, {}, ngram, CHAIN);
      assert.equal(got.timings.prefillTokens, 1, `position ${i}: the cache held all but the last token`);
      assert.deepEqual(got.tokens, (await plain.complete({ ...typed, fresh: true })).tokens, `position ${i}, typed`);
      // Then more of it at once (a fast typist, a paste): the tokens after what the cache holds
      // run with the first draft, and the tokens are still a cold start's.
      const more = { ...req, prompt: prompt + want.text.slice(0, 12) };
      const warmed = new Engine(target);
      await warmed.complete({ ...req, prefillOnly: true });
      const then = await warmed.complete(more, {}, ngram, CHAIN);
      assert.ok(then.timings.prefillTokens <= PROMPT_ROOT_MAX, `position ${i}: ${then.timings.prefillTokens} prompt tokens to compute`);
      if (then.timings.prefillTokens > 1) leads++;
      assert.deepEqual(then.tokens, (await plain.complete({ ...more, fresh: true })).tokens, `position ${i}, typed more`);
    }
    assert.ok(leads >= 4, `${leads} of 8 requests had more than one prompt token to compute`);
  });

  it('compacts the KV cache to exactly what plain decoding builds for the accepted tokens, bit for bit', async () => {
    const spec = new Engine(treeExact);
    const prompt = positions[4] as string;
    const r = await spec.complete({ prompt, maxTokens: 30, ignoreEos: true }, {}, new NgramDrafter(), DYNAMIC);
    assert.ok(r.spec && r.spec.drafted > r.spec.accepted, 'need some rejected draft nodes');
    const ref = treeExact.newCache();
    // Plain decoding's cache: the prompt, then one token at a time.
    const ids = spec.cache.tokens.slice();
    const promptLen = spec.promptIds({ prompt, maxTokens: 30 }).length;
    await treeExact.extend(ref, ids.slice(0, promptLen));
    for (let i = promptLen; i < ids.length; i++) await treeExact.extend(ref, [ids[i] as number]);
    assert.equal(spec.cache.length, ref.length);
    let differing = 0;
    for (let l = 0; l < treeExact.cfg.nLayers; l++) {
      const a = spec.cache.rows(l);
      const b = ref.rows(l);
      for (let i = 0; i < a.k.length; i++) if (a.k[i] !== b.k[i] || a.v[i] !== b.v[i]) differing++;
    }
    assert.equal(differing, 0, `${differing} cache values differ from plain decoding's`);
  });
});

describe('the other numerics (fp32 activations, exact fp32 head): chains stay lossless (single-token steps padded to two rows)', () => {
  let target: TargetModel;
  before(async () => { target = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu', graph: FP32_GRAPH_OPTIONS }); });
  after(async () => { await target.dispose(); });

  it('a decode step gives bit-identical logits to the same row inside a verified block', async () => {
    assert.equal(target.padsSingleRow, true);
    const ids = target.tokenizer.encode('def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fib');
    const cache = target.newCache();
    await target.extend(cache, ids.slice(0, 20));
    const one = await target.forward(cache, { ids: [ids[20] as number], logits: true });
    const block = await target.forward(cache, { ids: ids.slice(20, 26), rows: [0], logits: true });
    assert.deepEqual(Array.from(one.logits as Float32Array), Array.from(block.logits as Float32Array));
  });

  it('n-gram and oracle chains equal plain decoding at 8 dev-split positions; trees are refused', async () => {
    const prompts: string[] = [];
    for (const f of devFiles(4, { minBytes: 2000, maxBytes: 30000 })) for (const at of cursorOffsets(f.content, 2, f.path.length + 1)) prompts.push(f.content.slice(Math.max(0, at - 900), at));
    const plain = new Engine(target);
    const spec = new Engine(target);
    for (const [i, prompt] of prompts.entries()) {
      const req = { prompt, maxTokens: 21, ignoreEos: true };
      const want = await plain.complete(req);
      for (const drafter of [new NgramDrafter(), oracleDrafter(plain.promptIds(req), want.tokens)]) {
        const r = await spec.complete(req, {}, drafter, CHAIN);
        assert.deepEqual(r.tokens, want.tokens, `position ${i}, ${drafter.name}`);
        // The runs by source add up to the whole: lookup's tagged, the oracle's not, empty drafts 'none'.
        const s = r.spec as SpecStats;
        const src = s.sources ?? {};
        assert.deepEqual(Object.keys(src).filter((k) => k !== 'none'), drafter instanceof NgramDrafter ? (s.drafted > 0 ? ['lookup'] : []) : (s.drafted > 0 ? ['other'] : []));
        assert.equal(Object.values(src).reduce((a, x) => a + x.runs, 0), s.targetRuns);
        assert.deepEqual(s.depthReached.map((_, d) => Object.values(src).reduce((a, x) => a + (x.depthReached[d] ?? 0), 0)), s.depthReached);
        assert.equal(src.none?.depthReached.length ?? 0, 0);
      }
    }
    await assert.rejects(spec.complete({ prompt: 'x', maxTokens: 4 }, {}, new NgramDrafter(), DYNAMIC), /draft trees are not bit-exact/);
  });
});
