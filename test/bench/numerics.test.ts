// bench-numerics' arithmetic: perplexity and agreement against the reference, and the rule that
// picks the default numerics (the fastest whose quality loss is no larger than llama.cpp's).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryTree, choose, compare, type CostRow, type QualityRow } from '../../server/bench/numerics';

const q = (numerics: string, top1: number, pplChange: number, source = 'dev'): QualityRow =>
  ({ source, numerics, positions: 4000, ppl: 6 * (1 + pplChange), ppl_ref: 6, ppl_change: pplChange, top1_agreement: top1, mean_abs_logp_diff: 0 });
const c = (numerics: string, ms: number): CostRow => ({ numerics, mask: 'chain', k: 1, ms, vs_step: 1, vs_single: 1 });

describe('bench-numerics', () => {
  it('compares scores with the reference: perplexity from log p of the next token, top-1 agreement', () => {
    const ref = { argmax: [[1, 2, 3]], logp: [[Math.log(0.5), Math.log(0.25)]] };
    const ours = { argmax: [[1, 2, 4]], logp: [[Math.log(0.5), Math.log(0.5)]] };
    const r = compare('dev', 'x', ours, ref);
    assert.equal(r.positions, 2);
    assert.ok(Math.abs(r.ppl - 2) < 1e-12, `ppl ${r.ppl}`); // exp(mean(-log p)) = exp(log 2)
    assert.ok(Math.abs(r.ppl_ref - Math.sqrt(8)) < 1e-12);
    assert.equal(r.top1_agreement, 1); // positions 0 and 1 scored (the last has no next token)
    assert.ok(Math.abs(r.mean_abs_logp_diff - Math.log(2) / 2) < 1e-12);
  });

  it('picks the fastest numerics that loses no more than llama.cpp on every source', () => {
    const quality = [q('fp32', 1, 0), q('int8', 0.95, 0.014), q('llama.cpp', 0.978, 0.0014), q('fp32', 1, 0, 'infill'), q('int8', 0.954, 0.012, 'infill'), q('llama.cpp', 0.978, 0.005, 'infill')];
    assert.equal(choose(quality, [c('fp32', 37), c('int8', 21)], ['fp32', 'int8']).chosen, 'fp32');
    // int8 as good as llama.cpp: the faster one wins.
    const good = quality.map((x) => (x.numerics === 'int8' ? { ...x, top1_agreement: 0.978, ppl_change: x.ppl_change / 10 } : x));
    assert.equal(choose(good, [c('fp32', 37), c('int8', 21)], ['fp32', 'int8']).chosen, 'int8');
    // One source failing is enough to lose.
    const oneBad = good.map((x) => (x.numerics === 'int8' && x.source === 'infill' ? { ...x, top1_agreement: 0.9 } : x));
    assert.equal(choose(oneBad, [c('fp32', 37), c('int8', 21)], ['fp32', 'int8']).chosen, 'fp32');
  });

  it('builds binary verification trees breadth first', () => {
    assert.deepEqual(binaryTree(7), [-1, 0, 0, 1, 1, 2, 2]);
  });
});
