// The graph builder: subgraphs that hoist their initializers to the main graph (how the draft
// head's switch graph keeps one copy of its weights), run by onnxruntime with the right values.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { DT, GraphBuilder } from '../../kernels/onnx';

/** y = x @ W_which, W_0 = 2 I, W_1 = 3 I (2 x 2), chosen by an If on `which`; `shared` is the same name in both branches. */
function switchGraph(hoist: boolean): Uint8Array {
  const g = new GraphBuilder('switch');
  g.input('x', DT.FLOAT, [1, 2]);
  const which = g.input('which', DT.INT64, [1]);
  g.output('y', DT.FLOAT, [1, 2]);
  const branch = (name: string, scale: number): onnx.IGraphProto => {
    const b = g.subgraph(name, { hoist });
    const w = b.f32(`w_${name}`, [2, 2], Float32Array.of(scale, 0, 0, scale));
    const shared = b.f32('shared', [2], Float32Array.of(10, 20));
    b.op('Add', [b.op('MatMul', ['x', w]), shared], {}, { out: `y_${name}` });
    b.output(`y_${name}`, DT.FLOAT, [1, 2]);
    return b.graph();
  };
  const cond = g.op('Squeeze', [g.op('Equal', [which, g.i64([0])]), g.i64([0])]);
  g.node('If', [cond], { then_branch: { graph: branch('a', 2) }, else_branch: { graph: branch('b', 3) } }, { outs: ['y'] });
  return g.build();
}

describe('graph builder: hoisted subgraph initializers', () => {
  it('live in the main graph once per name, and no branch keeps its own', () => {
    const m = onnx.ModelProto.decode(switchGraph(true));
    const names = (m.graph?.initializer ?? []).map((t) => t.name);
    assert.ok(names.includes('w_a') && names.includes('w_b') && names.includes('shared'));
    assert.equal(new Set(names).size, names.length, 'an initializer name appears once');
    const ifNode = m.graph?.node?.find((n) => n.opType === 'If');
    for (const a of ifNode?.attribute ?? []) assert.equal(a.g?.initializer?.length ?? 0, 0, `${a.name} keeps no initializer`);
    const plain = onnx.ModelProto.decode(switchGraph(false));
    const inBranches = plain.graph?.node?.find((n) => n.opType === 'If')?.attribute?.reduce((s, a) => s + (a.g?.initializer?.length ?? 0), 0);
    assert.equal(inBranches, 4); // without hoisting each branch holds its weight and its own `shared`
  });

  it('compute the same outputs as branch-local weights in onnxruntime', async () => {
    const x = new ort.Tensor('float32', Float32Array.of(1, -2), [1, 2]);
    for (const hoist of [true, false]) {
      const s = await ort.InferenceSession.create(switchGraph(hoist));
      try {
        for (const [which, want] of [[0, [12, 16]], [1, [13, 14]]] as const) {
          const out = await s.run({ x, which: new ort.Tensor('int64', BigInt64Array.of(BigInt(which)), [1]) });
          assert.deepEqual(Array.from(out.y?.data as Float32Array), want, `hoist ${hoist}, branch ${which}`);
        }
      } finally {
        await s.release();
      }
    }
  });
});
