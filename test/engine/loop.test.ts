// The decoding loops on a fake target (test/engine/fake-target.ts), in milliseconds: speculative
// decoding with adversarial drafters gives exactly plain decoding's tokens and KV rows (chains,
// trees, forests of wrong guesses, empty drafts); sampled speculative decoding draws the target's
// exact joint distribution; token healing spells the removed characters under the constraint,
// equal to a brute-force reference, with and without drafting.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addNode, type DraftTree, newTree, pathTo } from '../../server/engine/draft-tree';
import type { DraftContext, Drafter, TreeParams } from '../../server/engine/drafter';
import { Engine, MOVE_CHUNK, PROMPT_ROOT_MAX, RECENT_KEEP, RECENT_LEAD, WARM_CHUNK } from '../../server/engine/engine';
import { DEFAULT_NGRAM, NgramDrafter } from '../../server/engine/ngram';
import { HealConstraint, healTail } from '../../server/engine/healing';
import { argmax, drawFrom, Rng, type SamplingParams, type SparseDist, targetDistribution } from '../../server/engine/sampler';
import type { CompletionRequest, SpecStats } from '../../server/engine/types';
import { FakeTarget } from './fake-target';
import { KvCache, RowStore } from '../../server/engine/kv-cache';

const PROMPTS = ['def f(x):\n    ret', 'for (let i = 0; i < n; i++) {\n\t', 'abcabcabcab', 'x', 'import os\nimport sys\n\nclass A:\n    '];
const CHAIN: TreeParams = { kind: 'chain', depth: 5, topK: 1, totalTokens: 8, minProb: 0 };
const TREE: TreeParams = { kind: 'dynamic', depth: 4, topK: 3, totalTokens: 12, minProb: 0 };

/**
 * Proposes trees of the given shape: each node is the target's own argmax with probability
 * `hit`, else a random token, so runs mix full, partial and zero acceptance. With q, nodes are
 * i.i.d. draws from q (a flatter distribution than p) and carry it, as model drafters do.
 */
class AdversarialDrafter implements Drafter {
  readonly name = 'adversarial';
  private rng: Rng;
  constructor(readonly target: FakeTarget, readonly hit: number, readonly seed: number, readonly needsTaps = false, readonly withQ = false) {
    this.rng = new Rng(seed);
  }
  reset(): void { this.rng = new Rng(this.seed); }
  async draft(ctx: DraftContext, p: TreeParams): Promise<DraftTree> {
    if (this.needsTaps) {
      const n = ctx.tokens.length - 1;
      const taps = ctx.taps?.(0, n) as Float32Array;
      assert.equal(taps.length, n * 3);
      for (let i = 0; i < n; i++) assert.equal(taps[i * 3], ctx.tokens[i], `taps row ${i} belongs to another token`);
    }
    const V = this.target.cfg.vocabSize;
    const tree = newTree();
    let frontier = [-1];
    for (let d = 0; d < p.depth && tree.tokens.length < p.totalTokens; d++) {
      const next: number[] = [];
      for (const parent of frontier) {
        const width = p.kind === 'chain' ? 1 : 1 + Math.floor(this.rng.next() * p.topK);
        const ctxTokens = [...ctx.tokens, ...pathTo(tree, parent)];
        for (let k = 0; k < width && tree.tokens.length < p.totalTokens; k++) {
          let token: number;
          let q: SparseDist | undefined;
          if (this.withQ) {
            q = targetDistribution(this.target.logitsAfter(ctxTokens), { temperature: 2, topK: 5, topP: 1, seed: 0 });
            token = drawFrom(q, ctx.rng.next());
          } else if (k === 0 && this.rng.next() < this.hit) {
            const l = this.target.logitsAfter(ctxTokens);
            token = 0;
            for (let v = 1; v < V; v++) if ((l[v] as number) > (l[token] as number)) token = v;
          } else {
            token = Math.floor(this.rng.next() * V);
          }
          next.push(addNode(tree, parent, token, q));
        }
      }
      frontier = p.kind === 'chain' ? next.slice(0, 1) : next.slice(0, p.topK);
    }
    return tree;
  }
}

async function run(req: CompletionRequest, drafter?: Drafter, tree?: TreeParams): Promise<{ text: string; tokens: number[]; k: number[]; v: number[]; taps: number[] }> {
  const e = new Engine(new FakeTarget());
  const r = await e.complete(req, {}, drafter, tree);
  const rows = e.cache.rows(0);
  return { text: r.text, tokens: r.tokens, k: Array.from(rows.k), v: Array.from(rows.v), taps: Array.from(e.taps.rows(0, e.taps.length)) };
}

describe('speculative loop on a fake target', () => {
  it('gives plain decoding\'s tokens and KV rows with adversarial drafters, chains and trees', async () => {
    let cases = 0;
    for (const prompt of PROMPTS) {
      for (const heal of [false, true]) {
        const req: CompletionRequest = { prompt, maxTokens: 40, heal };
        const plain = await run(req);
        assert.equal(plain.tokens.length, 40);
        for (const hit of [0, 0.5, 0.9, 1]) {
          for (const [shape, tree] of [['chain', CHAIN], ['adaptive chain', { ...CHAIN, adapt: true }], ['tree', TREE]] as const) {
            const target = new FakeTarget();
            const spec = await run(req, new AdversarialDrafter(target, hit, cases + 1), tree);
            assert.deepEqual(spec.tokens, plain.tokens, `${JSON.stringify(prompt)} heal=${heal} hit=${hit} ${shape}`);
            assert.equal(spec.text, plain.text);
            // The loop may keep accepted rows past the token budget: compare the common rows.
            const n = Math.min(spec.k.length, plain.k.length);
            assert.ok(n >= plain.k.length - 2, 'the speculative cache lost rows');
            assert.deepEqual(spec.k.slice(0, n), plain.k.slice(0, n), 'KV rows of rejected nodes entered the cache');
            assert.deepEqual(spec.v.slice(0, n), plain.v.slice(0, n));
            cases++;
          }
        }
      }
    }
    assert.equal(cases, PROMPTS.length * 2 * 4 * 3);
  });

  /** A drafter whose i-th chain has its first good[i] tokens right (the target's argmax) and the rest wrong; `asked` records the depths asked for. */
  function scripted(target: FakeTarget, good: number[], asked: number[]): Drafter {
    return {
      name: 'scripted', needsTaps: false, reset: () => undefined,
      async draft(ctx: DraftContext, p: TreeParams): Promise<DraftTree> {
        const i = asked.length;
        asked.push(p.depth);
        const tree = newTree();
        if (i >= good.length) return tree;
        const path = [...ctx.tokens];
        let parent = -1;
        for (let d = 0; d < p.depth; d++) {
          const right = argmax(target.logitsAfter(path));
          const token = d < (good[i] as number) ? right : (right + 1) % target.cfg.vocabSize;
          parent = addNode(tree, parent, token);
          path.push(token);
        }
        return tree;
      },
    };
  }

  it('adaptive chains: one longer than what the last run accepted, doubling after a whole chain, up to the depth', async () => {
    const good = [2, 0, 1, 2, 4, 5];
    const asked: number[] = [];
    const target = new FakeTarget();
    const req: CompletionRequest = { prompt: 'def f(x):\n    ret', maxTokens: 40 };
    const r = await new Engine(target).complete(req, {}, scripted(target, good, asked), { ...CHAIN, adapt: true });
    assert.deepEqual(asked.slice(0, good.length), [5, 3, 1, 2, 4, 5]);
    assert.deepEqual(r.spec?.accepted, 2 + 0 + 1 + 2 + 4 + 5);
    assert.deepEqual(r.tokens, (await run(req)).tokens, 'the same tokens as plain decoding');
    // Without adapt the depth stays put.
    asked.length = 0;
    const t2 = new FakeTarget();
    await new Engine(t2).complete(req, {}, scripted(t2, good, asked), CHAIN);
    assert.deepEqual(asked.slice(0, good.length), [5, 5, 5, 5, 5, 5]);
  });

  it('growing chains: twice as long after a whole chain, up to grow; back to the depth after a miss', async () => {
    const good = [2, 4, 8, 3, 2, 1];
    const asked: number[] = [];
    const target = new FakeTarget();
    const req: CompletionRequest = { prompt: 'def f(x):\n    ret', maxTokens: 40 };
    const r = await new Engine(target).complete(req, {}, scripted(target, good, asked), { ...CHAIN, depth: 2, grow: 8 });
    assert.deepEqual(asked.slice(0, good.length), [2, 4, 8, 8, 2, 4]);
    assert.equal(r.spec?.accepted, 2 + 4 + 8 + 3 + 2 + 1);
    assert.deepEqual(r.tokens, (await run(req)).tokens, 'the same tokens as plain decoding');
    // The runs by depth asked, for the tuner: after the script, runs that draft nothing keep depth 2.
    const spec = r.spec as SpecStats;
    const silent = spec.targetRuns - good.length;
    assert.deepEqual(spec.growth, { 2: { runs: 2 + silent, up: 2, silent }, 4: { runs: 2, up: 1, silent: 0 }, 8: { runs: 2, up: 1, silent: 0 } });
    assert.deepEqual(Object.fromEntries(Object.entries(spec.sources ?? {}).map(([k, v]) => [k, [v.runs, v.depthAccepted]])), {
      other: [2, [2, 2]], 'other@4': [2, [2, 1, 1, 1]], 'other@8': [2, [2, 2, 2, 1, 1, 1, 1, 1]], none: [silent, []],
    });
  });

  it('keeps the taps of exactly the accepted rows for drafters that read them', async () => {
    for (const prompt of PROMPTS.slice(0, 3)) {
      const e = new Engine(new FakeTarget());
      const drafter = new AdversarialDrafter(e.target as FakeTarget, 0.7, 3, true);
      const r = await e.complete({ prompt, maxTokens: 30 }, {}, drafter, TREE);
      const taps = e.taps.rows(0, e.taps.length);
      assert.equal(e.taps.length, e.cache.length);
      const k = e.cache.rows(0).k;
      for (let i = 0; i < e.taps.length; i++) assert.equal(taps[i * 3 + 1], k[i * 2 + 1], `taps row ${i} is at another position`);
      assert.equal(r.tokens.length, 30);
    }
  });

  it('stops exactly where plain decoding stops: stop strings, token budget, cancellation', async () => {
    for (const prompt of PROMPTS) {
      const req: CompletionRequest = { prompt, maxTokens: 50, stop: ['a', 'q'] };
      const plain = await run(req);
      const spec = await run(req, new AdversarialDrafter(new FakeTarget(), 1, 9), CHAIN);
      assert.equal(spec.text, plain.text);
      assert.ok(!plain.text.includes('a') && !plain.text.includes('q'));
    }
    const e = new Engine(new FakeTarget());
    let polls = 0;
    const r = await e.complete({ prompt: 'abc', maxTokens: 50 }, { isCancelled: () => ++polls > 3 }, new AdversarialDrafter(new FakeTarget(), 1, 1), CHAIN);
    assert.equal(r.finishReason, 'cancelled');
  });

  it('samples the target\'s exact joint distribution of two tokens (RRS with q != p)', async () => {
    const sampling: SamplingParams = { temperature: 1, topK: 3, topP: 1, seed: 0 };
    const target = new FakeTarget(1.5);
    const prompt = 'ab';
    const ctx = target.tokenizer.encode(prompt);
    // Exact p(t1, t2) from the fake's logits.
    const p1 = targetDistribution(target.logitsAfter(ctx), sampling);
    const expected = new Map<string, number>();
    p1.ids.forEach((t1, i) => {
      const p2 = targetDistribution(target.logitsAfter([...ctx, t1]), sampling);
      p2.ids.forEach((t2, j) => expected.set(`${t1},${t2}`, (p1.probs[i] as number) * (p2.probs[j] as number)));
    });
    const N = 3000;
    const seen = new Map<string, number>();
    for (let s = 0; s < N; s++) {
      const e = new Engine(new FakeTarget(1.5));
      const r = await e.complete({ prompt, maxTokens: 2, sampling: { ...sampling, seed: s + 1 } }, {}, new AdversarialDrafter(target, 0, s, false, true), TREE);
      const key = r.tokens.join(',');
      assert.ok(expected.has(key), `drew ${key}, which the target gives probability 0`);
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    let chi2 = 0;
    for (const [key, p] of expected) chi2 += ((seen.get(key) ?? 0) - N * p) ** 2 / (N * p);
    // 9 cells, 8 degrees of freedom: P(chi2 > 26.1) = 0.001 under the null.
    assert.ok(chi2 < 26.1, `chi-square ${chi2.toFixed(1)} over ${expected.size} cells`);
  });
});

describe('a prompt the cache holds but its last token (typing): no prompt run', () => {
  it('the last prompt token is the first root: plain decoding\'s tokens and KV rows, healing included, one run fewer', async () => {
    let cases = 0;
    // A one-token prompt has nothing in the cache before its last token: its prompt run stays.
    const prompts = PROMPTS.filter((p) => p !== 'x');
    for (const prompt of prompts) {
      for (const heal of [false, true]) {
        for (const wordEnd of [false, true]) {
          const req: CompletionRequest = { prompt, maxTokens: 24, heal, wordEnd };
          const plain = await run(req);
          for (const hit of [0, 0.5, 1]) {
            for (const [shape, tree, taps] of [['chain', CHAIN, false], ['tree', TREE, false], ['chain, taps', CHAIN, true]] as const) {
              const target = new FakeTarget();
              const e = new Engine(target);
              await e.complete({ ...req, prefillOnly: true, keepTaps: taps });
              const before = target.runs;
              const r = await e.complete(req, {}, new AdversarialDrafter(new FakeTarget(), hit, cases + 1, taps), tree);
              const what = `${JSON.stringify(prompt)} heal=${heal} wordEnd=${wordEnd} hit=${hit} ${shape}`;
              assert.deepEqual(r.tokens, plain.tokens, what);
              assert.equal(r.text, plain.text, what);
              assert.equal(r.timings.prefillTokens, 1, what);
              assert.equal(target.runs - before, r.spec?.targetRuns, `${what}: a run besides the verify runs`);
              const rows = e.cache.rows(0);
              const n = Math.min(rows.k.length, plain.k.length);
              assert.ok(n >= plain.k.length - 2, 'the speculative cache lost rows');
              assert.deepEqual(Array.from(rows.k).slice(0, n), plain.k.slice(0, n), `${what}: KV rows`);
              if (taps) assert.equal(e.taps.length, e.cache.length);
              cases++;
            }
          }
        }
      }
    }
    assert.equal(cases, prompts.length * 2 * 2 * 3 * 3);
  });

  it('the prompt tokens after what the cache holds run with the first draft: plain decoding\'s tokens and KV rows, no prompt run', async () => {
    let cases = 0;
    let leads = 0;
    for (const prompt of PROMPTS.filter((p) => p.length > 8)) {
      for (const cut of [2, 3, 5, 8]) {
        for (const heal of [false, true]) {
          const req: CompletionRequest = { prompt, maxTokens: 24, heal };
          const plain = await run(req);
          for (const [shape, drafter, tree] of [
            ['chain', new AdversarialDrafter(new FakeTarget(), 0.5, cases + 1), CHAIN],
            ['tree', new AdversarialDrafter(new FakeTarget(), 0.5, cases + 1), TREE],
            ['taps', new AdversarialDrafter(new FakeTarget(), 0.5, cases + 1, true), CHAIN],
            ['lookup', new NgramDrafter({ ...DEFAULT_NGRAM, minN: 1 }), CHAIN],
          ] as const) {
            const target = new FakeTarget();
            const e = new Engine(target);
            await e.complete({ prompt: prompt.slice(0, -cut), maxTokens: 4, prefillOnly: true, keepTaps: shape === 'taps' });
            const before = target.runs;
            const r = await e.complete(req, {}, drafter, tree);
            const what = `${JSON.stringify(prompt)} cut=${cut} heal=${heal} ${shape}`;
            assert.deepEqual(r.tokens, plain.tokens, what);
            assert.equal(r.text, plain.text, what);
            assert.equal(target.runs - before, r.spec?.targetRuns, `${what}: a run besides the verify runs`);
            const rows = e.cache.rows(0);
            const n = Math.min(rows.k.length, plain.k.length);
            assert.ok(n >= plain.k.length - 2, 'the speculative cache lost rows');
            assert.deepEqual(Array.from(rows.k).slice(0, n), plain.k.slice(0, n), `${what}: KV rows`);
            if (shape === 'taps') assert.equal(e.taps.length, e.cache.length, `${what}: taps`);
            if (r.timings.prefillTokens > 1) leads++;
            cases++;
          }
        }
      }
    }
    assert.ok(leads >= cases / 2, `${leads} of ${cases} completions had more than one prompt token to compute`);
  });

  it('a drafter that reads taps drafts the first run from what needs none; past PROMPT_ROOT_MAX tokens the prompt runs first', async () => {
    const req: CompletionRequest = { prompt: 'abcabcabcabcabcabcabcabcabcabcabcabcabc', maxTokens: 12, ignoreEos: true };
    const want = (await run(req)).tokens;
    const calls: { taps: boolean; without: boolean; n: number }[] = [];
    const ngram = new NgramDrafter({ ...DEFAULT_NGRAM, minN: 1 });
    const tapsReader: Drafter = {
      name: 'taps-reader', needsTaps: true, reset: () => undefined,
      async draft(ctx, p) { calls.push({ taps: ctx.taps !== undefined, without: false, n: ctx.tokens.length }); return ngram.draft(ctx, p); },
      async draftWithoutTaps(ctx, p) { calls.push({ taps: ctx.taps !== undefined, without: true, n: ctx.tokens.length }); return ngram.draft(ctx, p); },
    };
    for (const cut of [4, PROMPT_ROOT_MAX + 4]) {
      calls.length = 0;
      const target = new FakeTarget();
      const e = new Engine(target);
      await e.complete({ prompt: req.prompt.slice(0, -cut), maxTokens: 4, prefillOnly: true, keepTaps: true });
      const before = target.runs;
      const r = await e.complete(req, {}, tapsReader, CHAIN);
      assert.deepEqual(r.tokens, want, `cut=${cut}`);
      const lead = r.timings.prefillTokens > 1 && r.timings.prefillTokens <= PROMPT_ROOT_MAX;
      assert.equal(target.runs - before, (r.spec?.targetRuns ?? 0) + (lead ? 0 : 1), `cut=${cut}: the prompt phase's runs`);
      assert.deepEqual(calls[0], lead ? { taps: false, without: true, n: target.tokenizer.encode(req.prompt).length + (target.tokenizer.addBos ? 1 : 0) } : { taps: true, without: false, n: calls[0]?.n }, `cut=${cut}: the first draft`);
      assert.ok(calls.slice(1).every((c) => c.taps && !c.without), `cut=${cut}: later drafts read taps`);
      assert.equal(e.taps.length, e.cache.length);
    }
  });

  it('while healing, drafted nodes that do not spell the healed characters are not verified', async () => {
    const req: CompletionRequest = { prompt: PROMPTS[0] as string, maxTokens: 12, heal: true };
    const tok = new FakeTarget().tokenizer;
    assert.equal(healTail(tok, tok.encode(req.prompt)).text, ' ret');
    const x = tok.encode('x')[0] as number;
    const wrong: Drafter = {
      name: 'wrong', needsTaps: false, reset: () => undefined,
      async draft(): Promise<DraftTree> { const t = newTree(); addNode(t, addNode(t, -1, x), x); return t; },
    };
    const e = new Engine(new FakeTarget());
    await e.complete({ ...req, prefillOnly: true });
    const r = await e.complete(req, {}, wrong, CHAIN);
    assert.deepEqual(r.tokens, (await run(req)).tokens);
    const spec = r.spec as SpecStats;
    assert.ok((spec.rowsRuns[0] ?? 0) >= 1, `the first run verified its root alone: ${JSON.stringify(spec.rowsRuns)}`);
    assert.equal(spec.sources?.none?.runs, spec.rowsRuns[0], 'runs with nothing left to verify count as silent');
  });

  it('a chain that is always right: 20 tokens in 4 runs of 5 (the prompt phase ran nothing)', async () => {
    for (const heal of [false, true]) {
      const req: CompletionRequest = { prompt: PROMPTS[4] as string, maxTokens: 20, heal, ignoreEos: true };
      const want = (await run(req)).tokens;
      const target = new FakeTarget();
      const e = new Engine(target);
      await e.complete({ ...req, prefillOnly: true });
      const n = e.cache.length;
      const oracle: Drafter = {
        name: 'oracle', needsTaps: false, reset: () => undefined,
        async draft(ctx: DraftContext, p: TreeParams): Promise<DraftTree> {
          const tree = newTree();
          let parent = -1;
          for (const t of want.slice(ctx.tokens.length - n, ctx.tokens.length - n + p.depth)) parent = addNode(tree, parent, t);
          return tree;
        },
      };
      const before = target.runs;
      const r = await e.complete(req, {}, oracle, { ...CHAIN, depth: 4 });
      assert.deepEqual(r.tokens, want);
      assert.equal(target.runs - before, 4, `heal=${heal}`);
      assert.equal(r.spec?.targetRuns, 4);
      assert.equal(r.spec?.tau, 5);
    }
  });
});

describe('prefill only (a document became active)', () => {
  it('brings the cache to the healed prompt without generating, and the completion reuses it', async () => {
    for (const prompt of PROMPTS) {
      const e = new Engine(new FakeTarget());
      const warm = await e.complete({ prompt, maxTokens: 20, heal: true, prefillOnly: true });
      assert.deepEqual(warm.tokens, []);
      assert.equal(warm.text, '');
      const cached = e.cache.length;
      assert.equal(cached, warm.timings.promptTokens, 'the whole healed prompt is in the cache');
      const r = await e.complete({ prompt, maxTokens: 20, heal: true });
      assert.equal(r.timings.reusedTokens, cached - 1, 'only the last prompt token runs again (for its logits)');
      const cold = await new Engine(new FakeTarget()).complete({ prompt, maxTokens: 20, heal: true });
      assert.deepEqual(r.tokens, cold.tokens, 'the same completion as without the prefill');
    }
  });

  it('a warm-up for a prompt the cache already holds computes nothing and keeps the cache whole', async () => {
    const prompt = PROMPTS[4] as string;
    for (const keepTaps of [false, true]) {
      const e = new Engine(new FakeTarget());
      await e.complete({ prompt, maxTokens: 20, prefillOnly: true, keepTaps });
      const whole = e.cache.length;
      // The cursor moved back: its prompt is a prefix of the cached one.
      const back = prompt.slice(0, Math.floor(prompt.length / 2));
      const warm = await e.complete({ prompt: back, maxTokens: 20, prefillOnly: true, keepTaps });
      assert.equal(warm.timings.prefillTokens, 0);
      assert.equal(warm.timings.reusedTokens, warm.timings.promptTokens);
      assert.equal(e.cache.length, whole, 'the text after the cursor stays cached');
      assert.equal(e.taps.length, keepTaps ? whole : 0);
      // Back at the end: only the last token runs again, and the completion is the cold one.
      const r = await e.complete({ prompt, maxTokens: 8 });
      assert.equal(r.timings.reusedTokens, whole - 1);
      assert.deepEqual(r.tokens, (await new Engine(new FakeTarget()).complete({ prompt, maxTokens: 8 })).tokens);
      // A completion (not a warm-up) at the earlier cursor still truncates and runs its last token.
      const mid = await e.complete({ prompt: back, maxTokens: 8 });
      assert.equal(mid.timings.prefillTokens, 1);
      assert.deepEqual(mid.tokens, (await new Engine(new FakeTarget()).complete({ prompt: back, maxTokens: 8 })).tokens);
    }
  });

  it('a warm-up with a drafter primes it on the cached prompt; the completion after it is unchanged', async () => {
    const primed: number[][] = [];
    const drafter: Drafter = {
      name: 'primed', needsTaps: true, reset: () => undefined, draft: async () => newTree(),
      prime: async (ctx) => {
        primed.push([...ctx.tokens]);
        assert.equal(ctx.taps?.(0, ctx.tokens.length - 1).length, (ctx.tokens.length - 1) * 3 * new FakeTarget().cfg.hidden);
      },
    };
    const prompt = PROMPTS[4] as string;
    const e = new Engine(new FakeTarget());
    await e.complete({ prompt, maxTokens: 20, prefillOnly: true, keepTaps: true }, {}, drafter);
    assert.deepEqual(primed, [e.cache.tokens]);
    // The same warm-up again (the cursor came back): nothing to compute, the drafter is asked again (a no-op for a primed head).
    await e.complete({ prompt, maxTokens: 20, prefillOnly: true, keepTaps: true }, {}, drafter);
    assert.equal(primed.length, 2);
    assert.deepEqual(primed[1], e.cache.tokens);
    const r = await e.complete({ prompt, maxTokens: 8 }, {}, drafter, { kind: 'chain', depth: 2, topK: 1, totalTokens: 4, minProb: 0 });
    assert.equal(r.timings.reusedTokens, r.timings.promptTokens - 1);
    assert.deepEqual(r.tokens, (await new Engine(new FakeTarget()).complete({ prompt, maxTokens: 8 })).tokens);
  });

  it('keeps the taps when asked, so a drafter that reads them (a head) reuses the prefill', async () => {
    const reader: Drafter = { name: 'taps reader', needsTaps: true, reset: () => undefined, draft: async () => newTree() };
    const prompt = PROMPTS[4] as string;
    for (const keepTaps of [true, false]) {
      const e = new Engine(new FakeTarget());
      await e.complete({ prompt, maxTokens: 20, prefillOnly: true, keepTaps });
      assert.equal(e.taps.length, keepTaps ? e.cache.length : 0);
      const r = await e.complete({ prompt, maxTokens: 8 }, {}, reader, { kind: 'chain', depth: 2, topK: 1, totalTokens: 4, minProb: 0 });
      // Without the taps every prompt position runs again.
      assert.equal(r.timings.reusedTokens, keepTaps ? r.timings.promptTokens - 1 : 0, `keepTaps ${keepTaps}`);
    }
  });

  it('a completion that drafts without taps (plain, lookup) keeps them when asked: a head after it recomputes nothing', async () => {
    const prompt = PROMPTS[0] as string; // its end and the generated text tokenize as in the cache
    for (const [name, lookup] of [['plain', undefined], ['lookup', new AdversarialDrafter(new FakeTarget(), 0.7, 5)]] as const) {
      for (const keepTaps of [true, false]) {
        const e = new Engine(new FakeTarget());
        await e.complete({ prompt, maxTokens: 20, prefillOnly: true, keepTaps: true });
        const warmed = e.taps.length;
        const r = await e.complete({ prompt, maxTokens: 12, keepTaps }, {}, lookup, CHAIN);
        const taps = e.taps.rows(0, e.taps.length);
        if (keepTaps) assert.equal(e.taps.length, e.cache.length, name);
        else assert.ok(e.taps.length <= warmed && e.cache.length > warmed, `${name}: the taps end where the warm-up's did`);
        for (let i = 0; i < e.taps.length; i++) assert.deepEqual([taps[i * 3], taps[i * 3 + 1]], [e.cache.tokens[i], i], `${name}: taps row ${i} is its token's, at its position`);
        // The user took the completion and typed on: a head (reads the taps) drafts the next one.
        const next = prompt + r.text + 'x';
        const ids = new FakeTarget().tokenizer.encode(next);
        let common = 0;
        while (common < ids.length && ids[common] === e.cache.tokens[common]) common++;
        assert.equal(common, e.cache.length, 'the next prompt starts with everything cached');
        const reader = new AdversarialDrafter(new FakeTarget(), 0.7, 6, true);
        const h = await e.complete({ prompt: next, maxTokens: 8, keepTaps }, {}, reader, CHAIN);
        if (keepTaps) assert.equal(h.timings.reusedTokens, common, `${name}: ${h.timings.reusedTokens} reused of ${h.timings.promptTokens}`);
        else assert.ok(h.timings.reusedTokens <= warmed, `${name}: without the taps the generated positions run again (${h.timings.reusedTokens} reused)`);
        assert.deepEqual(h.tokens, (await new Engine(new FakeTarget()).complete({ prompt: next, maxTokens: 8 })).tokens, 'the same tokens as a cold start');
      }
    }
  });
});

describe('a KV cache per document (cacheKey, cacheSlots)', () => {
  const A = PROMPTS[4] as string, B = PROMPTS[1] as string, C = PROMPTS[0] as string;
  const cold = async (prompt: string): Promise<number[]> => (await new Engine(new FakeTarget()).complete({ prompt, maxTokens: 8 })).tokens;

  it('coming back to a kept document reuses its whole prompt, with the same tokens as a cold start', async () => {
    const e = new Engine(new FakeTarget());
    const a1 = await e.complete({ prompt: A, maxTokens: 8, cacheKey: 'a', cacheSlots: 2 });
    const b1 = await e.complete({ prompt: B, maxTokens: 8, cacheKey: 'b', cacheSlots: 2 });
    assert.equal(b1.timings.reusedTokens, 0);
    assert.deepEqual(e.contexts, ['a', 'b']);
    const a2 = await e.complete({ prompt: A, maxTokens: 8, cacheKey: 'a', cacheSlots: 2 });
    assert.equal(a2.timings.reusedTokens, a2.timings.promptTokens - 1, 'only the last prompt token runs again');
    assert.deepEqual(a2.tokens, a1.tokens);
    assert.deepEqual(a2.tokens, await cold(A));
    assert.deepEqual(e.contexts, ['b', 'a']);
    const b2 = await e.complete({ prompt: B + 'x', maxTokens: 8, cacheKey: 'b', cacheSlots: 2 });
    assert.ok(b2.timings.reusedTokens >= b1.timings.promptTokens - 1, 'b typed on: its cached prompt serves');
    assert.deepEqual(b2.tokens, await cold(B + 'x'));
  });

  it('one slot is one cache for every document, as without keys; a third document evicts the least recently used', async () => {
    const one = new Engine(new FakeTarget());
    await one.complete({ prompt: A, maxTokens: 4, cacheKey: 'a', cacheSlots: 1 });
    await one.complete({ prompt: B, maxTokens: 4, cacheKey: 'b', cacheSlots: 1 });
    assert.equal((await one.complete({ prompt: A, maxTokens: 4, cacheKey: 'a', cacheSlots: 1 })).timings.reusedTokens, 0);
    assert.deepEqual(one.contexts, ['a']);
    const e = new Engine(new FakeTarget());
    for (const [p, k] of [[A, 'a'], [B, 'b'], [A, 'a'], [C, 'c']] as const) await e.complete({ prompt: p, maxTokens: 4, cacheKey: k, cacheSlots: 2 });
    assert.deepEqual(e.contexts, ['a', 'c'], 'b was the least recently used');
    const b = await e.complete({ prompt: B, maxTokens: 8, cacheKey: 'b', cacheSlots: 2 });
    assert.equal(b.timings.reusedTokens, 0);
    assert.deepEqual(b.tokens, await cold(B));
    const a = await e.complete({ prompt: A, maxTokens: 8, cacheKey: 'a', cacheSlots: 3 });
    assert.equal(a.timings.reusedTokens, 0, 'a was evicted by b');
    // The setting goes down: the oldest kept caches go.
    await e.complete({ prompt: A, maxTokens: 8, cacheKey: 'a', cacheSlots: 1 });
    assert.deepEqual(e.contexts, ['a']);
  });

  it('when full, a document only warmed gives its cache before one a completion ran in', async () => {
    const e = new Engine(new FakeTarget());
    await e.complete({ prompt: A, maxTokens: 4, cacheKey: 'a', cacheSlots: 2 }); // typed in
    await e.complete({ prompt: B, maxTokens: 4, cacheKey: 'b', cacheSlots: 2, prefillOnly: true }); // opened to read
    await e.complete({ prompt: C, maxTokens: 4, cacheKey: 'c', cacheSlots: 2, prefillOnly: true }); // and another
    assert.deepEqual(e.contexts, ['a', 'c'], 'b, only warmed, gave its cache, not a, the least recently used');
    const a = await e.complete({ prompt: A, maxTokens: 8, cacheKey: 'a', cacheSlots: 2 });
    assert.equal(a.timings.reusedTokens, a.timings.promptTokens - 1, 'back in a: its prompt is kept');
    assert.deepEqual(a.tokens, await cold(A));
    // Once asked there, c counts as typed in too: the least recently used goes again.
    await e.complete({ prompt: C, maxTokens: 4, cacheKey: 'c', cacheSlots: 2 });
    await e.complete({ prompt: B, maxTokens: 4, cacheKey: 'b', cacheSlots: 2, prefillOnly: true });
    assert.deepEqual(e.contexts, ['c', 'b'], 'a and c both asked: a, the least recently used, gave its cache');
    // A warmed cache that takes a new document's place starts unasked.
    await e.complete({ prompt: A, maxTokens: 4, cacheKey: 'a', cacheSlots: 2, prefillOnly: true });
    assert.deepEqual(e.contexts, ['c', 'a'], 'b, only warmed, gave its cache before c');
  });

  it('each document keeps its taps; a head that reads them gets its own document\'s rows', async () => {
    const target = new FakeTarget();
    const e = new Engine(target);
    const reader = new AdversarialDrafter(target, 0.7, 3, true);
    const chain: TreeParams = { kind: 'chain', depth: 3, topK: 1, totalTokens: 4, minProb: 0 };
    await e.complete({ prompt: A, maxTokens: 20, prefillOnly: true, keepTaps: true, cacheKey: 'a', cacheSlots: 2 });
    await e.complete({ prompt: B, maxTokens: 8, cacheKey: 'b', cacheSlots: 2 }, {}, reader, chain);
    // AdversarialDrafter checks that every taps row belongs to its context's token.
    const r = await e.complete({ prompt: A, maxTokens: 8, cacheKey: 'a', cacheSlots: 2 }, {}, reader, chain);
    assert.equal(r.timings.reusedTokens, r.timings.promptTokens - 1, 'the warm-up on a kept its taps');
    assert.equal(e.taps.length, e.cache.length);
    assert.deepEqual(r.tokens, await cold(A));
  });

  it('a closed document\'s kept cache is freed; the active one stays for the next document', async () => {
    const e = new Engine(new FakeTarget());
    for (const [p, k] of [[A, 'a'], [B, 'b']] as const) await e.complete({ prompt: p, maxTokens: 4, cacheKey: k, cacheSlots: 3 });
    e.forget('a');
    assert.deepEqual(e.contexts, ['b']);
    e.forget('b');
    assert.deepEqual(e.contexts, ['']);
    const c = await e.complete({ prompt: C, maxTokens: 8, cacheKey: 'c', cacheSlots: 3 });
    assert.deepEqual(e.contexts, ['c'], 'the closed document\'s buffers serve c; nothing of it is kept');
    assert.deepEqual(c.tokens, await cold(C));
    const a = await e.complete({ prompt: A, maxTokens: 8, cacheKey: 'a', cacheSlots: 3 });
    assert.equal(a.timings.reusedTokens, 0, 'a was forgotten');
  });

  it('a moved start\'s prompt (spare) is computed beside the cache typing uses: cut short, that cache stays whole; whole, it takes over', async () => {
    // 40 lines of 11-12 bytes (one token each): the old prompt from the top, the moved one 12 lines on.
    const lines = Array.from({ length: 40 }, (_, i) => `v${String(i).padStart(2, '0')} = f(${i})\n`);
    const OLD = lines.slice(0, 30).join(''), MOVED = lines.slice(12, 36).join('');
    const slot = { cacheKey: 'a', cacheSlots: 2 };
    for (const spare of [true, false]) {
      const e = new Engine(new FakeTarget());
      await e.complete({ prompt: OLD, maxTokens: 4, ...slot });
      const held = e.cache.length;
      let asked = 0;
      const cut = await e.complete({ prompt: MOVED, maxTokens: 4, prefillOnly: true, spare, ...slot }, { isCancelled: () => asked++ > 0 });
      assert.equal(cut.finishReason, 'cancelled');
      assert.equal(e.spareHeld, spare);
      assert.equal(e.cache.length, spare ? held : 1 + WARM_CHUNK, spare ? 'the old prompt serves again' : 'the first byte and the warm-up\'s chunk under way, no more');
      // The user typed on before the move was whole: the old start's prompt and a character.
      const typed = await e.complete({ prompt: `${OLD}v`, maxTokens: 8, ...slot });
      if (!spare) { assert.equal(typed.timings.reusedTokens, 1, 'without a spare the move took the cache (BOS-less: the first byte matches)'); continue; }
      assert.ok(typed.timings.reusedTokens >= OLD.length, `the old prompt's cache stayed whole (${typed.timings.reusedTokens} reused)`);
      assert.deepEqual(typed.tokens, await cold(`${OLD}v`));
      assert.ok(e.spareHeld, 'the move\'s part stays for the next pause');
      // The next pause: the move goes on from what it computed, and once whole takes over.
      const whole = await e.complete({ prompt: MOVED, maxTokens: 4, prefillOnly: true, spare, ...slot });
      // A move runs in short chunks (a keystroke waits for the one under way, all loss there):
      // one of MOVE_CHUNK rows was computed when the keystroke cut it, where a warm-up without a
      // spare (above) computed WARM_CHUNK.
      assert.equal(whole.timings.reusedTokens, MOVE_CHUNK);
      assert.ok(e.spareHeld, 'whole: the old start\'s cache stays until typing takes the new one');
      // A keystroke whose prompt was placed before the move was whole (the two race) still finds its cache.
      const raced = await e.complete({ prompt: `${OLD}vv`, maxTokens: 8, ...slot });
      assert.ok(raced.timings.reusedTokens >= OLD.length, `${raced.timings.reusedTokens} reused`);
      assert.deepEqual(raced.tokens, await cold(`${OLD}vv`));
      const next = await e.complete({ prompt: `${MOVED}v`, maxTokens: 8, ...slot });
      assert.ok(next.timings.reusedTokens >= MOVED.length, 'and the moved prompt is kept for the next one');
      assert.deepEqual(next.tokens, await cold(`${MOVED}v`));
      assert.equal(e.spareHeld, false, 'typing took the moved start: the old start\'s cache is freed');
      assert.equal((await e.complete({ prompt: OLD, maxTokens: 4, ...slot })).timings.reusedTokens, 1, 'the old prompt is gone');
    }
  });

  it('a short first prompt\'s start moved back (the whole budget) is computed beside it: typing keeps the short one until the long one is whole', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `v${String(i).padStart(2, '0')} = f(${i})\n`);
    const SHORT = lines.slice(24, 30).join(''), LONG = lines.slice(6, 30).join('');
    const slot = { cacheKey: 'a', cacheSlots: 2 };
    const e = new Engine(new FakeTarget());
    await e.complete({ prompt: SHORT, maxTokens: 4, ...slot });
    let asked = 0;
    const cut = await e.complete({ prompt: LONG, maxTokens: 4, prefillOnly: true, spare: true, ...slot }, { isCancelled: () => asked++ > 0 });
    assert.equal(cut.finishReason, 'cancelled');
    assert.ok(e.spareHeld, 'the long prompt shares nothing with the short one: a second cache');
    const typed = await e.complete({ prompt: `${SHORT}v`, maxTokens: 8, ...slot });
    assert.ok(typed.timings.reusedTokens >= SHORT.length, `the short prompt's cache stayed whole (${typed.timings.reusedTokens} reused)`);
    assert.deepEqual(typed.tokens, await cold(`${SHORT}v`));
    const whole = await e.complete({ prompt: `${LONG}v`, maxTokens: 4, prefillOnly: true, spare: true, ...slot });
    assert.equal(whole.timings.reusedTokens, MOVE_CHUNK, 'the next pause goes on from the chunk computed');
    const next = await e.complete({ prompt: `${LONG}vv`, maxTokens: 8, ...slot });
    assert.ok(next.timings.reusedTokens >= LONG.length + 1);
    assert.deepEqual(next.tokens, await cold(`${LONG}vv`));
    assert.equal(e.spareHeld, false, 'typing took the long prompt: the short one is freed');
  });

  it('a spare is freed when typing takes the moved start, when a prompt shares little with both caches, and when the document is left', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `v${String(i).padStart(2, '0')} = f(${i})\n`);
    const OLD = lines.slice(0, 30).join(''), MOVED = lines.slice(12, 36).join(''), ELSE = lines.slice(20, 40).join('');
    const slot = { cacheKey: 'a', cacheSlots: 2 };
    const cutMove = async (e: Engine): Promise<void> => {
      await e.complete({ prompt: OLD, maxTokens: 4, ...slot });
      let asked = 0;
      await e.complete({ prompt: MOVED, maxTokens: 4, prefillOnly: true, spare: true, ...slot }, { isCancelled: () => asked++ > 0 });
      assert.ok(e.spareHeld);
    };
    const e = new Engine(new FakeTarget());
    await cutMove(e);
    const typedThere = await e.complete({ prompt: `${MOVED}v`, maxTokens: 8, ...slot });
    assert.equal(typedThere.timings.reusedTokens, MOVE_CHUNK, 'the keystroke that moved the start took the spare');
    assert.equal(e.spareHeld, false);
    assert.deepEqual(typedThere.tokens, await cold(`${MOVED}v`));
    await cutMove(e);
    await e.complete({ prompt: ELSE, maxTokens: 4, ...slot });
    assert.equal(e.spareHeld, false, 'a prompt elsewhere frees it');
    await cutMove(e);
    await e.complete({ prompt: ELSE, maxTokens: 4, cacheKey: 'b', cacheSlots: 2 });
    await e.complete({ prompt: OLD, maxTokens: 4, ...slot });
    assert.equal(e.spareHeld, false, 'a document left keeps one cache');
  });

  it('a document left after its move was whole keeps the moved start\'s cache, even where a keystroke placed before took the old one since', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `v${String(i).padStart(2, '0')} = f(${i})\n`);
    const OLD = lines.slice(0, 30).join(''), MOVED = lines.slice(12, 36).join(''), ELSE = lines.slice(20, 40).join('');
    const slot = { cacheKey: 'a', cacheSlots: 2 };
    for (const whole of [true, false]) {
      const e = new Engine(new FakeTarget());
      await e.complete({ prompt: OLD, maxTokens: 4, ...slot });
      let asked = 0;
      const move = await e.complete({ prompt: MOVED, maxTokens: 4, prefillOnly: true, spare: true, ...slot }, whole ? {} : { isCancelled: () => asked++ > 0 });
      assert.equal(move.finishReason, whole ? 'length' : 'cancelled');
      // The keystroke whose prompt was placed at the old start before the move was whole (the two race).
      const raced = await e.complete({ prompt: `${OLD}v`, maxTokens: 4, ...slot });
      assert.ok(raced.timings.reusedTokens >= OLD.length, `${raced.timings.reusedTokens} reused`);
      assert.ok(e.spareHeld);
      // Another document, then back: a whole move's start is where the next prompt starts.
      await e.complete({ prompt: ELSE, maxTokens: 4, cacheKey: 'b', cacheSlots: 2 });
      const back = await e.complete({ prompt: whole ? `${MOVED}v` : `${OLD}vv`, maxTokens: 8, ...slot });
      const wanted = whole ? MOVED.length : OLD.length;
      assert.ok(back.timings.reusedTokens >= wanted, `${whole ? 'the moved start' : 'a move cut short: the old start'} kept (${back.timings.reusedTokens} of ${back.timings.promptTokens} reused)`);
      assert.deepEqual(back.tokens, await cold(whole ? `${MOVED}v` : `${OLD}vv`));
      assert.equal(e.spareHeld, false, 'one cache kept');
    }
  });

  it('a new document whose prompt is the active cache (saved under a new name) takes that cache over', async () => {
    const e = new Engine(new FakeTarget());
    await e.complete({ prompt: A, maxTokens: 4, cacheKey: 'untitled:1', cacheSlots: 2 });
    const r = await e.complete({ prompt: A, maxTokens: 4, cacheKey: 'file:///a.py', cacheSlots: 2 });
    assert.equal(r.timings.reusedTokens, r.timings.promptTokens - 1);
    assert.deepEqual(e.contexts, ['file:///a.py']);
  });
});

describe('KV cache room', () => {
  it('a request reserves its prompt and output in one allocation, rounded to 64 rows; rows survive; past the room it doubles', () => {
    const c = new KvCache(2, 3);
    const rows = (n: number, v: number) => Array.from({ length: 2 }, () => new Float32Array(n * 3).fill(v));
    c.append([1, 2], rows(2, 7), rows(2, 8));
    c.reserve(700);
    assert.equal(c.room, 704);
    assert.deepEqual([...c.past(1).k], [7, 7, 7, 7, 7, 7]);
    assert.deepEqual([...c.past(0).v], [8, 8, 8, 8, 8, 8]);
    c.reserve(300);
    assert.equal(c.room, 704, 'never shrinks');
    c.append(Array.from({ length: 702 }, (_, i) => i), rows(702, 1), rows(702, 2));
    assert.equal(c.room, 704);
    c.append([5], rows(1, 3), rows(1, 4));
    assert.equal(c.room, 1408, 'past the room: doubles');
    assert.deepEqual([...c.past(0).k.slice(-6)], [1, 1, 1, 3, 3, 3]);
    const t = new RowStore(4);
    t.append(new Float32Array(8).fill(5));
    t.reserve(130);
    assert.equal(t.room, 256, 'it starts with room for 256');
    t.reserve(300);
    assert.equal(t.room, 320);
    assert.deepEqual([...t.rows(0, 2)], [5, 5, 5, 5, 5, 5, 5, 5]);
  });

  it('the engine reserves the prompt, maxTokens and a little slack: no doubling past it', async () => {
    const e = new Engine(new FakeTarget());
    const prompt = 'x = 1\n'.repeat(120); // 720 one-byte tokens
    const r = await e.complete({ prompt, maxTokens: 40, ignoreEos: true });
    assert.equal(r.tokens.length, 40);
    assert.ok(r.timings.promptTokens >= 720 && r.timings.promptTokens <= 721, `${r.timings.promptTokens} prompt tokens`);
    assert.equal(e.cache.room, Math.ceil((r.timings.promptTokens + 40 + 16) / 64) * 64, 'prompt + 40 + 16 rounded up to 64 (doubling would hold 1,024)');
    assert.ok(e.cache.room < 1024);
  });
});

describe('what a cache generated before a prompt cut it off (Engine.recent) drafts the next completion', () => {
  const A = PROMPTS[0] as string;
  const CHAIN4: TreeParams = { kind: 'chain', depth: 4, topK: 1, totalTokens: 8, minProb: 0 };

  it('keeps an earlier completion\'s output with the tokens before it; lookup continues it; the tokens are plain decoding\'s', async () => {
    const e = new Engine(new FakeTarget());
    const first = await e.complete({ prompt: A, maxTokens: 12 });
    const held = [...e.cache.tokens];
    // The user typed two of the characters it was about to show (the request was superseded).
    const typed = A + first.text.slice(0, 2);
    const ids = e.promptIds({ prompt: typed, maxTokens: 10 });
    const common = ids.findIndex((t, i) => held[i] !== t) < 0 ? ids.length - 1 : ids.findIndex((t, i) => held[i] !== t);
    const r = await e.complete({ prompt: typed, maxTokens: 10 }, {}, new NgramDrafter(), CHAIN4);
    assert.deepEqual(e.recent[0], held.slice(common - RECENT_LEAD));
    const rec = r.spec?.sources?.recent;
    assert.ok(rec && rec.runs > 0 && rec.depthAccepted.join() === rec.depthReached.join(), `drafted from the earlier output, every node right: ${JSON.stringify(rec)}`);
    assert.ok(rec.depthReached.length > CHAIN4.depth, 'past the chain\'s depth');
    assert.equal(r.text, first.text.slice(2, 12));
    assert.deepEqual(r.tokens, (await new Engine(new FakeTarget()).complete({ prompt: typed, maxTokens: 10 })).tokens);
    // At most RECENT_KEEP runs, the newest first.
    for (let i = 0; i < RECENT_KEEP + 2; i++) await e.complete({ prompt: typed + 'x'.repeat(i % 2), maxTokens: 6 });
    assert.equal(e.recent.length, RECENT_KEEP);
  });

  it('keeps generated tokens only: a document warmed whole and cut back to a cursor\'s prompt keeps none of its text', async () => {
    const e = new Engine(new FakeTarget());
    const doc = `${PROMPTS[4] as string}def g(self):\n        return 1\n`;
    await e.complete({ prompt: doc, maxTokens: 8, prefillOnly: true });
    await e.complete({ prompt: PROMPTS[4] as string, maxTokens: 8 });
    assert.equal(e.recent.length, 0, 'the document\'s text after the cursor is the datastore\'s');
    const held = [...e.cache.tokens];
    await e.complete({ prompt: `${PROMPTS[4] as string}x`, maxTokens: 8 });
    assert.equal(e.recent.length, 1);
    const n = e.promptIds({ prompt: PROMPTS[4] as string, maxTokens: 8 }).length;
    assert.deepEqual(e.recent[0], held.slice(n - RECENT_LEAD), 'the completion\'s output, with the 8 prompt tokens before it');
  });

  it('another text, a fresh request and a new document keep nothing of it', async () => {
    const e = new Engine(new FakeTarget());
    await e.complete({ prompt: A, maxTokens: 12 });
    await e.complete({ prompt: A + 'x', maxTokens: 4 });
    assert.equal(e.recent.length, 1);
    const other = await e.complete({ prompt: PROMPTS[4] as string, maxTokens: 8 }, {}, new NgramDrafter(), CHAIN4);
    assert.equal(e.recent.length, 0, 'a prompt sharing less than half of itself with the cache is another text');
    assert.equal(other.spec?.sources?.recent, undefined);
    await e.complete({ prompt: (PROMPTS[4] as string) + 'y', maxTokens: 4 });
    assert.equal(e.recent.length, 1);
    await e.complete({ prompt: PROMPTS[4] as string, maxTokens: 4, fresh: true });
    assert.equal(e.recent.length, 0, 'a benchmark\'s contenders each start from nothing');
    await e.complete({ prompt: A, maxTokens: 8, cacheKey: 'a', cacheSlots: 2 });
    await e.complete({ prompt: A + 'x', maxTokens: 4, cacheKey: 'a', cacheSlots: 2 });
    assert.equal(e.recent.length, 1);
    const kept = e.recent;
    await e.complete({ prompt: PROMPTS[1] as string, maxTokens: 4, cacheKey: 'b', cacheSlots: 2 });
    assert.equal(e.recent.length, 0, 'each document has its own');
    await e.complete({ prompt: A + 'x', maxTokens: 4, cacheKey: 'a', cacheSlots: 2 });
    assert.equal(e.recent.length, 2, 'a kept document keeps its own, and adds what its cache gives up now');
    assert.equal(e.recent[1], kept[0]);
  });
});

describe('token healing on a fake target', () => {
  it('takes the last token off and keeps whole UTF-8 characters', () => {
    const tok = new FakeTarget().tokenizer;
    const ids = tok.encode('def f():\n    ');
    const h = healTail(tok, ids);
    assert.equal(h.text, '\n    ');
    assert.deepEqual(h.ids, ids.slice(0, -1));
    // 'é' is two byte tokens here: both come off together.
    const e = healTail(tok, tok.encode('caf\u00e9'));
    assert.equal(e.text, '\u00e9');
    assert.equal(healTail(tok, tok.encode('x')).text, '', 'the only token stays');
  });

  it('allows exactly the tokens that agree with the removed bytes', () => {
    const tok = new FakeTarget().tokenizer;
    const c = new HealConstraint(tok, new TextEncoder().encode('\n    '));
    const allowed = [...c.allowed()].flatMap((a, id) => (a ? [tok.decode([id])] : [])).sort();
    assert.deepEqual(allowed, ['\n', '\n    ']);
    c.advance(tok.encode('\n')[0] as number);
    assert.deepEqual([...c.allowed()].flatMap((a, id) => (a ? [tok.decode([id])] : [])).sort(), [' ', '  ', '    ']);
    assert.throws(() => c.advance(tok.encode('x')[0] as number), /does not continue/);
  });

  it('fits: whether a path spells what is left, in order, without changing the constraint', () => {
    const tok = new FakeTarget().tokenizer;
    const id = (t: string): number => { const ids = tok.encode(t); assert.equal(ids.length, 1, t); return ids[0] as number; };
    const c = new HealConstraint(tok, new TextEncoder().encode('\n    '));
    assert.equal(c.fits([id('\n'), id('  '), id('  ')]), true);
    assert.equal(c.fits([id('\n    '), id('x')]), true, 'spelled: anything after');
    assert.equal(c.fits([id('\n'), id('x')]), false);
    assert.equal(c.fits([id('x')]), false);
    assert.equal(c.fits([]), true);
    assert.equal(c.done, false);
    assert.deepEqual([...c.allowed()].flatMap((a, i) => (a ? [tok.decode([i])] : [])).sort(), ['\n', '\n    '], 'unchanged');
  });

  it('equals a brute-force constrained greedy decode, and never shows the healed text twice', async () => {
    for (const prompt of PROMPTS) {
      const target = new FakeTarget();
      const tok = target.tokenizer;
      const h = healTail(tok, tok.encode(prompt));
      // Reference: argmax over the tokens that agree with the rest, one at a time.
      const ctx = [...h.ids];
      let rest = h.text;
      const ref: number[] = [];
      for (let n = 0; n < 12; n++) {
        const l = target.logitsAfter(ctx);
        let best = -1;
        for (let v = 0; v < l.length; v++) {
          if (tok.isSpecial(v)) continue;
          const s = tok.decode([v]);
          const ok = rest.length === 0 || s.startsWith(rest) || (s.length > 0 && rest.startsWith(s));
          if (ok && (best < 0 || (l[v] as number) > (l[best] as number))) best = v;
        }
        ref.push(best);
        ctx.push(best);
        const s = tok.decode([best]);
        rest = rest.startsWith(s) ? rest.slice(s.length) : '';
      }
      const r = await new Engine(target).complete({ prompt, maxTokens: 12, heal: true });
      assert.deepEqual(r.tokens, ref, JSON.stringify(prompt));
      assert.equal(r.healed, h.text);
      assert.equal(h.text + r.text, tok.decode(ref), 'the text is the generated text less the healed characters');
    }
  });

  it('with wordEnd, never continues the word after the prompt (healed or not), and drafting gives the same tokens', async () => {
    // The prompt ends with an IntelliSense item the user selected: a whole identifier.
    const word = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);
    let continuedWithout = 0;
    for (const prompt of ['def f(x):\n    ret', 'abcabcabcab', 'import os\nimport sys\nimport o', 'x = self.it']) {
      for (const heal of [false, true]) {
        const target = new FakeTarget();
        const tok = target.tokenizer;
        const h = heal ? healTail(tok, tok.encode(prompt)) : { ids: tok.encode(prompt), text: '' };
        // Reference: argmax over the tokens that spell the rest and then do not continue the word.
        const ctx = [...h.ids];
        let rest = h.text;
        let boundary = true;
        const ref: number[] = [];
        for (let n = 0; n < 10; n++) {
          const l = target.logitsAfter(ctx);
          let best = -1;
          for (let v = 0; v < l.length; v++) {
            const special = tok.isSpecial(v);
            const t = special ? '' : tok.decode([v]);
            let ok = special ? rest.length === 0 : t.length > 0 && (t.startsWith(rest) || rest.startsWith(t));
            if (ok && boundary && !special && t.length > rest.length && word(t[rest.length])) ok = false;
            if (rest.length === 0 && !boundary) ok = true;
            if (ok && (best < 0 || (l[v] as number) > (l[best] as number))) best = v;
          }
          ref.push(best);
          ctx.push(best);
          const t = tok.isSpecial(best) ? '' : tok.decode([best]);
          if (t.length > rest.length || tok.isSpecial(best)) boundary = false;
          rest = rest.startsWith(t) ? rest.slice(t.length) : '';
          if (tok.isSpecial(best)) break;
        }
        const r = await new Engine(target).complete({ prompt, maxTokens: 10, heal, wordEnd: true });
        assert.deepEqual(r.tokens, ref.slice(0, r.tokens.length), `${JSON.stringify(prompt)} heal ${heal}`);
        assert.ok(r.tokens.length > 0);
        assert.ok(!word(r.text[0]), `${JSON.stringify(prompt)} heal ${heal}: ${JSON.stringify(r.text)} continues the word`);
        const free = await new Engine(new FakeTarget()).complete({ prompt, maxTokens: 10, heal });
        if (word(free.text[0])) continuedWithout++;
        for (const tree of [CHAIN, TREE]) {
          const spec = await run({ prompt, maxTokens: 10, heal, wordEnd: true }, new AdversarialDrafter(new FakeTarget(), 0.7, 3), tree);
          assert.deepEqual(spec.tokens, r.tokens, `${JSON.stringify(prompt)} heal ${heal} ${tree.kind}: drafting changed the tokens`);
        }
      }
    }
    assert.ok(continuedWithout > 0, 'the fake model never continues a word: the test shows nothing');
  });

  it('heals under sampling: every sample spells the removed characters first', async () => {
    const prompt = 'def f(x):\n    ret';
    const tok = new FakeTarget().tokenizer;
    const h = healTail(tok, tok.encode(prompt));
    assert.equal(h.text, ' ret');
    for (let s = 0; s < 50; s++) {
      const r = await new Engine(new FakeTarget(1)).complete({ prompt, maxTokens: 6, heal: true, sampling: { temperature: 1, topK: 0, topP: 1, seed: s } });
      assert.ok(tok.decode(r.tokens).startsWith(' ret'), `sample ${s}: ${JSON.stringify(tok.decode(r.tokens))}`);
      assert.equal(r.text, tok.decode(r.tokens).slice(4));
    }
  });
});
