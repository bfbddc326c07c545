import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpecStats } from '../../server/engine/engine';
import { DraftPolicy } from '../../server/drafting/policy';
import { DepthTuner } from '../../server/drafting/tuner';

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

describe('DepthTuner', () => {
  it('expected tokens per run are 1 + the shares P(accepted >= j) when every run drafts', () => {
    const t = new DepthTuner(4);
    t.observe(stats(4, 10000, always(4), [0.8, 0.5, 0.5, 0.5], 1, () => 20), 4);
    const c = t.curve();
    assert.ok(Math.abs((c[1]?.expectedTokens ?? 0) - 1.8) < 0.01);
    assert.ok(Math.abs((c[2]?.expectedTokens ?? 0) - 2.3) < 0.01);
    assert.ok(Math.abs((c[4]?.expectedTokens ?? 0) - 3.3) < 0.01);
  });

  it('models runs with no proposal: fewer expected tokens and the cost of a 1-row step', () => {
    const t = new DepthTuner(4);
    t.observePlain(10, 1000);
    // Half the runs find no match; the others always reach depth 4 and accept everything.
    t.observe(stats(4, 10000, [0.5, 0.5, 0.5, 0.5], [1, 1, 1, 1], 0, (r) => (r === 1 ? 10 : 20)), 4);
    const d4 = t.curve()[4];
    assert.ok(Math.abs((d4?.expectedTokens ?? 0) - 3) < 0.01, `E = 0.5 * 1 + 0.5 * 5 = 3, got ${d4?.expectedTokens}`);
    assert.ok(Math.abs((d4?.msPerRun ?? 0) - 15) < 0.01, `ms = 0.5 * 10 + 0.5 * 20 = 15, got ${d4?.msPerRun}`);
    // The old model (every run a full chain) would have said 5 tokens per 20 ms: 250 tokens/s, not 200.
    assert.ok(Math.abs((d4?.tokensPerS ?? 0) - 200) < 0.5);
  });

  it('weighs block sizes by how often a chain stops short', () => {
    const t = new DepthTuner(2);
    // reach_1 = 1, reach_2 = 0.25: 75% of the blocks have 2 rows, 25% have 3.
    t.observe(stats(2, 4000, [1, 0.25], [0.5, 0.5], 0, (r) => 10 * r), 2);
    const d2 = t.curve()[2];
    assert.ok(Math.abs((d2?.msPerRun ?? 0) - (0.75 * 20 + 0.25 * 30)) < 0.01);
    assert.ok(Math.abs((d2?.expectedTokens ?? 0) - (1 + 0.5 + 0.25 * 0.5)) < 0.01);
  });

  it('before measurements, reach follows the prior: reach1 at depth 1, then the ratio per depth', () => {
    const prior = { acceptance: 0.6, reach: 0.7, verifyRow1Ms: 15, verifyPerRowMs: 0.5, blockFactor: 1.1 };
    const lookup = new DepthTuner(3, prior).reach();
    const hybrid = new DepthTuner(3, { ...prior, reach1: 1 }).reach();
    lookup.forEach((r, j) => assert.ok(Math.abs(r - 0.7 ** (j + 1)) < 1e-12, `lookup reach_${j + 1} ${r}`));
    hybrid.forEach((r, j) => assert.ok(Math.abs(r - 0.7 ** j) < 1e-12, `hybrid reach_${j + 1} ${r}`));
    // Measurements outweigh it: 1,000 runs that all reached depth 1.
    const measured = new DepthTuner(3, prior);
    measured.observe(stats(1, 1000, [1], [0.5], 0, () => 20), 1);
    assert.ok((measured.reach()[0] as number) > 0.99);
  });

  it('a drafter that always proposes infers plain decoding\'s cost from its smallest block, not from the prior', () => {
    const prior = { acceptance: 0.6, reach: 1, verifyRow1Ms: 15, verifyPerRowMs: 0.5, blockFactor: 1.1 };
    const t = new DepthTuner(4, prior);
    // Every run drafts 1-2 nodes: blocks of 2 rows (33 ms) and 3 rows, never a 1-row step.
    t.observe(stats(2, 200, [1, 0.5], [0.4, 0.3], 1, (r) => 33 + (r - 2)), 2);
    assert.ok(Math.abs((t.curve()[0]?.msPerRun ?? 0) - 30) < 1e-9, `plain ${t.curve()[0]?.msPerRun} ms`);
    // Measured plain steps win over the inference.
    t.observePlain(28, 100);
    assert.equal(t.curve()[0]?.msPerRun, 28);
  });

  it('knows the deepest depth it has measured (auto climbs at most one past it)', () => {
    const t = new DepthTuner(8);
    assert.equal(t.measuredDepth(), 0);
    t.observe(stats(4, 100, [1, 0.5, 0.25, 0.1], [0.6, 0.5, 0.4, 0.3], 0.1, () => 20), 4);
    assert.equal(t.measuredDepth(), 4);
    t.observe(stats(2, 100, [1, 1], [0.6, 0.5], 0.1, () => 20), 2);
    assert.equal(t.measuredDepth(), 4);
  });

  it('chooses plain decoding when drafts are rarely accepted, and deeper drafts when they are cheap and good', () => {
    const bad = new DepthTuner(6);
    bad.observePlain(10, 1000);
    bad.observe(stats(3, 5000, always(3), [0.05, 0.2, 0.2], 2, () => 25), 3);
    assert.equal(bad.best().depth, 0);
    const good = new DepthTuner(6);
    good.observePlain(10, 1000);
    good.observe(stats(6, 5000, always(6), [0.9, 0.9, 0.9, 0.9, 0.9, 0.9], 0.2, () => 12), 6);
    assert.equal(good.best().depth, 6);
  });

  it('auto climbs to deeper chains that measured well, but never past maxDepth', () => {
    const choose = (maxDepth?: number): number => {
      const p = new DraftPolicy({ mode: 'auto', depth: 'auto', modelPath: 'm.gguf', tree: 'chain', treeWidth: 2, treeTokens: 8, exploreEvery: 0, maxDepth, headPath: () => undefined });
      // n-gram chains that always reach depth 6 and are nearly always right, for a cheap block.
      p.observe({ drafter: 'ngram', tree: { kind: 'chain', depth: 6 } }, { spec: stats(6, 5000, always(6), [0.95, 0.95, 0.95, 0.95, 0.95, 0.95], 0.01, (r) => 12 + 0.1 * r), timings: { decodeTokens: 0, decodeMs: 0 } } as never, false);
      return p.choose()?.tree?.depth ?? 0;
    };
    assert.equal(choose(), 7, 'one past the deepest measured depth');
    assert.equal(choose(4), 4);
    assert.equal(choose(2), 2);
  });

  it('asks for adaptive chains only when told to, and never for trees', () => {
    const ask = (o: { adapt?: boolean; tree?: 'chain' | 'dynamic' }) => new DraftPolicy({ mode: 'ngram', depth: 4, modelPath: 'm.gguf', tree: o.tree ?? 'chain', treeWidth: 2, treeTokens: 8, adapt: o.adapt }).choose();
    assert.deepEqual(ask({}), { drafter: 'ngram', tree: { kind: 'chain', depth: 4 } });
    assert.deepEqual(ask({ adapt: true }), { drafter: 'ngram', tree: { kind: 'chain', depth: 4, adapt: true } });
    assert.deepEqual(ask({ adapt: true, tree: 'dynamic' }), { drafter: 'ngram', tree: { kind: 'dynamic', depth: 4, topK: 2, totalTokens: 8 } });
  });
});
