// The PRISM drafter behind the Drafter interface: speculative decoding with it (chains and
// trees, with the engine handing it the target's taps) gives exactly plain decoding's tokens.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Drafter, TreeParams } from '../../server/engine/drafter';
import { Engine } from '../../server/engine/engine';
import { HybridDrafter } from '../../server/engine/hybrid';
import { PrismDrafter } from '../../server/engine/prism-drafter';
import { NgramDrafter } from '../../server/engine/ngram';
import { PrismHead } from '../../server/engine/prism-head';
import { Rng } from '../../server/engine/sampler';
import { TargetModel } from '../../server/engine/target';
import { PY, tinyModel } from '../helpers';


describe('PRISM drafter (random-weight head on a tiny target)', () => {
  let target: TargetModel;
  let head: PrismHead;
  let windowed: PrismHead;
  before(async () => {
    const model = tinyModel('llama', 'Q8_0');
    target = await TargetModel.load({ modelPath: model, device: 'cpu', exact: false }); // trees: see TREES_NOT_EXACT
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-drafter-'));
    const pt = path.join(tmp, 'head.pt');
    const r = spawnSync(PY, ['-c', `
import sys, torch
from prism.model import DraftConfig, DraftHead
from prism.train import target_embeddings
torch.manual_seed(1)
c = DraftConfig(hidden=256, width=256, heads=4, kv_heads=2, ffn=512, modules=3, steps=4, vocab=96)
h = DraftHead(c, target_embeddings(sys.argv[1]), torch.arange(96) * 3)
torch.save({"config": c.__dict__, "head": h.state_dict(), "variant": "prism", "gguf_sha256": sys.argv[2], "taps": [2, 2, 1]}, sys.argv[3])
`, model, target.modelHash, pt], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const e = spawnSync(PY, ['-m', 'prism.export', pt, path.join(tmp, 'head.gguf')], { encoding: 'utf8' });
    assert.equal(e.status, 0, e.stderr);
    head = await PrismHead.load(path.join(tmp, 'head.gguf'), target, { threads: 1 });
    // The same weights, trained (so says its manifest) on 16-position windows.
    const w = spawnSync(PY, ['-c', `
import sys, torch
s = torch.load(sys.argv[1], weights_only=False)
s["window"] = 16
torch.save(s, sys.argv[2])
`, pt, path.join(tmp, 'head16.pt')], { encoding: 'utf8' });
    assert.equal(w.status, 0, w.stderr);
    const e16 = spawnSync(PY, ['-m', 'prism.export', path.join(tmp, 'head16.pt'), path.join(tmp, 'head16.gguf')], { encoding: 'utf8' });
    assert.equal(e16.status, 0, e16.stderr);
    windowed = await PrismHead.load(path.join(tmp, 'head16.gguf'), target, { threads: 1 });
  });
  after(async () => { await head.dispose(); await windowed.dispose(); await target.dispose(); });

  it('attends only to the positions of its training window, as if the context started there', async () => {
    assert.equal(windowed.head.manifest.context, 16);
    assert.equal(head.head.manifest.context, 512, 'a head exported without a window defaults to 512 positions');
    const engine = new Engine(target);
    const ids = target.tokenizer.encode('def add(a, b):\n    return a + b\n\nclass Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, x):\n        self.items.append(x)\n');
    assert.ok(ids.length > 40, `prompt of ${ids.length} tokens`);
    await engine.prefill(ids.slice(0, -1), false, undefined, true);
    const L = ids.length;
    const chain: TreeParams = { kind: 'dynamic', depth: 3, topK: 2, totalTokens: 6, minProb: 0 };
    const sampling = { temperature: 0, topK: 0, topP: 1, seed: 0 };
    const long = await new PrismDrafter(windowed).draft({ tokens: ids, sampling, rng: new Rng(0), taps: (a, b) => engine.taps.rows(a, b) }, chain);
    // A 512-window drafter given only the last 16 positions (plus the root): the same keys at
    // other absolute positions, which rotary embeddings do not see.
    const from = L - 17;
    const short = await new PrismDrafter(head).draft({ tokens: ids.slice(from), sampling, rng: new Rng(0), taps: (a, b) => engine.taps.rows(from + a, from + b) }, chain);
    assert.deepEqual(long.tokens, short.tokens);
    assert.deepEqual(long.parents, short.parents);
    long.prob.forEach((p, i) => assert.ok(Math.abs(p - (short.prob[i] as number)) < 1e-4, `node ${i}: ${p} vs ${short.prob[i]}`));
    const full = await new PrismDrafter(head).draft({ tokens: ids, sampling, rng: new Rng(0), taps: (a, b) => engine.taps.rows(a, b) }, chain);
    assert.ok(full.prob.some((p, i) => Math.abs(p - (long.prob[i] as number)) > 1e-4) || full.tokens.join() !== long.tokens.join(), 'the window must change what a long context drafts');
  });

  it('keeps each document\'s context: back to an earlier one, it drafts the same tree without a prefill', async () => {
    const docs = ['def add(a, b):\n    return a + b\n\nclass Stack:\n    def push(self, x):\n', 'for (let i = 0; i < n; i++) {\n  total += xs[i];\n}\nconsole.log(total);\n'];
    const ids = docs.map((d) => target.tokenizer.encode(d));
    const engine = new Engine(target);
    const chain: TreeParams = { kind: 'chain', depth: 3, topK: 1, totalTokens: 8, minProb: 0 };
    const ctxOf = async (t: number[]) => {
      engine.cache.truncate(0);
      engine.taps.truncate(0);
      await engine.prefill(t.slice(0, -1), false, undefined, true);
      const taps = engine.taps.rows(0, t.length - 1).slice();
      return { tokens: t, sampling: { temperature: 0, topK: 0, topP: 1, seed: 0 }, rng: new Rng(0), taps: (a: number, b: number) => taps.subarray(a * 3 * target.cfg.hidden, b * 3 * target.cfg.hidden) };
    };
    const [a, b] = [await ctxOf(ids[0] as number[]), await ctxOf(ids[1] as number[])];
    let runs = 0;
    const run = head.run.bind(head);
    head.run = async (...x: Parameters<PrismHead['run']>) => { runs++; return run(...x); };
    try {
      const d = new PrismDrafter(head);
      const first = await d.draft(a, chain);
      await d.draft(b, chain);
      runs = 0;
      const back = await d.draft(a, chain);
      assert.equal(runs, 2, 'back to a: no prefill run, only the chain\'s two steps past the root');
      assert.deepEqual(back.tokens, first.tokens);
      assert.deepEqual(Array.from(back.prob), Array.from(first.prob));
      const fresh = await new PrismDrafter(head).draft(a, chain);
      assert.deepEqual(back.tokens, fresh.tokens);
    } finally {
      head.run = run;
    }
  });

  it('prime does the prompt prefill ahead of the first draft, which then drafts the same tree with one head run less', async () => {
    const engine = new Engine(target);
    const ids = target.tokenizer.encode('def add(a, b):\n    return a + b\n\nclass Stack:\n    def push(self, x):\n');
    await engine.prefill(ids.slice(0, -1), false, undefined, true);
    const ctx = { tokens: ids, sampling: { temperature: 0, topK: 0, topP: 1, seed: 0 }, rng: new Rng(0), taps: (a: number, b: number) => engine.taps.rows(a, b) };
    const chain: TreeParams = { kind: 'chain', depth: 3, topK: 1, totalTokens: 8, minProb: 0 };
    let runs = 0;
    const run = head.run.bind(head);
    head.run = async (...a: Parameters<PrismHead['run']>) => { runs++; return run(...a); };
    try {
      const fresh = await new PrismDrafter(head).draft(ctx, chain);
      const freshRuns = runs;
      const primed = new PrismDrafter(head);
      runs = 0;
      await primed.prime(ctx);
      assert.equal(runs, 1, 'the prefill is one run of the first module');
      runs = 0;
      const tree = await primed.draft(ctx, chain);
      assert.equal(runs, freshRuns - 1, 'the first draft after prime prefills nothing');
      assert.deepEqual(tree.tokens, fresh.tokens);
      assert.deepEqual(Array.from(tree.prob), Array.from(fresh.prob));
    } finally {
      head.run = run;
    }
  });

  const prompts = ['def f(x):\n    return', 'for i in range(10):\n    ', 'self.value = self.value +', 'return x * 3', 'the the the the', 'class A:\n    def'];
  const shapes: TreeParams[] = [
    { kind: 'chain', depth: 4, topK: 1, totalTokens: 8, minProb: 0 },
    { kind: 'dynamic', depth: 3, topK: 3, totalTokens: 10, minProb: 0 },
  ];
  it('keeps its draft cache in step with its own context when other drafters run in between', async () => {
    // Records every tree a drafter proposes: a stale draft cache proposes other trees.
    const recording = (inner: PrismDrafter, trees: string[]): Drafter => ({
      name: inner.name, needsTaps: true, reset: () => inner.reset(),
      draft: async (ctx, p) => { const t = await inner.draft(ctx, p); trees.push(t.tokens.join(',')); return t; },
    });
    const shared = new Engine(target);
    const drafter = new PrismDrafter(head);
    const req = (prompt: string): { prompt: string; maxTokens: number; ignoreEos: boolean } => ({ prompt, maxTokens: 12, ignoreEos: true });
    await shared.complete(req(prompts[0] as string), {}, drafter, shapes[0]);
    await shared.complete(req(prompts[1] as string), {}, new NgramDrafter(), shapes[0]);
    const got: string[] = [];
    const want: string[] = [];
    await shared.complete(req(prompts[1] as string), {}, recording(drafter, got), shapes[0]);
    await new Engine(target).complete(req(prompts[1] as string), {}, recording(new PrismDrafter(head), want), shapes[0]);
    assert.ok(want.length > 0);
    assert.deepEqual(got, want, 'a drafter reused across contexts must draft exactly as a fresh one');
  });

  it('hybrid: greedy output equals plain decoding, and the head drafts where lookup is silent exactly as a fresh head would', async () => {
    const plain = new Engine(target);
    const spec = new Engine(target);
    const shared = new PrismDrafter(head);
    // Each head draft inside the hybrid, with its context, to redraft with a fresh head afterwards.
    const seen: { tokens: number[]; params: TreeParams; tree: string }[] = [];
    const recorded: Drafter = {
      name: 'prism', needsTaps: true, reset: () => shared.reset(),
      draft: async (ctx, p) => { const t = await shared.draft(ctx, p); seen.push({ tokens: [...ctx.tokens], params: p, tree: t.tokens.join(',') }); return t; },
    };
    let lookupCycles = 0;
    let headCycles = 0;
    for (const prompt of [...prompts, 'a = b + c\na = b + c\na = b +']) {
      const req = { prompt, maxTokens: 16, ignoreEos: true };
      const hybrid = new HybridDrafter(new NgramDrafter(), recorded);
      const want = await plain.complete(req);
      const got = await spec.complete(req, {}, hybrid, shapes[0]);
      assert.deepEqual(got.tokens, want.tokens, prompt);
      lookupCycles += hybrid.served.lookup;
      headCycles += hybrid.served.head;
      // The head caught up on the positions lookup's cycles accepted: it drafts what a fresh head
      // given the same context drafts (the engine's taps still cover every position).
      for (const s of seen.splice(0)) {
        const fresh = await new PrismDrafter(head).draft({ tokens: s.tokens, sampling: { temperature: 0, topK: 0, topP: 1, seed: 0 }, rng: new Rng(0), taps: (a, b) => spec.taps.rows(a, b) }, s.params);
        assert.equal(s.tree, fresh.tokens.join(','), `${prompt}: head draft after ${s.tokens.length} tokens`);
      }
    }
    assert.ok(lookupCycles > 0 && headCycles > 0, `both sources must serve cycles (lookup ${lookupCycles}, head ${headCycles})`);
  });

  it('hybrid as one tree (the head\'s top token beside lookup\'s first): greedy output equals plain decoding', async () => {
    const plain = new Engine(target);
    const spec = new Engine(target);
    const hybrid = new HybridDrafter(new NgramDrafter(), new PrismDrafter(head), 1, 0, { minProb: 0 });
    for (const prompt of [...prompts, 'a = b + c\na = b + c\na = b +']) {
      const req = { prompt, maxTokens: 16, ignoreEos: true };
      const want = await plain.complete(req);
      const got = await spec.complete(req, {}, hybrid, { kind: 'dynamic', depth: 4, topK: 1, totalTokens: 5, minProb: 0 });
      assert.deepEqual(got.tokens, want.tokens, prompt);
    }
    assert.ok(hybrid.served.sibling > 0 && hybrid.served.head > 0, `the head must draft beside lookup and alone: ${JSON.stringify(hybrid.served)}`);
  });

  for (const shape of shapes) {
    it(`greedy output equals plain decoding (${shape.kind}), one engine across prompts`, async () => {
      const plain = new Engine(target);
      const spec = new Engine(target);
      const drafter = new PrismDrafter(head);
      let drafted = 0;
      for (const prompt of prompts) {
        const req = { prompt, maxTokens: 16, ignoreEos: true };
        const want = await plain.complete(req);
        const got = await spec.complete(req, {}, drafter, shape);
        assert.deepEqual(got.tokens, want.tokens, prompt);
        drafted += got.spec?.drafted ?? 0;
        assert.equal(spec.taps.length, spec.cache.length, 'the taps store must cover exactly the cached positions');
      }
      assert.ok(drafted > prompts.length, `drafted only ${drafted} nodes`);
    });
  }
});
