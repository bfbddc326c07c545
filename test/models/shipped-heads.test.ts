// The draft heads shipped in models/heads/ for SmolLM2-135M: they load against the default
// model, greedy completions with them equal plain decoding at dev-split cursor positions (chains
// and trees, PRISM and EAGLE-3), they draft something (depth-1 acceptance well above chance), and
// another model refuses them in one line.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { TreeParams } from '../../server/engine/drafter';
import { Engine } from '../../server/engine/engine';
import { readDraftHead } from '../../server/engine/draft-head';
import { PrismDrafter } from '../../server/engine/prism-drafter';
import { PrismHead } from '../../server/engine/prism-head';
import { TargetModel } from '../../server/engine/target';
import { shippedHead } from '../../server/drafting/policy';
import { cursorOffsets, defaultModel, devFiles, tinyModel } from '../helpers';

const CHAIN: TreeParams = { kind: 'chain', depth: 4, topK: 1, totalTokens: 8, minProb: 0 };
const TREE: TreeParams = { kind: 'dynamic', depth: 4, topK: 2, totalTokens: 8, minProb: 0 };

describe('shipped draft heads (SmolLM2-135M)', () => {
  let target: TargetModel;
  /** Trees run on the target with the tree-exact attention (exact where keys keep their panels). */
  let treeExact: TargetModel;
  const positions: string[] = [];
  before(async () => {
    target = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu' });
    treeExact = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu', graph: { attention: 'tree-exact' } });
    // 8 positions: 4 files, 2 each (12 before; docs/BENCHMARKS.md, "The test suite's
    // time").
    for (const f of devFiles(4, { minBytes: 2000, maxBytes: 30000 })) {
      for (const at of cursorOffsets(f.content, 2, f.path.length + 3)) positions.push(f.content.slice(Math.max(0, at - 1200), at));
    }
  });
  after(async () => { await target.dispose(); await treeExact.dispose(); });

  /** Plain decoding's tokens at position i, on the target and on the tree-exact target: computed once for both heads. */
  const wants = new Map<number, { want: number[]; wantTreeExact: number[] }>();
  let plain: [Engine, Engine] | undefined;
  const plainAt = async (i: number, req: { prompt: string; maxTokens: number; ignoreEos: boolean }) => {
    let w = wants.get(i);
    if (!w) {
      plain ??= [new Engine(target), new Engine(treeExact)];
      const want = (await plain[0].complete(req)).tokens;
      w = { want, wantTreeExact: i % 3 === 0 ? (await plain[1].complete(req)).tokens : want };
      wants.set(i, w);
    }
    return w;
  };

  for (const kind of ['prism', 'eagle3'] as const) {
    it(`${kind}: greedy output equals plain decoding at 8 dev-split positions (chains; trees at 3), and it drafts well`, async () => {
      const file = shippedHead(kind);
      assert.ok(fs.existsSync(file), `${file} is not in the repository`);
      const head = await PrismHead.load(file, target);
      const treeHead = await PrismHead.load(file, treeExact);
      try {
        assert.equal(head.head.manifest.variant, kind);
        const drafter = new PrismDrafter(head, kind);
        const treeDrafter = new PrismDrafter(treeHead, kind);
        const spec = new Engine(target);
        const specTreeExact = new Engine(treeExact);
        let reached = 0;
        let accepted = 0;
        for (const [i, prompt] of positions.entries()) {
          const req = { prompt, maxTokens: 24, ignoreEos: true };
          // Trees (on the tree-exact target, against its own plain output) at every third position.
          const { want, wantTreeExact } = await plainAt(i, req);
          for (const shape of i % 3 === 0 ? [CHAIN, TREE] : [CHAIN]) {
            const tree = shape.kind !== 'chain';
            const got = await (tree ? specTreeExact : spec).complete(req, {}, tree ? treeDrafter : drafter, shape);
            assert.deepEqual(got.tokens, tree ? wantTreeExact : want, `position ${i}, ${kind} ${shape.kind}`);
            reached += got.spec?.depthReached[0] ?? 0;
            accepted += got.spec?.depthAccepted[0] ?? 0;
          }
        }
        // A trained head's first draft is right far more often than chance (1 in 2,048).
        assert.ok(accepted / reached > 0.25, `depth-1 acceptance ${(accepted / reached).toFixed(3)}`);
      } finally {
        await head.dispose();
        await treeHead.dispose();
      }
    });
  }

  it('another model refuses the shipped head in one line', async () => {
    const tiny = await TargetModel.load({ modelPath: tinyModel('llama', 'Q8_0'), device: 'cpu' });
    try {
      assert.throws(() => readDraftHead(shippedHead('prism'), tiny),
        /draft head smollm2-135m-prism\.gguf was trained for another model \(sha256 b179c9523d0e\), not llama-Q8_0\.gguf \([0-9a-f]{12}\); use a head trained for this model, or the n-gram drafter$/);
    } finally {
      await tiny.dispose();
    }
  });
});
