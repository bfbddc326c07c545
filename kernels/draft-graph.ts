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
import { attend, kvInputNames, linear, rmsNorm, ropeTables, WeightSource } from './llama-graph';
import type { GgufFile } from './gguf';
import { DT, GraphBuilder } from './onnx';

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
}

const F32 = { weights: 'f32' as const, accuracyLevel: 0, head: 'f32' as const, maxPositions: 0 };

export function buildDraftFcGraph(file: GgufFile, d: DraftDims): Uint8Array {
  const g = new GraphBuilder('draft_fc');
  const w = new WeightSource(file);
  const taps = g.input('taps', DT.FLOAT, ['S', 3 * d.hidden]);
  g.op('Identity', [linear(g, w, taps, ['fc.weight'], F32, new Map())[0] as string], {}, { out: 'features' });
  g.output('features', DT.FLOAT, ['S', d.width]);
  return g.build();
}

export function buildDraftModuleGraph(file: GgufFile, d: DraftDims, module: number): Uint8Array {
  const g = new GraphBuilder(`draft_module_${module}`);
  const w = new WeightSource(file);
  const hd = d.width / d.heads;
  const kvw = d.kvHeads * hd;
  const p = `mods.${module}.`;
  const norm = (x: string, name: string, dim: number): string => rmsNorm(g, x, g.f32(name, [dim], w.f32(name)), d.eps);
  const lin = (x: string, name: string): string => linear(g, w, x, [name], F32, new Map())[0] as string;

  const emb = g.input('emb', DT.FLOAT, [1, 'S', d.embedDim]);
  const hIn = g.input('h_in', DT.FLOAT, [1, 'S', d.width]);
  const pos = g.input('position_ids', DT.INT64, [1, 'S']);
  const mask = g.input('attn_mask', DT.FLOAT, ['S', 'T']);
  const maskB = g.op('Unsqueeze', [mask, g.i64([0, 1])]);
  const { cos, sin } = ropeTables({ headDim: hd, ropeBase: d.ropeBase, ropeLinearScale: 1 }, d.maxPositions);
  const cosCache = g.f32('rope_cos', [d.maxPositions, hd / 2], cos);
  const sinCache = g.f32('rope_sin', [d.maxPositions, hd / 2], sin);

  let h = lin(g.op('Concat', [norm(emb, `${p}norm_e.weight`, d.embedDim), norm(hIn, `${p}norm_h.weight`, d.width)], { axis: -1 }), `${p}fuse.weight`);
  for (let l = 0; l < d.layersPerModule; l++) {
    const q = `${p}layers.${l}.`;
    const names = kvInputNames(l);
    const pastK = g.input(names.pastK, DT.FLOAT, [1, 'P', kvw]);
    const pastV = g.input(names.pastV, DT.FLOAT, [1, 'P', kvw]);
    const x = norm(h, `${q}attn_norm.weight`, d.width);
    const rot = (t: string, heads: number, out?: string): string =>
      g.op('RotaryEmbedding', [t, pos, cosCache, sinCache], { interleaved: 0, num_heads: heads }, { domain: 'com.microsoft', out });
    const qs = rot(lin(x, `${q}q.weight`), d.heads);
    rot(lin(x, `${q}k.weight`), d.kvHeads, names.newK);
    g.op('Identity', [lin(x, `${q}v.weight`)], {}, { out: names.newV });
    g.output(names.newK, DT.FLOAT, [1, 'S', kvw]);
    g.output(names.newV, DT.FLOAT, [1, 'S', kvw]);
    h = g.op('Add', [h, lin(attend(g, qs, names.newK, names.newV, pastK, pastV, maskB, { heads: d.heads, kvHeads: d.kvHeads, headDim: hd }), `${q}o.weight`)]);
    const x2 = norm(h, `${q}ffn_norm.weight`, d.width);
    const gate = lin(x2, `${q}gate.weight`);
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), lin(x2, `${q}up.weight`)]);
    h = g.op('Add', [h, lin(act, `${q}down.weight`)]);
  }
  g.op('Identity', [h], {}, { out: 'h_out' });
  g.output('h_out', DT.FLOAT, [1, 'S', d.width]);
  const normed = g.op('Reshape', [norm(h, 'norm.weight', d.width), g.i64([-1, d.width])]);
  g.op('Identity', [lin(normed, 'head.weight')], {}, { out: 'logits' });
  g.output('logits', DT.FLOAT, ['S', d.vocab]);
  return g.build();
}
