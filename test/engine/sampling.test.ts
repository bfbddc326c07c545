// Lossless speculative decoding under sampling: the first three tokens' joint distribution with
// drafters whose q differs from the target's p (chain, tree, the hybrid), chi-square against the
// enumerated target distribution. Its own file so the test runner runs it beside the greedy checks
// (speculative.test.ts) instead of after them.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addNode, type DraftTree, newTree, pathTo } from '../../server/engine/draft-tree';
import { buildTree, type DistributionSource, type DraftContext, type Drafter, type TreeParams } from '../../server/engine/drafter';
import { Engine } from '../../server/engine/engine';
import { HYBRID_HEAD_DEPTH, HybridDrafter } from '../../server/engine/hybrid';
import { type SamplingParams, type SparseDist, targetDistribution } from '../../server/engine/sampler';
import { TargetModel } from '../../server/engine/target';
import { tinyModel } from '../helpers';

const CHAIN: TreeParams = { kind: 'chain', depth: 4, topK: 1, totalTokens: 8, minProb: 0 };

function sourceDrafter(name: string, src: DistributionSource): Drafter {
  return { name, needsTaps: false, reset: () => undefined, draft: (ctx, params) => buildTree(src, ctx, params) };
}

/** A drafter whose q is a perturbed, flattened copy of the target's p (so q != p, overlapping). */
class PerturbedSource implements DistributionSource {
  private ctx: readonly number[] = [];
  constructor(private readonly target: TargetModel, private readonly sampling: SamplingParams) {}
  async begin(ctx: DraftContext): Promise<void> { this.ctx = ctx.tokens; }
  async expand(nodes: number[], tree: DraftTree): Promise<SparseDist[]> {
    const out: SparseDist[] = [];
    for (const n of nodes) {
      const path = pathTo(tree, n);
      const cache = this.target.newCache();
      const r = await this.target.extend(cache, [...this.ctx, ...path], { logits: true });
      const p = targetDistribution(r.logits as Float32Array, { ...this.sampling, topP: 1, topK: 12 });
      const w = Array.from(p.probs, (x, i) => Math.sqrt(x) * (0.5 + ((i * 7919) % 10) / 10));
      const z = w.reduce((a, b) => a + b, 0);
      out.push({ ids: p.ids, probs: Float64Array.from(w, (x) => x / z) });
    }
    return out;
  }
}

/** Wilson–Hilferty approximation of the chi-square quantile at 1 - 1e-3. */
function chi2Quantile999(df: number): number {
  const z = 3.0902;
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

describe('sampling is lossless (tiny model, T = 1)', () => {
  let target: TargetModel;
  const prompt = 'def f';
  // Trees need the unpadded target; sampling's losslessness is distributional (chi-square below).
  before(async () => { target = await TargetModel.load({ modelPath: tinyModel('llama', 'F32', { logitScale: 4 }), device: 'cpu', exact: false }); });
  after(async () => { await target.dispose(); });

  /**
   * The exact joint distribution of the first three tokens, by enumeration of every prefix whose
   * probability is at least `floor`; the mass of the rest is returned as `other`.
   */
  async function exactJoint(sampling: SamplingParams, floor: number): Promise<{ joint: Map<string, number>; other: number }> {
    const engine = new Engine(target);
    const ids = engine.promptIds({ prompt, maxTokens: 3 });
    const p = async (ctx: number[]): Promise<SparseDist> => {
      const r = await target.extend(target.newCache(), ctx, { logits: true });
      return targetDistribution(r.logits as Float32Array, sampling);
    };
    const joint = new Map<string, number>();
    let covered = 0;
    const d1 = await p(ids);
    for (let a = 0; a < d1.ids.length; a++) {
      const p1 = d1.probs[a] as number;
      if (p1 < floor) continue;
      const t1 = d1.ids[a] as number;
      const d2 = await p([...ids, t1]);
      for (let b = 0; b < d2.ids.length; b++) {
        const p2 = p1 * (d2.probs[b] as number);
        if (p2 < floor) continue;
        const t2 = d2.ids[b] as number;
        const d3 = await p([...ids, t1, t2]);
        for (let c = 0; c < d3.ids.length; c++) {
          const p3 = p2 * (d3.probs[c] as number);
          if (p3 < floor) continue;
          joint.set(`${t1},${t2},${d3.ids[c]}`, p3);
          covered += p3;
        }
      }
    }
    return { joint, other: Math.max(0, 1 - covered) };
  }

  const cases: { name: string; sampling: SamplingParams; params: TreeParams }[] = [
    { name: 'top-p 0.9, chain', sampling: { temperature: 1, topK: 0, topP: 0.9, seed: 0 }, params: { ...CHAIN, depth: 3 } },
    { name: 'top-p 0.9, tree', sampling: { temperature: 1, topK: 0, topP: 0.9, seed: 0 }, params: { kind: 'dynamic', depth: 3, topK: 2, totalTokens: 6, minProb: 0 } },
    { name: 'no top-p (full-vocabulary p), chain', sampling: { temperature: 1, topK: 0, topP: 1, seed: 0 }, params: { ...CHAIN, depth: 3 } },
  ];
  // The hybrid drafter: a lookup that proposes point masses on every other context (the last two
  // tokens again) and is silent otherwise, the perturbed model drafting where it is silent.
  const everyOther: Drafter = {
    name: 'every-other lookup', needsTaps: false, reset: () => undefined,
    draft: async (ctx, p) => {
      const t = newTree();
      const L = ctx.tokens.length;
      if (L % 2 === 0) {
        let parent = -1;
        for (let d = 0; d < Math.min(p.depth, 2); d++) parent = addNode(t, parent, ctx.tokens[L - 1 - d] as number);
      }
      return t;
    },
  };
  cases.push({ name: 'hybrid: point-mass lookup, the model where it is silent, chain', sampling: { temperature: 1, topK: 0, topP: 0.9, seed: 0 }, params: { ...CHAIN, depth: 3 } });
  cases.push({ name: 'hybrid tree: point-mass lookup with the model\'s top token beside it, the model where it is silent', sampling: { temperature: 1, topK: 0, topP: 0.9, seed: 0 }, params: { kind: 'dynamic', depth: 3, topK: 1, totalTokens: 4, minProb: 0 } });
  for (const { name, sampling, params } of cases) {
    it(`the first three tokens follow the target's joint distribution (${name}; chi-square, false-alarm rate 1e-3)`, async () => {
      const n = 1500;
      const { joint, other } = await exactJoint(sampling, 0.5 / n);
      assert.ok(joint.size > 3 && joint.size < 2000, `joint support ${joint.size}`);
      if (sampling.topP < 1) assert.ok(other < 1e-9, 'top-p support should be fully enumerated');
      const engine = new Engine(target);
      const source = new PerturbedSource(target, sampling);
      const model = sourceDrafter('perturbed', source);
      // The tree hybrid also asks the model for its top token where lookup proposes.
      const hybrid = name.startsWith('hybrid tree') ? new HybridDrafter(everyOther, { ...model, begin: (c: DraftContext) => source.begin(c), expand: (v: number[], t: DraftTree) => source.expand(v, t) } as Drafter, HYBRID_HEAD_DEPTH, 0, { minProb: 0 })
        : name.startsWith('hybrid') ? new HybridDrafter(everyOther, model) : undefined;
      const drafter = hybrid ?? model;
      const counts = new Map<string, number>();
      let outside = 0;
      let accepted = 0;
      for (let seed = 1; seed <= n; seed++) {
        const r = await engine.complete({ prompt, maxTokens: 3, ignoreEos: true, sampling: { ...sampling, seed } }, {}, drafter, params);
        accepted += r.spec?.accepted ?? 0;
        const key = r.tokens.join(',');
        if (!joint.has(key)) {
          assert.ok(sampling.topP >= 1, `sampled ${key}, which the target gives probability 0`);
          outside++;
        }
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      assert.ok(accepted > n / 4, `too few draft tokens accepted (${accepted}) for the test to mean anything`);
      if (hybrid) assert.ok(hybrid.served.lookup > n / 4 && hybrid.served.head > n / 4, `both sources must draft: ${JSON.stringify(hybrid.served)}`);
      if (name.startsWith('hybrid tree')) assert.ok(hybrid && hybrid.served.sibling > n / 8, `the model's token must join lookup's: ${JSON.stringify(hybrid?.served)}`);
      // Cells with expected count < 5 are pooled with the unenumerated mass.
      let chi2 = 0;
      let cells = 0;
      let poolE = n * other;
      let poolO = outside;
      for (const [k, pr] of joint) {
        const e = n * pr;
        const o = counts.get(k) ?? 0;
        if (e < 5) { poolE += e; poolO += o; continue; }
        chi2 += (o - e) ** 2 / e;
        cells++;
      }
      if (poolE > 0) { chi2 += (poolO - poolE) ** 2 / poolE; cells++; }
      assert.ok(cells >= 3, `only ${cells} cells`);
      const limit = chi2Quantile999(cells - 1);
      assert.ok(chi2 < limit, `chi2 ${chi2.toFixed(1)} over ${cells} cells exceeds ${limit.toFixed(1)}`);
    });
  }
});
