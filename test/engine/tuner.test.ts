import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpecStats } from '../../server/engine/engine';
import { DraftPolicy, draftLabel } from '../../server/drafting/policy';
import { BlockCosts, SourceTuner } from '../../server/drafting/tuner';
import type { SourceStats } from '../../server/engine/types';

/**
 * Stats of `runs` runs asking for chains of `depth`: a share `reach[j-1]` of them drafted at
 * least j nodes, and `accept[j-1]` of those reaching j accepted >= j tokens. Verify ms per block
 * of r rows is `verify(r)`, draft ms per node `draftMs`.
 */
function stats(depth: number, runs: number, reach: number[], accept: number[], draftMs: number, verify: (rows: number) => number): SpecStats {
  const reached = reach.map((r) => Math.round(runs * r));
  const rowsRuns = Array.from({ length: depth + 1 }, (_, r) => (r === 0 ? runs : (reached[r - 1] as number)) - (r === depth ? 0 : (reached[r] as number)));
  const drafted = reached.reduce((a, b) => a + b, 0);
  return {
    drafter: 't', targetRuns: runs, drafted, accepted: 0, tau: 0, acceptanceByDepth: accept,
    depthReached: reached, depthAccepted: reached.map((n, j) => Math.round(n * (accept[j] as number))),
    draftMs: draftMs * drafted, verifyMs: 0, otherMs: 0,
    rowsRuns, rowsMs: rowsRuns.map((n, i) => n * verify(i + 1)),
  };
}

const always = (d: number): number[] => new Array<number>(d).fill(1);

/** The same stats with every run that drafted credited to `source` (the others to 'none'). */
function bySource(s: SpecStats, source: 'lookup' | 'head', msPerRun = 0): SpecStats {
  const drafting = s.depthReached[0] ?? 0;
  const nodesRuns = s.rowsRuns.slice(1);
  const src: SourceStats = { runs: drafting, depthReached: s.depthReached, depthAccepted: s.depthAccepted, nodesRuns: [0, ...nodesRuns], nodesMs: [0, ...nodesRuns.map((n) => n * msPerRun)] };
  const none: SourceStats = { runs: s.targetRuns - drafting, depthReached: [], depthAccepted: [], nodesRuns: [s.targetRuns - drafting], nodesMs: [0] };
  return { ...s, sources: { [source]: src, none } };
}

/**
 * Hybrid stats: `lookupRuns` runs of the prompt's lookup chains, `headRuns` of head chains, and
 * with `store`, its runs of datastore chains of d; blocks at verify(r) ms.
 */
function hybrid(lookupRuns: number, d: number, accL: number[], headRuns: number, h: number, accH: number[], headMs: number, verify: (rows: number) => number, store?: { runs: number; acc: number[] }): SpecStats {
  const src = (runs: number, depth: number, acc: number[], ms: number): SourceStats => ({
    runs, depthReached: new Array<number>(depth).fill(runs), depthAccepted: acc.slice(0, depth).map((a) => Math.round(a * runs)),
    nodesRuns: Object.assign(new Array<number>(depth + 1).fill(0), { [depth]: runs }), nodesMs: Object.assign(new Array<number>(depth + 1).fill(0), { [depth]: runs * ms }),
  });
  const rowsRuns = new Array<number>(Math.max(d, h) + 1).fill(0);
  rowsRuns[d] = (rowsRuns[d] ?? 0) + lookupRuns + (store?.runs ?? 0);
  rowsRuns[h] = (rowsRuns[h] ?? 0) + headRuns;
  const runs = lookupRuns + headRuns + (store?.runs ?? 0);
  return {
    drafter: 'hybrid', targetRuns: runs, drafted: lookupRuns * d + headRuns * h, accepted: 0, tau: 0, acceptanceByDepth: [], depthReached: [], depthAccepted: [],
    draftMs: headRuns * headMs, verifyMs: 0, otherMs: 0, rowsRuns, rowsMs: rowsRuns.map((n, i) => n * verify(i + 1)),
    sources: { lookup: src(lookupRuns, d, accL, 0), head: src(headRuns, h, accH, headMs), ...(store ? { store: src(store.runs, d, store.acc, 0) } : {}) },
  };
}

describe('BlockCosts', () => {
  it('a drafter that always proposes infers plain decoding\'s cost from its smallest block, not from the prior', () => {
    const b = new BlockCosts({ verifyRow1Ms: 15, verifyPerRowMs: 0.5, blockFactor: 1.1 });
    assert.equal(b.cost(1), 15, 'the prior before anything is measured');
    // Every run drafts 1-2 nodes: blocks of 2 rows (33 ms) and 3 rows, never a 1-row step.
    b.observe(stats(2, 200, [1, 0.5], [0.4, 0.3], 1, (r) => 33 + (r - 2)));
    assert.ok(Math.abs(b.cost(1) - 30) < 1e-9, `plain ${b.cost(1)} ms`);
    assert.ok(Math.abs(b.cost(5) - (34 + 0.5 * 2)) < 1e-9, `5 rows: the nearest measured block (3 rows) + the prior's 0.5 ms a row, got ${b.cost(5)}`);
    // Measured plain steps win over the inference.
    b.observePlain(28, 100);
    assert.equal(b.cost(1), 28);
  });
});

describe('DraftPolicy', () => {
  it('auto drafts as deep as measured well, explores one past it, and never past maxDepth', () => {
    const choose = (maxDepth?: number, exploreEvery = 0): number => {
      const p = new DraftPolicy({ mode: 'auto', depth: 'auto', modelPath: 'm.gguf', tree: 'chain', treeWidth: 2, treeTokens: 8, exploreEvery, maxDepth, headPath: () => undefined });
      // n-gram chains that always reach depth 6 and are nearly always right, for a cheap block.
      p.observe({ drafter: 'ngram', tree: { kind: 'chain', depth: 6 } }, { spec: bySource(stats(6, 5000, always(6), [0.95, 0.95, 0.95, 0.95, 0.95, 0.95], 0.01, (r) => 12 + 0.1 * r), 'lookup'), timings: { decodeTokens: 0, decodeMs: 0 } } as never, false);
      return p.choose()?.tree?.depth ?? 0;
    };
    assert.equal(choose(), 6, 'the deepest measured depth, not one past it on the prior\'s word');
    assert.equal(choose(undefined, 1), 7, 'exploration: one past the deepest measured depth');
    assert.equal(choose(4), 4);
    assert.equal(choose(2, 1), 2);
  });

  it('names a draft in a few words for the log and the reports', () => {
    assert.equal(draftLabel(undefined), 'plain');
    assert.equal(draftLabel({ drafter: 'hybrid', head: '/h/smollm2-135m-prism.gguf', tree: { kind: 'chain', depth: 4 } }), 'hybrid d4+h1');
    assert.equal(draftLabel({ drafter: 'hybrid', head: '/h/smollm2-135m-prism.gguf', headDepth: 3, tree: { kind: 'chain', depth: 5 }, datastore: false }), 'hybrid d5+h3 no store');
    assert.equal(draftLabel({ drafter: 'head', head: '/h/smollm2-135m-eagle3.gguf', tree: { kind: 'chain', depth: 2 } }), 'eagle3 d2');
    assert.equal(draftLabel({ drafter: 'ngram', tree: { kind: 'chain', depth: 4 }, datastore: false }), 'ngram d4 no store');
  });

  it('asks for adaptive chains only when told to, and never for trees', () => {
    const ask = (o: { adapt?: boolean; tree?: 'chain' | 'dynamic' }) => new DraftPolicy({ mode: 'ngram', depth: 4, modelPath: 'm.gguf', tree: o.tree ?? 'chain', treeWidth: 2, treeTokens: 8, adapt: o.adapt }).choose();
    assert.deepEqual(ask({}), { drafter: 'ngram', tree: { kind: 'chain', depth: 4 } });
    assert.deepEqual(ask({ adapt: true }), { drafter: 'ngram', tree: { kind: 'chain', depth: 4, adapt: true } });
    assert.deepEqual(ask({ adapt: true, tree: 'dynamic' }), { drafter: 'ngram', tree: { kind: 'dynamic', depth: 4, topK: 2, totalTokens: 8 } });
  });
});

describe('SourceTuner', () => {
  const verify = (r: number) => 20 + 2 * (r - 1);

  it('models lookup and the head apart: tokens and ms per run of every mix, plain included', () => {
    const t = new SourceTuner(8);
    t.observePlain(20, 1000);
    // 40,000 runs: lookup proposed in 3 of 4 (chains of 4, always reaching 4), the head drafted
    // 2 nodes in the others, at 2 ms a chain.
    t.observe(hybrid(30000, 4, [0.8, 0.75, 0.5, 0.5], 10000, 2, [0.6, 0.5], 2, verify), 4, 2);
    assert.ok(Math.abs(t.lookupRate() - 0.75) < 1e-3, `P(lookup proposes) ${t.lookupRate()}`);
    const x = t.point(4, 2);
    // Lookup block: 1 + 0.8 + 0.75 + 0.5 + 0.5 tokens, 28 ms; head block: 1 + 0.6 + 0.5 tokens, 24 + 2 ms.
    assert.ok(Math.abs(x.expectedTokens - (0.75 * 3.55 + 0.25 * 2.1)) < 1e-3, `E ${x.expectedTokens}`);
    assert.ok(Math.abs(x.msPerRun - (0.75 * 28 + 0.25 * 26)) < 0.01, `ms ${x.msPerRun}`);
    // The head alone, everywhere: its own block in every run.
    const head = t.point(0, 2);
    assert.ok(Math.abs(head.expectedTokens - 2.1) < 1e-3 && Math.abs(head.msPerRun - 26) < 0.01, JSON.stringify(head));
    // Lookup alone: where it is silent, a one-row step (20 ms, measured by plain decoding).
    const lookup = t.point(4, 0);
    assert.ok(Math.abs(lookup.expectedTokens - (0.75 * 3.55 + 0.25)) < 1e-3, JSON.stringify(lookup));
    // (0.1 ms: the prior's cost of a lookup that finds nothing, not measured here.)
    assert.ok(Math.abs(lookup.msPerRun - (0.75 * 28 + 0.25 * (20 + 0.1))) < 0.02, JSON.stringify(lookup));
    assert.deepEqual({ ...t.point(0, 0) }, { lookup: 0, head: 0, store: false, expectedTokens: 1, msPerRun: 20, tokensPerS: 50 });
    // Shallower chains follow from the same measurements: 2 lookup tokens, 1 head token.
    const small = t.point(2, 1);
    assert.ok(Math.abs(small.expectedTokens - (0.75 * 2.55 + 0.25 * 1.6)) < 1e-3, JSON.stringify(small));
  });

  it('leaves out the runs that continued an earlier output (source recent): lookup\'s rate and acceptance stay the prompt\'s', () => {
    const base = hybrid(30000, 4, [0.8, 0.75, 0.5, 0.5], 10000, 2, [0.6, 0.5], 2, verify);
    const recent: SourceStats = { runs: 5000, depthReached: new Array<number>(8).fill(5000), depthAccepted: new Array<number>(8).fill(5000), nodesRuns: [], nodesMs: [] };
    const withRecent: SpecStats = { ...base, targetRuns: base.targetRuns + 5000, sources: { ...base.sources, recent } };
    const [a, b] = [new SourceTuner(8), new SourceTuner(8)];
    for (const t of [a, b]) t.observePlain(20, 1000);
    a.observe(base, 4, 2);
    b.observe(withRecent, 4, 2);
    assert.ok(Math.abs(b.lookupRate() - 0.75) < 1e-3, `P(lookup proposes) ${b.lookupRate()}`);
    assert.equal(b.point(4, 2).expectedTokens, a.point(4, 2).expectedTokens);
    assert.equal(b.point(6, 0).expectedTokens, a.point(6, 0).expectedTokens, 'its deeper chains do not teach lookup depths it never drafted');
  });

  it('models the datastore as a third source: where the prompt has no match it proposes at its own rate and acceptance', () => {
    const t = new SourceTuner(8);
    t.observePlain(20, 1000);
    // 10,000 runs with the store on: the prompt proposed in 6,000 (4 tokens, 90% right each),
    // the datastore in 1,000 of the other 4,000 (25%), the head (1 node, 80%, 1 ms) in the rest.
    t.observe(hybrid(6000, 4, [0.9, 0.9, 0.9, 0.9], 3000, 1, [0.8], 1, verify, { runs: 1000, acc: [0.25, 0.25, 0.25, 0.25] }), 4, 1, true);
    const p = 0.6;
    const q = 0.25;
    const on = t.point(4, 1, true);
    const off = t.point(4, 1, false);
    assert.equal(on.store, true);
    assert.equal(off.store, false);
    // Blocks: the prompt's 1 + 4 x 0.9 = 4.6 tokens, the store's 2.0, the head's 1.8; 5 rows 28 ms, 2 rows 22 ms.
    const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) < tol, `${what}: ${a} vs ${b}`);
    near(on.expectedTokens, p * 4.6 + (1 - p) * (q * 2.0 + (1 - q) * 1.8), 0.01, 'tokens, store on');
    near(on.msPerRun, p * 28 + (1 - p) * (q * 28 + (1 - q) * (1 + 22)), 0.02, 'ms, store on');
    // Off, the head drafts wherever the prompt is silent: its measured acceptance there stands.
    near(off.expectedTokens, p * 4.6 + (1 - p) * 1.8, 0.01, 'tokens, store off');
    near(off.msPerRun, p * 28 + (1 - p) * 23, 0.02, 'ms, store off');
    assert.ok(off.tokensPerS > on.tokensPerS, 'a store right a quarter of the time in 5-row blocks loses to the head\'s 2-row blocks');
  });

  it('chooses plain decoding when no source is right often enough to pay for its blocks', () => {
    const t = new SourceTuner(8);
    t.observePlain(20, 1000);
    t.observe(hybrid(5000, 4, [0.1, 0, 0, 0], 5000, 2, [0.1, 0], 2, verify), 4, 2);
    const grid = [0, 1, 2, 3, 4].flatMap((d) => [0, 1, 2].map((h) => t.point(d, h)));
    const best = grid.reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a));
    assert.deepEqual([best.lookup, best.head, best.tokensPerS], [0, 0, 50]);
  });

  it('estimates the head alone from the runs the head served in the hybrid, and lookup from its own', () => {
    const t = new SourceTuner(8);
    t.observePlain(20, 1000);
    // A head that is right 90% of the time and a lookup that is right 30%: the head alone wins.
    t.observe(hybrid(5000, 4, [0.3, 0.1, 0.1, 0.1], 5000, 3, [0.9, 0.9, 0.9], 2, verify), 4, 3);
    const grid = [0, 1, 2, 3, 4].flatMap((d) => [0, 1, 2, 3].map((h) => t.point(d, h)));
    const best = grid.reduce((a, b) => (b.tokensPerS > a.tokensPerS ? b : a));
    assert.deepEqual([best.lookup, best.head], [0, 3]);
  });

  it('auto in the language server: the measured mix the tuner models best; exploration one token deeper in each source, or the datastore the other way, in turn', () => {
    // A padded target: a one-token step costs about a 2-row block (here 22 / 1.1 = 20 ms).
    const policy = (exploreEvery: number) => new DraftPolicy({ mode: 'auto', depth: 'auto', modelPath: 'm.gguf', tree: 'chain', treeWidth: 2, treeTokens: 8, exploreEvery, padded: true, headPath: () => '/h/prism.gguf' });
    const p = policy(2);
    const H = { drafter: 'hybrid', head: '/h/prism.gguf' } as const;
    assert.deepEqual(p.choose(), { ...H, tree: { kind: 'chain', depth: 4 } }, 'before measurements: the start (lookup 4, head 1), datastore on');
    const other = new DraftPolicy({ mode: 'auto', depth: 'auto', modelPath: 'm.gguf', tree: 'chain', treeWidth: 2, treeTokens: 8, exploreEvery: 2, padded: true, headPath: () => '/h/prism.gguf', start: { lookup: 5, head: 2 } });
    assert.deepEqual(other.choose(), { ...H, headDepth: 2, tree: { kind: 'chain', depth: 5 } }, 'another start, as the benchmark compares them');
    // The datastore's matches (where the prompt has none) are right 20% of the time, the head 80%.
    const poorStore = hybrid(6000, 4, [0.9, 0.9, 0.9, 0.9], 3000, 1, [0.8], 1, verify, { runs: 1000, acc: [0.2, 0.1, 0.1, 0.1] });
    p.observe({ ...H, tree: { kind: 'chain', depth: 4 } }, { spec: poorStore, timings: { decodeTokens: 0, decodeMs: 0 } } as never, false);
    const off = { datastore: false };
    assert.deepEqual(p.choose(), { ...H, tree: { kind: 'chain', depth: 5 }, ...off }, 'explored: lookup one deeper');
    assert.ok(p.expected && p.expected.lookup === 5 && p.expected.head === 1 && !p.expected.store && p.expected.tokensPerS > 0);
    assert.deepEqual(p.choose(), { ...H, tree: { kind: 'chain', depth: 4 }, ...off }, 'the datastore off: the head drafts better there');
    assert.deepEqual(p.choose(), { ...H, headDepth: 2, tree: { kind: 'chain', depth: 4 }, ...off }, 'explored: the head one deeper');
    p.choose();
    assert.deepEqual(p.choose(), { ...H, tree: { kind: 'chain', depth: 4 } }, 'explored: the datastore on again');
    // A datastore right 95% of the time stays on.
    const q = policy(0);
    q.observe({ drafter: 'hybrid', head: '/h/prism.gguf', tree: { kind: 'chain', depth: 4 } }, { spec: hybrid(6000, 4, [0.9, 0.9, 0.9, 0.9], 3000, 1, [0.8], 1, verify, { runs: 1000, acc: [0.95, 0.95, 0.95, 0.95] }), timings: { decodeTokens: 0, decodeMs: 0 } } as never, false);
    assert.equal(q.choose()?.datastore, undefined);
    // A head that fails leaves lookup alone, with a tuner of its own.
    p.fallback({ drafter: 'hybrid', head: '/h/prism.gguf' });
    assert.equal(p.choose()?.drafter, 'ngram');
  });

  it('chains that grow: each depth asked modelled apart, weighted by how often a whole chain sends the next one deeper', () => {
    // Lookup alone, chains of 2 growing to 4 (2 -> 4 -> 4). At depth 2, 1,000 runs: right 50% (a
    // right first token has a right second); at depth 4, 500 runs, the first three 90/80/80% right,
    // the whole chain 50%. So P(up) is 0.5 at both depths, and the stationary shares are 1 : 1.
    const base = hybrid(1000, 2, [0.5, 0.5], 0, 1, [0], 0, verify);
    const deep = hybrid(500, 4, [0.9, 0.8, 0.8, 0.5], 0, 1, [0], 0, verify);
    const both: SpecStats = {
      ...base, targetRuns: 1500,
      rowsRuns: [0, 0, 1000, 0, 500], rowsMs: [0, 0, 1000 * verify(3), 0, 500 * verify(5)],
      sources: { lookup: base.sources?.lookup as SourceStats, 'lookup@4': deep.sources?.lookup as SourceStats },
      growth: { 2: { runs: 1000, up: 500, silent: 0 }, 4: { runs: 500, up: 250, silent: 0 } },
    };
    const t = new SourceTuner(8);
    t.observePlain(20, 1000);
    t.observe(both, 2, 0);
    const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) < tol, `${what}: ${a} vs ${b}`);
    // (The priors weigh 4 runs: the model is within 0.01 token of the counts.) Depth 2 alone: 1 + 0.5 + 0.5 tokens in a 3-row block (24 ms); the deeper runs do not count.
    const fixed = t.point(2, 0);
    near(fixed.expectedTokens, 2.0, 0.01, 'tokens at depth 2');
    near(fixed.msPerRun, 24, 0.05, 'ms at depth 2');
    // Growing to 4: half the runs at depth 4, 1 + 0.9 + 0.8 + 0.8 + 0.5 = 4 tokens in 28 ms.
    const grown = t.point(2, 0, false, 4);
    near(grown.expectedTokens, (2.0 + 4.0) / 2, 0.01, 'tokens, growing');
    near(grown.msPerRun, (24 + 28) / 2, 0.05, 'ms, growing');
    near(grown.tokensPerS, 3000 / 26, 0.5, 'tokens/s, growing');
    assert.deepEqual(t.point(2, 0, false, 2), fixed, 'grow at the depth itself: the fixed chain');
    // A policy that grows its chains estimates its drafts the same way.
    const p = new DraftPolicy({ mode: 'ngram', depth: 'auto', modelPath: 'm.gguf', tree: 'chain', treeWidth: 2, treeTokens: 8, exploreEvery: 0, grow: 4 });
    const draft = { drafter: 'ngram', tree: { kind: 'chain', depth: 2, grow: 4 } } as const;
    p.observe(draft, { spec: both, timings: { decodeTokens: 0, decodeMs: 0 } } as never, false);
    p.observe(undefined, { timings: { decodeTokens: 1000, decodeMs: 20000 } } as never, false);
    near(p.estimate(draft).tokensPerS, 3000 / 26, 0.5, 'the policy\'s estimate');
    near(p.estimate({ drafter: 'ngram', tree: { kind: 'chain', depth: 2 } }).tokensPerS, 2000 / 24, 0.5, 'the same draft without growth');
  });


});
