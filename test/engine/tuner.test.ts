import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpecStats } from '../../server/engine/engine';
import { DepthTuner } from '../../server/drafting/tuner';

/** Stats of `runs` chains of `depth` whose accepted length is >= j with probability shares[j-1]. */
const stats = (depth: number, runs: number, shares: number[], draftMs: number, verifyMs: number): SpecStats => ({
  drafter: 't', targetRuns: runs, drafted: runs * depth, accepted: 0, tau: 0, acceptanceByDepth: shares,
  depthReached: shares.map(() => runs), depthAccepted: shares.map((p) => Math.round(runs * p)),
  draftMs: draftMs * runs * depth, verifyMs: verifyMs * runs, otherMs: 0,
});

describe('DepthTuner', () => {
  it('expected tokens per run are 1 + the measured shares P(accepted >= j) (the engine\'s acceptance by depth)', () => {
    const t = new DepthTuner(4);
    t.observe(stats(4, 10000, [0.8, 0.4, 0.2, 0.1], 1, 20), 4);
    const c = t.curve();
    assert.ok(Math.abs((c[1]?.expectedTokens ?? 0) - 1.8) < 0.01);
    assert.ok(Math.abs((c[2]?.expectedTokens ?? 0) - 2.2) < 0.01);
    assert.ok(Math.abs((c[4]?.expectedTokens ?? 0) - 2.5) < 0.01);
  });
  it('chooses plain decoding when drafts are rarely accepted, and deeper drafts when they are cheap and good', () => {
    const bad = new DepthTuner(6);
    bad.observePlain(10, 1000);
    bad.observe(stats(3, 5000, [0.05, 0.01, 0.002], 2, 25), 3);
    assert.equal(bad.best().depth, 0);
    const good = new DepthTuner(6);
    good.observePlain(10, 1000);
    good.observe(stats(6, 5000, [0.9, 0.81, 0.73, 0.66, 0.59, 0.53], 0.2, 12), 6);
    assert.equal(good.best().depth, 6);
  });
});
