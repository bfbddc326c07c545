// The draft tree's structure functions and the sampler's draws, on hand-made trees.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addNode, ancestors, bestNodes, blockChildren, blockParents, chainTree, commonPrefix, depths, keepNodes, newTree, panelSafe, pathTo } from '../../server/engine/draft-tree';
import { topN } from '../../server/engine/drafter';
import { drawFrom, Rng } from '../../server/engine/sampler';

//        root
//       /    \
//     0:10   1:11
//     /  \      \
//  2:12  3:13   4:14
//   |
//  5:15
function sample(): ReturnType<typeof newTree> {
  const t = newTree();
  for (const [parent, token] of [[-1, 10], [-1, 11], [0, 12], [0, 13], [1, 14], [2, 15]] as const) addNode(t, parent, token);
  return t;
}

describe('draft tree', () => {
  it('walks ancestors, depths and paths', () => {
    const t = sample();
    assert.deepEqual(ancestors(t.parents, 5), [5, 2, 0]);
    assert.deepEqual(ancestors(t.parents, -1), []);
    assert.deepEqual(Array.from(depths(t.parents)), [0, 0, 1, 1, 1, 2]);
    assert.deepEqual(pathTo(t, 5), [10, 12, 15]);
    assert.deepEqual(pathTo(t, 4), [11, 14]);
  });

  it('gives the block view: the root at 0, node i at i + 1', () => {
    const t = sample();
    assert.deepEqual(blockParents(t), [-1, 0, 0, 1, 1, 2, 3]);
    assert.deepEqual(blockChildren(t), [[1, 2], [3, 4], [5], [6], [], [], []]);
  });

  it('refuses a parent that comes later', () => {
    const t = chainTree([1, 2]);
    assert.throws(() => addNode(t, 2, 9), /parent 2 is not in a tree of 2 nodes/);
    assert.throws(() => depths([-1, 2, 0]), /after their parents/);
  });

  it('keeps the best nodes with their ancestors, re-indexed', () => {
    const t = sample();
    // Node 5 scores best, then 4: keeping 4 nodes takes 5 with its chain (0, 2) and no room is
    // left for 4 with its parent 1, so 3 comes next.
    const kept = bestNodes(t, [0.5, 0.1, 0.4, 0.2, 0.6, 0.9], 4);
    assert.deepEqual(kept.tokens, [10, 12, 13, 15]);
    assert.deepEqual(kept.parents, [-1, 0, 0, 1]);
    assert.equal(bestNodes(t, [1, 1, 1, 1, 1, 1], 6), t);
  });

  it('keeps the nodes whose block column and decoded position share a key panel (panelSafe)', () => {
    const t = sample();
    // Node i sits at key column past+i+1 in the block and at past+depth+1 when decoded alone.
    assert.equal(panelSafe(t, 0, 8), t); // every key in panel 0
    const a = panelSafe(t, 4, 8); // nodes 3, 4, 5 move from panel 0 to panel 1
    assert.deepEqual([a.tokens, a.parents], [[10, 11, 12], [-1, -1, 0]]);
    // Node 5 (column 11, position 8: both panel 1) goes with its parent 2 (column 8, position 7).
    const b = panelSafe(t, 5, 8);
    assert.deepEqual([b.tokens, b.parents], [[10, 11], [-1, -1]]);
    const chain = chainTree([1, 2, 3, 4, 5, 6]);
    for (let past = 0; past < 20; past++) assert.equal(panelSafe(chain, past, 8), chain);
    assert.throws(() => keepNodes(t, (i) => i !== 0), /node 2 is kept without its parent 0/);
    // What proposed the tree stays with what is kept of it (the loop counts runs by source).
    const tagged = { ...chainTree([1, 2, 3]), source: 'recent' as const, match: 5 };
    const kept = keepNodes(tagged, (i) => i < 2);
    assert.deepEqual([kept.tokens, kept.source, kept.match], [[1, 2], 'recent', 5]);
  });

  it('measures common prefixes of tokens and strings', () => {
    assert.equal(commonPrefix([1, 2, 3], [1, 2, 4, 5]), 2);
    assert.equal(commonPrefix([], [1]), 0);
    assert.equal(commonPrefix('def f', 'def g'), 4);
  });
});

describe('topN', () => {
  it('equals a stable sort by probability, ties in entry order, for every n', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const len = 1 + Math.floor(rng.next() * 40);
      // Few distinct values, so ties are common; ids shuffled so entry order differs from id order.
      const probs = Float64Array.from({ length: len }, () => Math.floor(rng.next() * 5) / 8);
      const ids = Int32Array.from({ length: len }, (_, i) => (i * 7919 + trial) % 50_000);
      const sorted = Array.from(ids.keys()).sort((a, b) => (probs[b] as number) - (probs[a] as number));
      for (const n of [0, 1, 2, 4, len, len + 3]) {
        const want = sorted.slice(0, n).map((i) => ({ id: ids[i] as number, p: probs[i] as number }));
        assert.deepEqual(topN({ ids, probs }, n), want, `trial ${trial}, n ${n}`);
      }
    }
  });
});

describe('drawFrom', () => {
  it('draws by cumulative weight, normalised or not, never an id of weight 0', () => {
    const d = { ids: Int32Array.from([7, 8, 9]), probs: Float64Array.from([0.25, 0, 0.75]) };
    assert.equal(drawFrom(d, 0), 7);
    assert.equal(drawFrom(d, 0.2499), 7);
    assert.equal(drawFrom(d, 0.25), 9);
    assert.equal(drawFrom(d, 0.999999), 9);
    const w = { ids: Int32Array.from([7, 8, 9]), probs: Float64Array.from([1, 2, 0]) };
    assert.equal(drawFrom(w, 0.3), 7);
    assert.equal(drawFrom(w, 0.34), 8);
    assert.equal(drawFrom(w, 0.9999), 8);
    assert.throws(() => drawFrom({ ids: Int32Array.from([1]), probs: Float64Array.from([0]) }, 0.5), /no positive weight/);
  });
});
