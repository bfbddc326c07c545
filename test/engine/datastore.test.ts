// The repository datastore against brute force: the longest matched suffix, real continuations,
// the most frequent one first, changed and deleted files; and the n-gram drafter using it only
// where the prompt has no match.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Datastore, type LookupOptions, SEP, SuffixIndex, suffixArray } from '../../server/engine/datastore';
import { ngramTree } from '../../server/engine/ngram';
import { Rng } from '../../server/engine/sampler';

const OPTS: LookupOptions = { maxN: 6, minN: 2, depth: 5, branches: 3, scan: 1000 };

/** The longest suffix of ctx (minN..maxN) occurring in some file with at least one token after it. */
function bruteLongest(files: number[][], ctx: number[], o: LookupOptions): number {
  for (let n = Math.min(o.maxN, ctx.length); n >= o.minN; n--) {
    const pat = ctx.slice(ctx.length - n);
    for (const f of files) {
      for (let p = 0; p + n < f.length; p++) if (pat.every((t, j) => f[p + j] === t)) return n;
    }
  }
  return 0;
}

function occursAfter(files: number[][], pat: number[], cont: number[]): boolean {
  const seq = [...pat, ...cont];
  return files.some((f) => { for (let p = 0; p + seq.length <= f.length; p++) if (seq.every((t, j) => f[p + j] === t)) return true; return false; });
}

describe('datastore', () => {
  it('sorts suffixes by their first key tokens and finds pattern ranges', () => {
    const idx = new SuffixIndex(Int32Array.from([3, 1, 2, 1, 2, -1, 1, 2, 3]), 4);
    const [lo, hi] = idx.range([1, 2]);
    assert.deepEqual(Array.from(idx.sa.slice(lo, hi)).sort((a, b) => a - b), [1, 3, 6]);
    assert.deepEqual(idx.range([9]), [idx.range([9])[0], idx.range([9])[0]], 'an absent pattern gives an empty range');
    assert.deepEqual(idx.continuation(3, 5), [1, 2], 'continuations stop at a file boundary');
  });

  it('sorts like one stable sort by the first key tokens (SEP lowest), ties in position order, for any key', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 30; trial++) {
      // Few distinct tokens: long shared prefixes, ties at the key, files cut by SEP.
      const vocab = 1 + Math.floor(rng.next() * 4);
      const tokens = Int32Array.from({ length: 1 + Math.floor(rng.next() * 400) }, () => (rng.next() < 0.05 ? SEP : Math.floor(rng.next() * vocab)));
      const key = 1 + Math.floor(rng.next() * 6);
      const at = (p: number): number => (p < tokens.length ? (tokens[p] as number) : SEP);
      const reference = Array.from(tokens.keys()).filter((p) => tokens[p] !== SEP).sort((a, b) => {
        for (let j = 0; j < key; j++) {
          if (at(a + j) !== at(b + j)) return at(a + j) - at(b + j);
          if (at(a + j) === SEP) break;
        }
        return a - b; // ties: position order
      });
      assert.deepEqual(Array.from(suffixArray(tokens, key)), reference, `trial ${trial}: ${tokens.length} tokens, key ${key}`);
    }
  });

  it('finds the longest suffix that occurs, and only real continuations, most frequent first', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 40; trial++) {
      const vocab = 3 + Math.floor(rng.next() * 5);
      const files = Array.from({ length: 1 + Math.floor(rng.next() * 4) }, () => Array.from({ length: 5 + Math.floor(rng.next() * 60) }, () => Math.floor(rng.next() * vocab)));
      const store = new Datastore();
      store.setFiles(new Map(files.map((f, i) => [`f${i}`, f])));
      const ctx = Array.from({ length: 8 }, () => Math.floor(rng.next() * vocab));
      const hit = store.lookup(ctx, OPTS);
      assert.equal(hit.n, bruteLongest(files, ctx, OPTS), `trial ${trial}`);
      const pat = ctx.slice(ctx.length - hit.n);
      for (const c of hit.continuations) assert.ok(c.length > 0 && occursAfter(files, pat, c), `trial ${trial}: ${c} does not follow ${pat}`);
      assert.equal(new Set(hit.continuations.map((c) => c[0])).size, hit.continuations.length, 'one branch per first token');
    }
    const store = new Datastore();
    store.setFiles(new Map([['a', [1, 2, 7, 1, 2, 8, 1, 2, 8, 9]]]));
    assert.deepEqual(store.lookup([5, 1, 2], { ...OPTS, branches: 2 }).continuations, [[8, 1, 2, 8, 9], [7, 1, 2, 8, 1]]);
  });

  it('forgets a changed file\'s old tokens and learns its new ones', () => {
    const store = new Datastore();
    store.setFiles(new Map([['a', [1, 2, 3, 4]], ['b', [5, 6, 7]]]));
    assert.deepEqual(store.lookup([0, 1, 2], OPTS).continuations, [[3, 4]]);
    store.update('a', [1, 2, 9]);
    assert.deepEqual(store.lookup([0, 1, 2], OPTS).continuations, [[9]]);
    store.update('a', undefined);
    assert.deepEqual(store.lookup([0, 1, 2], OPTS), { n: 0, continuations: [] });
    assert.deepEqual(store.lookup([5, 6], OPTS).continuations, [[7]]);
    assert.equal(store.files, 1);
    assert.equal(store.tokenCount, 3);
  });

  it('drafts from the prompt when it has a match, from the store where it has none', () => {
    const store = new Datastore();
    store.setFiles(new Map([['lib', [10, 11, 12, 13, 14, 15]]]));
    const chain = { kind: 'chain' as const, depth: 3, topK: 1, totalTokens: 8, minProb: 0 };
    // The prompt repeats [1, 2] -> 3 4 5: the prompt's continuation wins. Each draft says which
    // source it came from (the tuner models the two apart).
    const fromPrompt = ngramTree([1, 2, 3, 4, 5, 0, 1, 2], chain, undefined, store);
    assert.deepEqual([fromPrompt.tokens, fromPrompt.source, fromPrompt.match], [[3, 4, 5], 'lookup', 2]);
    // No match in the prompt: the store's.
    const fromStore = ngramTree([7, 8, 10, 11, 12], chain, undefined, store);
    assert.deepEqual([fromStore.tokens, fromStore.source, fromStore.match], [[13, 14, 15], 'store', 3]);
    const none = ngramTree([7, 8, 10, 11, 12], chain);
    assert.deepEqual([none.tokens, none.source], [[], undefined], 'nothing without the store');
    // storeLead: a store match 3+ tokens longer than the prompt's best goes first.
    const longer = new Datastore();
    longer.setFiles(new Map([['lib', [20, 21, 22, 1, 2, 30, 31, 32]]]));
    const prompt = [1, 2, 3, 4, 5, 0, 20, 21, 22, 1, 2]; // the prompt matches [1, 2] (n = 2), the store [20, 21, 22, 1, 2] (n = 5)
    assert.deepEqual(ngramTree(prompt, chain, undefined, longer).tokens, [3, 4, 5]);
    assert.deepEqual(ngramTree(prompt, chain, { maxN: 4, minN: 2, window: 4096, storeLead: 3 }, longer).tokens, [30, 31, 32]);
    const led = ngramTree(prompt, chain, { maxN: 4, minN: 2, window: 4096, storeLead: 3 }, longer);
    assert.deepEqual([led.source, led.match], ['store', 5]);
    assert.deepEqual(ngramTree(prompt, chain, { maxN: 4, minN: 2, window: 4096, storeLead: 4 }, longer).tokens, [3, 4, 5]);
    const tree = { kind: 'dynamic' as const, depth: 3, topK: 2, totalTokens: 8, minProb: 0 };
    assert.deepEqual(ngramTree(prompt, tree, { maxN: 4, minN: 2, window: 4096, storeLead: 3 }, longer).parents, [-1, 0, 1, -1, 3, 4], 'both, the store first');
  });
});
