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
import { PrismDrafter } from '../../server/engine/prism-drafter';
import { PrismHead } from '../../server/engine/prism-head';
import { TargetModel } from '../../server/engine/target';
import { ROOT, tinyModel } from '../helpers';

const PY = path.join(ROOT, 'models', '.venv', 'bin', 'python');

describe('PRISM drafter (random-weight head on a tiny target)', () => {
  let target: TargetModel;
  let head: PrismHead;
  before(async () => {
    const model = tinyModel('llama', 'Q8_0');
    target = await TargetModel.load({ modelPath: model, device: 'cpu' });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-drafter-'));
    const pt = path.join(tmp, 'head.pt');
    const r = spawnSync(PY, ['-c', `
import sys, torch
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'models'))})
from prism.model import DraftConfig, DraftHead
from prism.train import target_embeddings
torch.manual_seed(1)
c = DraftConfig(hidden=256, width=256, heads=4, kv_heads=2, ffn=512, modules=3, steps=4, vocab=96)
h = DraftHead(c, target_embeddings(sys.argv[1]), torch.arange(96) * 3)
torch.save({"config": c.__dict__, "head": h.state_dict(), "variant": "prism", "gguf_sha256": sys.argv[2], "taps": [2, 2, 1]}, sys.argv[3])
`, model, target.modelHash, pt], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const e = spawnSync(PY, [path.join(ROOT, 'models', 'prism', 'export.py'), pt, path.join(tmp, 'head.gguf')], { encoding: 'utf8' });
    assert.equal(e.status, 0, e.stderr);
    head = await PrismHead.load(path.join(tmp, 'head.gguf'), target, 1);
  });
  after(async () => { await head.dispose(); await target.dispose(); });

  const prompts = ['def f(x):\n    return', 'for i in range(10):\n    ', 'self.value = self.value +', 'return x * 3', 'the the the the', 'class A:\n    def'];
  const shapes: TreeParams[] = [
    { kind: 'chain', depth: 4, topK: 1, totalTokens: 8, minProb: 0 },
    { kind: 'dynamic', depth: 3, topK: 3, totalTokens: 10, minProb: 0 },
  ];
  it('keeps its draft cache in step with its own context when other drafters run in between', async () => {
    const { NgramDrafter } = await import('../../server/engine/ngram');
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
