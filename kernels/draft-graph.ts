// ONNX graphs of a trained draft head (models/prism/model.py, exported by models/prism/export.py):
// the feature fusion of the target's taps, and one step graph per processing module.
//
// fc graph:      taps [S, 3H] -> features [S, d]
// module graph:  emb [1,S,E] (target embedding rows), h_in [1,S,d], position_ids [1,S],
//                attn_mask [S, P+S], past_k_l / past_v_l [1,P,kv*hd] for each layer l of the
//                module (the shared draft KV cache) -> h_out [1,S,d], logits [S,N],
//                new_k_l / new_v_l [1,S,kv*hd]
// Blocks mirror model.py exactly: fusion = Linear([RMSNorm(emb), RMSNorm(h_in)]), then Llama
// layers with rotate-half rope; logits = head(RMSNorm(h_out)).
import { DRAFT_BUILDER_HASH } from './builder-hash';
import { attend, kvInputNames, linear, matMul8, rmsNorm, ropeTables, WeightSource } from './llama-graph';
import type { GgufFile } from './gguf';
import { type BuiltModel, DT, GraphBuilder } from './onnx';

export interface DraftDims {
  width: number;
  embedDim: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  layersPerModule: number;
  vocab: number;
  ropeBase: number;
  eps: number;
  hidden: number;
  maxPositions: number;
  /**
   * 'int8' (default): every weight as 8-bit MatMulNBits blocks (one scale per 32) on int8
   * activations, 4x fewer bytes read per draft step than fp32 (the step is bound by reading the
   * weights: docs/BENCHMARKS.md, "Draft heads on 8-bit weights"); 'f32': the trained weights exactly (the
   * training-equals-inference tests). Drafts only propose: verification keeps the output exact.
   */
  weights?: 'int8' | 'f32';
}

const F32 = { weights: 'f32' as const, accuracyLevel: 0, head: 'f32' as const, maxPositions: 0 };

/**
 * y = x @ W^T for a draft weight [N rows x K] (float16/float32 in the head's GGUF): fp32 MatMul, or
 * symmetric 8-bit blocks of 32 (scale = max |w| / 127, as ggml's Q8_0) as MatMulNBits with int8
 * activations, the kernel the target's 8-bit LM head runs on.
 */
function draftLinear(g: GraphBuilder, w: WeightSource, x: string, name: string, d: DraftDims): string {
  const t = w.info(name);
  const k = t.dims[0] as number;
  const n = t.dims[1] as number;
  if ((d.weights ?? 'int8') === 'f32' || k % 32 !== 0) return linear(g, w, x, [name], F32, new Map())[0] as string;
  const { packed, scales } = quantize8(w.f32(name), n * k);
  return matMul8(g, x, { q: `${name}.q8`, scales: `${name}.q8scales`, zp: `${name}.q8zp` }, n, k, packed, scales);
}

/** Symmetric 8-bit blocks of 32: u = round(w / s) + 128 with s = max |w| / 127 per block. */
export function quantize8(values: Float32Array, count: number): { packed: Uint8Array; scales: Float32Array } {
  const blocks = count / 32;
  const packed = new Uint8Array(count);
  const scales = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[b * 32 + j] as number));
    const s = amax / 127;
    scales[b] = s;
    for (let j = 0; j < 32; j++) packed[b * 32 + j] = s > 0 ? Math.round((values[b * 32 + j] as number) / s) + 128 : 128;
  }
  return { packed, scales };
}

export function buildDraftFcGraph(file: GgufFile, d: DraftDims): BuiltModel {
  const g = new GraphBuilder('draft_fc');
  const w = new WeightSource(file);
  const taps = g.input('taps', DT.FLOAT, ['S', 3 * d.hidden]);
  g.op('Identity', [draftLinear(g, w, taps, 'fc.weight', d)], {}, { out: 'features' });
  g.output('features', DT.FLOAT, ['S', d.width]);
  return g.model();
}

interface ModuleIo { emb: string; hIn: string; pos: string; maskB: string; cos: string; sin: string; pastK: string[]; pastV: string[] }
interface ModuleOuts { h: string; logits: string; newK: string[]; newV: string[] }

/** Emits one module's step into g (a main graph, or an If branch reading the outer io names). */
function emitModule(g: GraphBuilder, w: WeightSource, d: DraftDims, module: number, io: ModuleIo, out: ModuleOuts): void {
  const hd = d.width / d.heads;
  const p = `mods.${module}.`;
  const norm = (x: string, name: string, dim: number): string => rmsNorm(g, x, g.f32(name, [dim], w.f32(name)), d.eps);
  const lin = (x: string, name: string): string => draftLinear(g, w, x, name, d);
  let h = lin(g.op('Concat', [norm(io.emb, `${p}norm_e.weight`, d.embedDim), norm(io.hIn, `${p}norm_h.weight`, d.width)], { axis: -1 }), `${p}fuse.weight`);
  for (let l = 0; l < d.layersPerModule; l++) {
    const q = `${p}layers.${l}.`;
    const x = norm(h, `${q}attn_norm.weight`, d.width);
    const rot = (t: string, heads: number, o?: string): string =>
      g.op('RotaryEmbedding', [t, io.pos, io.cos, io.sin], { interleaved: 0, num_heads: heads }, { domain: 'com.microsoft', out: o });
    const qs = rot(lin(x, `${q}q.weight`), d.heads);
    const newK = out.newK[l] as string;
    const newV = out.newV[l] as string;
    rot(lin(x, `${q}k.weight`), d.kvHeads, newK);
    g.op('Identity', [lin(x, `${q}v.weight`)], {}, { out: newV });
    h = g.op('Add', [h, lin(attend(g, qs, newK, newV, io.pastK[l] as string, io.pastV[l] as string, io.maskB, { heads: d.heads, kvHeads: d.kvHeads, headDim: hd }), `${q}o.weight`)]);
    const x2 = norm(h, `${q}ffn_norm.weight`, d.width);
    const gate = lin(x2, `${q}gate.weight`);
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), lin(x2, `${q}up.weight`)]);
    h = g.op('Add', [h, lin(act, `${q}down.weight`)]);
  }
  g.op('Identity', [h], {}, { out: out.h });
  const normed = g.op('Reshape', [norm(h, 'norm.weight', d.width), g.i64([-1, d.width])]);
  g.op('Identity', [lin(normed, 'head.weight')], {}, { out: out.logits });
}

/** The inputs every module graph takes (and the rope tables): emb, h_in, positions, mask, pasts. */
function moduleInputs(g: GraphBuilder, d: DraftDims): ModuleIo {
  const hd = d.width / d.heads;
  const kvw = d.kvHeads * hd;
  const emb = g.input('emb', DT.FLOAT, [1, 'S', d.embedDim]);
  const hIn = g.input('h_in', DT.FLOAT, [1, 'S', d.width]);
  const pos = g.input('position_ids', DT.INT64, [1, 'S']);
  const mask = g.input('attn_mask', DT.FLOAT, ['S', 'T']);
  const maskB = g.op('Unsqueeze', [mask, g.i64([0, 1])]);
  const { cos, sin } = ropeTables({ headDim: hd, ropeBase: d.ropeBase, ropeLinearScale: 1 }, d.maxPositions);
  const pastK: string[] = [];
  const pastV: string[] = [];
  for (let l = 0; l < d.layersPerModule; l++) {
    const names = kvInputNames(l);
    pastK.push(g.input(names.pastK, DT.FLOAT, [1, 'P', kvw]));
    pastV.push(g.input(names.pastV, DT.FLOAT, [1, 'P', kvw]));
  }
  return { emb, hIn, pos, maskB, cos: g.f32('rope_cos', [d.maxPositions, hd / 2], cos), sin: g.f32('rope_sin', [d.maxPositions, hd / 2], sin), pastK, pastV };
}

function moduleOutputs(g: GraphBuilder, d: DraftDims): ModuleOuts {
  const kvw = d.kvHeads * (d.width / d.heads);
  const layers = Array.from({ length: d.layersPerModule }, (_, l) => kvInputNames(l));
  for (const n of layers) {
    g.output(n.newK, DT.FLOAT, [1, 'S', kvw]);
    g.output(n.newV, DT.FLOAT, [1, 'S', kvw]);
  }
  g.output('h_out', DT.FLOAT, [1, 'S', d.width]);
  g.output('logits', DT.FLOAT, ['S', d.vocab]);
  return { h: 'h_out', logits: 'logits', newK: layers.map((n) => n.newK), newV: layers.map((n) => n.newV) };
}

/** One module's step graph (the alternative to the switch graph below; tests and the benchmark). */
export function buildDraftModuleGraph(file: GgufFile, d: DraftDims, module: number): Uint8Array {
  const g = new GraphBuilder(`draft_module_${module}`);
  const io = moduleInputs(g, d);
  emitModule(g, new WeightSource(file), d, module, io, moduleOutputs(g, d));
  return g.build();
}

/**
 * Where the switch graph keeps its weights. fp32: in the main graph, read by the branches from the
 * outer scope (onnxruntime held a branch's own initializers several times: 255 vs 72 MB resident).
 * 8-bit: in their branch, since MatMulNBits prepacks only the initializers of its own graph (with
 * outer-scope weights an 8-bit step took 8.9 ms instead of 1.7 in fp32; docs/BENCHMARKS.md).
 */
function hoistWeights(d: DraftDims): boolean {
  return (d.weights ?? 'int8') === 'f32';
}

/**
 * All modules in one graph, the module chosen at run time by the input `module` (int64 [1]):
 * nested If nodes, one branch per module. What the server runs: 23-26% less time per draft step
 * than one session per module (scripts/bench-draft-graphs.js, docs/BENCHMARKS.md).
 */
export function buildDraftSwitchGraph(file: GgufFile, d: DraftDims, modules: number): BuiltModel {
  const g = new GraphBuilder('draft_modules');
  const w = new WeightSource(file);
  const io = moduleInputs(g, d);
  const which = g.input('module', DT.INT64, [1]);
  const outs = moduleOutputs(g, d);
  const all = [outs.h, outs.logits, ...outs.newK.flatMap((k, l) => [k, outs.newV[l] as string])];
  const types = [[1, 'S', d.width], ['S', d.vocab], ...outs.newK.flatMap(() => [[1, 'S', d.kvHeads * (d.width / d.heads)], [1, 'S', d.kvHeads * (d.width / d.heads)]])];
  // branch(m) computes module m; branch over m..M-1 nests the rest in its else side.
  const branch = (parent: GraphBuilder, m: number): GraphBuilder => {
    const sub = parent.subgraph(`module_${m}`, { hoist: hoistWeights(d) });
    const names = all.map((n) => `m${m}_${n}`);
    const o: ModuleOuts = { h: names[0] as string, logits: names[1] as string, newK: outs.newK.map((_, l) => names[2 + 2 * l] as string), newV: outs.newK.map((_, l) => names[3 + 2 * l] as string) };
    emitModule(sub, w, d, m, io, o);
    names.forEach((n, i) => sub.output(n, DT.FLOAT, types[i] as (string | number)[]));
    return sub;
  };
  const chain = (parent: GraphBuilder, m: number, outNames: string[]): void => {
    if (m === modules - 1) {
      // The last module needs no If: it writes the outputs of the graph (or branch) it is in.
      emitModule(parent, w, d, m, io, { h: outNames[0] as string, logits: outNames[1] as string, newK: outs.newK.map((_, l) => outNames[2 + 2 * l] as string), newV: outs.newK.map((_, l) => outNames[3 + 2 * l] as string) });
      return;
    }
    const rest = parent.subgraph(`rest_${m}`, { hoist: hoistWeights(d) });
    const restNames = all.map((n) => `r${m}_${n}`);
    chain(rest, m + 1, restNames);
    restNames.forEach((n, i) => rest.output(n, DT.FLOAT, types[i] as (string | number)[]));
    const cond = parent.op('Equal', [which, parent.i64([m])]);
    parent.node('If', [parent.op('Squeeze', [cond, parent.i64([0])])], { then_branch: { graph: branch(parent, m).graph() }, else_branch: { graph: rest.graph() } }, { outs: outNames });
  };
  chain(g, 0, all);
  return g.model();
}

/** A hash of the draft graph builders' sources (and the target's shared blocks), for the on-disk graph cache. */
export function draftBuilderHash(): string {
  return DRAFT_BUILDER_HASH;
}
