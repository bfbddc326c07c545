// The graph builder: subgraphs that hoist their initializers to the main graph (how the draft
// head's switch graph keeps one copy of its weights), run by onnxruntime with the right values.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import '../../server/engine/ort-private';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { DT, EXTERNAL_ALIGN, GraphBuilder } from '../../kernels/onnx';

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

describe('graph builder: weights beside the graph (ONNX external data)', () => {
  /** y = x @ W + b: W 64 x 48 (12 KB), b 48 floats (192 bytes), c 3 x 1000 floats (12 KB). */
  function affine(): GraphBuilder {
    const g = new GraphBuilder('affine');
    g.input('x', DT.FLOAT, [2, 64]);
    const w = Float32Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i) / 7);
    const b = Float32Array.from({ length: 48 }, (_, i) => i / 3);
    const y = g.op('Add', [g.op('MatMul', ['x', g.f32('w', [64, 48], w)]), g.f32('b', [48], b)]);
    g.op('Add', [g.op('ReduceSum', [y, g.i64([1])], { keepdims: 1 }), g.op('ReduceSum', [g.f32('c', [3, 1000], new Float32Array(3000).fill(0.5)), g.i64([0, 1])], { keepdims: 1 })], {}, { out: 'y' });
    g.output('y', DT.FLOAT, [2, 1]);
    return g;
  }

  it('moves initializers of at least minBytes to the data file at page-aligned offsets, the rest inline', () => {
    const { model, data } = affine().model().split('affine.onnx.data');
    const m = onnx.ModelProto.decode(model);
    const meta = (name: string): Record<string, string> => Object.fromEntries((m.graph?.initializer?.find((t) => t.name === name)?.externalData ?? []).map((e) => [e.key, e.value]));
    assert.deepEqual(meta('w'), { location: 'affine.onnx.data', offset: '0', length: String(64 * 48 * 4) });
    assert.deepEqual(meta('c'), { location: 'affine.onnx.data', offset: String(3 * EXTERNAL_ALIGN), length: '12000' });
    assert.equal(m.graph?.initializer?.find((t) => t.name === 'b')?.rawData?.byteLength, 192);
    assert.equal(data.reduce((n, d) => n + d.byteLength, 0), 3 * EXTERNAL_ALIGN + 12000);
  });

  it('loads from its two files in onnxruntime and computes exactly what the one-file model computes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-ext-'));
    const { model, data } = affine().model().split('affine.onnx.data');
    fs.writeFileSync(path.join(dir, 'affine.onnx.data'), Buffer.concat(data));
    fs.writeFileSync(path.join(dir, 'affine.onnx'), model);
    const x = new ort.Tensor('float32', Float32Array.from({ length: 128 }, (_, i) => Math.cos(i)), [2, 64]);
    const run = async (s: ort.InferenceSession): Promise<number[]> => {
      try {
        return Array.from((await s.run({ x })).y?.data as Float32Array);
      } finally {
        await s.release();
      }
    };
    const split = await run(await ort.InferenceSession.create(path.join(dir, 'affine.onnx')));
    const inline = await run(await ort.InferenceSession.create(affine().build()));
    assert.deepEqual(split, inline);
    assert.notDeepEqual(inline, [0, 0]);
    fs.rmSync(path.join(dir, 'affine.onnx.data'));
    await assert.rejects(ort.InferenceSession.create(path.join(dir, 'affine.onnx')));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
