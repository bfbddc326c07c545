// The target step graph for Llama-family models: one graph serves prefill, plain decoding and
// tree verification, because positions and the additive mask over [past + new] are inputs.
//
// Inputs:  input_ids [1,S] int64, position_ids [1,S] int64, attn_mask [S, P+S] float (0 or -1e9),
//          logits_index [R] int64 (rows of S whose logits are wanted),
//          past_k_i / past_v_i [1,P,Hkv*D] float (token-major, so the first P rows of a
//          preallocated cache are a contiguous view).
//          inv_temperature [1] float (1/T for the sampling outputs; 0 skips them).
// Outputs: logits [R,V], argmax [R] int64, new_k_i / new_v_i [1,S,Hkv*D] (only the new entries),
//          taps [S,3H] (hidden states entering layers 2, L/2, L-3), hidden [S,H] (final normed),
//          top_logits / top_ids [R,TOPK] (sorted, descending) and lse [R] = logsumexp(logits/T):
//          what sampling acceptance needs without shipping full-vocabulary rows.
import { TARGET_BUILDER_HASH } from './builder-hash';
import { GGML_TYPE, type GgufFile, GgufError, type GgufTensorInfo, readTensorBytes } from './gguf';
import { type BuiltModel, DT, GraphBuilder } from './onnx';
import { type ModelConfig } from './model-config';
import { dequantize, halfToFloat, isNBitsType, toNBits } from './quant';

/** Bump when the graph's interface changes; cached graphs are keyed on it and on builderHash(). */
export const GRAPH_BUILDER_VERSION = 7;

export type WeightMode = 'nbits' | 'f32';

export interface TargetGraphOptions {
  /** 'nbits': 4-bit weights stay 4-bit (MatMulNBits); 'f32': every weight dequantized. */
  weights: WeightMode;
  /** MatMulNBits accuracy_level of the layers: 0 = fp32 activations, 4 = int8 activations (lossy). */
  accuracyLevel: number;
  /**
   * The output head (LM head): 'f32' = dequantized fp32 Gemm; 'int8' = 8-bit MatMulNBits with
   * int8 activations (ORT's 8-bit kernel is only fast at accuracy_level 4).
   */
  head: 'f32' | 'int8';
  /** Positions covered by the rotary cos/sin tables. */
  maxPositions: number;
  /**
   * 'fast': softmax attention; a verified chain row equals the decoded row, a tree row does not.
   * 'tree-exact': the softmax's sums as matmuls over the keys in order, so a tree row whose keys
   * sit in the same SGEMM key panels as when decoded alone equals it bit for bit (see attend);
   * 1-7% slower per run (docs/BENCHMARKS.md, numerics). Only the target graph reads it.
   */
  attention?: 'fast' | 'tree-exact';
}

/** Width of the in-graph top-k handed to sampling acceptance. */
export const SAMPLING_TOPK = 64;

/**
 * The default numerics, chosen by bench-numerics' rule (the fastest whose quality loss against the
 * fp32 reference is no larger than llama.cpp's own): int8 activations with the 8-bit LM head.
 * Measured 2026-12-02 on an AVX-512 EPYC: top-1 agreement 98.37% / 97.84% (dev / infill) vs
 * llama.cpp's 98.10% / 97.97%, perplexity +0.52% / +0.47% vs +0.53% / +0.54%, step 15.8 ms vs
 * fp32's 28.5 ms and llama.cpp's 20.8 ms (docs/BENCHMARKS.md, numerics). fp32 stays an option.
 */
export const DEFAULT_GRAPH_OPTIONS: TargetGraphOptions = { weights: 'nbits', accuracyLevel: 4, head: 'int8', maxPositions: 8192 };
/** fp32 activations and the exact fp32 LM head: the reference's arithmetic (within ~3e-4 of transformers). */
export const FP32_GRAPH_OPTIONS: Pick<TargetGraphOptions, 'accuracyLevel' | 'head'> = { accuracyLevel: 0, head: 'f32' };

export function kvInputNames(layer: number): { pastK: string; pastV: string; newK: string; newV: string } {
  return { pastK: `past_k_${layer}`, pastV: `past_v_${layer}`, newK: `new_k_${layer}`, newV: `new_v_${layer}` };
}

/** Rotary tables [maxPositions, D/2], with Llama 3.1 frequency factors and linear scaling. */
export function ropeTables(cfg: Pick<ModelConfig, 'headDim' | 'ropeBase' | 'ropeFreqFactors' | 'ropeLinearScale'>, maxPositions: number): { cos: Float32Array; sin: Float32Array } {
  const half = cfg.headDim / 2;
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    invFreq[i] = 1 / (cfg.ropeBase ** ((2 * i) / cfg.headDim) * (cfg.ropeFreqFactors?.[i] ?? 1) * cfg.ropeLinearScale);
  }
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const a = p * (invFreq[i] as number);
      cos[p * half + i] = Math.cos(a);
      sin[p * half + i] = Math.sin(a);
    }
  }
  return { cos, sin };
}

export class WeightSource {
  constructor(readonly file: GgufFile) {}

  info(name: string): GgufTensorInfo {
    const t = this.file.tensors.get(name);
    if (!t) throw new GgufError(`${this.file.path}: tensor ${name} is missing; the GGUF is incomplete or not a supported Llama-family model`);
    return t;
  }

  has(name: string): boolean {
    return this.file.tensors.has(name);
  }

  f32(name: string): Float32Array {
    const t = this.info(name);
    return dequantize(t.type, readTensorBytes(this.file, t), t.elements);
  }
}

/**
 * y = x @ W^T for GGUF weights W stored as [N rows x K] (ggml dims [K, N]). Several weights of
 * the same type and K (q/k/v, gate/up) run as one fused MatMul whose output is split again.
 * 4-bit blocks become MatMulNBits (plus the exact per-block offset term for Q4_1/Q4_K);
 * a Q8_0 head can become 8-bit MatMulNBits; other types a dequantized fp32 MatMul.
 */
/** The one 2-D input of linear(): the LM head's gathered rows [R,H]; all others are [1,S,K]. */
const rowsInput = 'head_rows';

export function linear(g: GraphBuilder, w: WeightSource, x: string, names: string[], opts: TargetGraphOptions, blockSums: Map<string, string>): string[] {
  const infos = names.map((n) => w.info(n));
  const first = infos[0] as GgufTensorInfo;
  const k = first.dims[0] as number;
  const ns = infos.map((t) => t.dims[1] as number);
  if (infos.some((t) => t.type !== first.type || t.dims[0] !== k)) {
    return names.flatMap((n) => linear(g, w, x, [n], opts, blockSums));
  }
  const n = ns.reduce((a, b) => a + b, 0);
  const blocks = k / 32;
  const key = names.join('+');
  let y: string;
  if (opts.weights === 'nbits' && k % 32 === 0 && isNBitsType(first.type)) {
    const parts = infos.map((t, i) => toNBits(t.type, readTensorBytes(w.file, t), ns[i] as number, k));
    const B = g.initializer(`${key}.q`, DT.UINT8, [n, blocks, 16], concatBytes(parts.map((p) => p.packed)));
    const S = g.f32(`${key}.scales`, [n * blocks], concatF32(parts.map((p) => p.scales)));
    const Z = g.initializer(`${key}.zp`, DT.UINT8, [n, Math.ceil(blocks / 2)], packZeroPoints(concatBytes(parts.map((p) => p.zeroPoints)), n, blocks));
    y = g.op('MatMulNBits', [x, B, S, Z], { K: k, N: n, bits: 4, block_size: 32, accuracy_level: opts.accuracyLevel }, { domain: 'com.microsoft' });
    if (parts[0]?.mins) {
      // sum_b min[n,b] * sum_{i in block b} x_i, as one small fp32 MatMul over block sums.
      let sums = blockSums.get(x);
      if (!sums) {
        // Keep x's leading dims: [1,S,K] -> [1,S,blocks], [R,K] -> [R,blocks].
        const lead = x === rowsInput ? [-1] : [1, -1];
        sums = g.op('ReduceSum', [g.op('Reshape', [x, g.i64([...lead, blocks, 32])]), g.i64([-1])], { keepdims: 0 });
        blockSums.set(x, sums);
      }
      const mins = concatF32(parts.map((p) => p.mins as Float32Array));
      y = g.op('Add', [y, g.op('MatMul', [sums, g.f32(`${key}.mins`, [blocks, n], transpose(mins, n, blocks))])]);
    }
  } else if (opts.weights === 'nbits' && k % 32 === 0 && first.type === GGML_TYPE.Q8_0 && opts.head === 'int8') {
    const { packed, scales } = q8ToNBits(concatBytes(infos.map((t) => readTensorBytes(w.file, t))), n, k);
    y = matMul8(g, x, { q: `${key}.q`, scales: `${key}.scales`, zp: `${key}.zp` }, n, k, packed, scales);
  } else {
    const rows = concatF32(infos.map((t) => dequantize(t.type, readTensorBytes(w.file, t), t.elements)));
    y = g.op('MatMul', [x, g.f32(`${key}.t`, [k, n], transpose(rows, n, k))]);
  }
  return names.length === 1 ? [y] : g.node('Split', [y, g.i64(ns)], { axis: -1 }, { outs: names.length });
}

/** 4-bit zero points [n, blocks] packed as MatMulNBits wants them: two per byte, low nibble first, rows padded to a byte. */
function packZeroPoints(zp: Uint8Array, n: number, blocks: number): Uint8Array {
  const per = Math.ceil(blocks / 2);
  const out = new Uint8Array(n * per);
  for (let r = 0; r < n; r++) {
    for (let b = 0; b < blocks; b++) out[r * per + (b >> 1)] = (out[r * per + (b >> 1)] as number) | ((zp[r * blocks + b] as number) << ((b & 1) * 4));
  }
  return out;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c] as number;
  return t;
}

function concat<T extends Float32Array | Uint8Array>(parts: T[], make: (n: number) => T): T {
  if (parts.length === 1) return parts[0] as T;
  const out = make(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

const concatF32 = (parts: Float32Array[]): Float32Array => concat(parts, (n) => new Float32Array(n));
const concatBytes = (parts: Uint8Array[]): Uint8Array => concat(parts, (n) => new Uint8Array(n));

/**
 * y = x @ W^T for 8-bit blocks of 32 (u = q + 128, one scale per block, zero point 128) as
 * MatMulNBits on int8 activations (ORT's 8-bit kernel is only fast at accuracy_level 4): the
 * target's 8-bit LM head and the draft heads' weights.
 */
export function matMul8(g: GraphBuilder, x: string, names: { q: string; scales: string; zp: string }, n: number, k: number, packed: Uint8Array, scales: Float32Array): string {
  const blocks = k / 32;
  const B = g.initializer(names.q, DT.UINT8, [n, blocks, 32], packed);
  const S = g.f32(names.scales, [n * blocks], scales);
  const Z = g.initializer(names.zp, DT.UINT8, [n, blocks], new Uint8Array(n * blocks).fill(128));
  return g.op('MatMulNBits', [x, B, S, Z], { K: k, N: n, bits: 8, block_size: 32, accuracy_level: 4 }, { domain: 'com.microsoft' });
}

/** Q8_0 (w = d*q, q int8) as 8-bit MatMulNBits: u = q + 128, zero point 128. */
function q8ToNBits(src: Uint8Array, n: number, k: number): { packed: Uint8Array; scales: Float32Array } {
  const blocks = (n * k) / 32;
  const packed = new Uint8Array(blocks * 32);
  const scales = new Float32Array(blocks);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let b = 0; b < blocks; b++) {
    const o = b * 34;
    scales[b] = halfToFloat(dv.getUint16(o, true));
    for (let j = 0; j < 32; j++) packed[b * 32 + j] = (dv.getInt8(o + 2 + j) + 128) & 0xff;
  }
  return { packed, scales };
}

/** Q8_0 blocks (w = d*q) split into the int8 values [n] and one fp32 scale per 32 of them. */
export function splitQ8(src: Uint8Array, n: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(n);
  const scales = new Float32Array(n / 32);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let b = 0; b < n / 32; b++) {
    scales[b] = halfToFloat(dv.getUint16(b * 34, true));
    q.set(new Int8Array(src.buffer, src.byteOffset + b * 34 + 2, 32), b * 32);
  }
  return { q, scales };
}

/**
 * The key panel of MLAS's SGEMM for a product with N output columns: it packs B in panels of
 * StrideK rows (128 x 128 halved in N and doubled in K while N fits in half the panel), sums each
 * panel from zero and adds the panels' results in order.
 */
export function sgemmKeyPanel(n: number): number {
  let strideN = 128;
  let strideK = 128;
  while (strideN > 16 && strideN / 2 >= n) {
    strideN /= 2;
    strideK *= 2;
  }
  return strideK;
}

/**
 * Key panel of the 'tree-exact' attention for this head width: a tree row equals the row decoded
 * alone when each of its keys lies in the same panel (column div panel) in both runs.
 */
export function treeKeyPanel(headDim: number): number {
  return Math.min(sgemmKeyPanel(headDim), sgemmKeyPanel(EXACT_SUM_COLUMNS));
}

/** Width of the ones matrix whose product with the probabilities gives the softmax sums. */
const EXACT_SUM_COLUMNS = 16;

/**
 * Attention of new queries over [past + new] keys, with an additive mask [1,1,S,T] (T = P+S).
 * q [1,S,heads*D] (rotated), k/v new [1,S,kvHeads*D], past [1,P,kvHeads*D]; query head h reads
 * kv head floor(h / (heads/kvHeads)). Returns [1,S,heads*D]. Target and draft graphs share it.
 *
 * exactTrees: the softmax is spelled out as e = exp(s - max), ctx = (e V) / (e 1). ORT's Softmax
 * sums e in vector lanes chosen by key column, so a tree row (its ancestors at scattered columns,
 * masked keys between them) sums in another order than the row decoded alone. Here both sums are
 * SGEMMs whose inner loop runs over the keys in order; a masked key adds an exact 0, so the row
 * is bit-identical to the decoded row as long as no key changes SGEMM panel (treeKeyPanel).
 */
export function attend(g: GraphBuilder, q: string, kNew: string, vNew: string, pastK: string, pastV: string, maskB: string, d: { heads: number; kvHeads: number; headDim: number }, exactTrees = false): string {
  const { heads, kvHeads, headDim: D } = d;
  const G = heads / kvHeads;
  const kAll = g.op('Concat', [pastK, kNew], { axis: 1 }); // [1,T,Hkv*D]
  const vAll = g.op('Concat', [pastV, vNew], { axis: 1 });
  const shKV = g.i64([-1, kvHeads, 1, D]);
  // Queries grouped under their kv head, [Hkv,G,S,D].
  const qh = g.op('Transpose', [g.op('Reshape', [g.op('Mul', [q, g.scalar(1 / Math.sqrt(D))]), g.i64([-1, kvHeads, G, D])])], { perm: [1, 2, 0, 3] });
  const kt = g.op('Transpose', [g.op('Reshape', [kAll, shKV])], { perm: [1, 2, 3, 0] }); // [Hkv,1,D,T]
  const vh = g.op('Transpose', [g.op('Reshape', [vAll, shKV])], { perm: [1, 2, 0, 3] }); // [Hkv,1,T,D]
  const scores = g.op('Add', [g.op('MatMul', [qh, kt]), maskB]); // [Hkv,G,S,T]
  let ctx: string; // [Hkv,G,S,D]
  if (exactTrees) {
    const e = g.op('Exp', [g.op('Sub', [scores, g.op('ReduceMax', [scores, g.i64([-1])], { keepdims: 1 })])]);
    const ones = g.op('Expand', [g.scalar(1), g.op('Concat', [g.op('Shape', [kAll], { start: 1, end: 2 }), g.i64([EXACT_SUM_COLUMNS])], { axis: 0 })]); // [T,16]
    const sum = g.op('Slice', [g.op('MatMul', [e, ones]), g.i64([0]), g.i64([1]), g.i64([-1])]); // [Hkv,G,S,1]
    ctx = g.op('Div', [g.op('MatMul', [e, vh]), sum]);
  } else {
    ctx = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), vh]);
  }
  return g.op('Reshape', [g.op('Transpose', [ctx], { perm: [2, 0, 1, 3] }), g.i64([1, -1, heads * D])]);
}

export function rmsNorm(g: GraphBuilder, x: string, weight: string, eps: number): string {
  return g.op('SimplifiedLayerNormalization', [x, weight], { axis: -1, epsilon: { float: eps }, stash_type: 1 });
}

export function buildTargetGraph(file: GgufFile, cfg: ModelConfig, opts: TargetGraphOptions = DEFAULT_GRAPH_OPTIONS): BuiltModel {
  const g = new GraphBuilder(`target_${cfg.arch}`);
  const w = new WeightSource(file);
  const { hidden: H, nHeads: Hq, nKvHeads: Hkv, headDim: D, nLayers: L } = cfg;
  const kvWidth = Hkv * D;

  const ids = g.input('input_ids', DT.INT64, [1, 'S']);
  const pos = g.input('position_ids', DT.INT64, [1, 'S']);
  const mask = g.input('attn_mask', DT.FLOAT, ['S', 'T']);
  const logitsIndex = g.input('logits_index', DT.INT64, ['R']);
  const invTemp = g.input('inv_temperature', DT.FLOAT, [1]);

  const { cos, sin } = ropeTables(cfg, opts.maxPositions);
  const cosCache = g.f32('rope_cos', [opts.maxPositions, D / 2], cos);
  const sinCache = g.f32('rope_sin', [opts.maxPositions, D / 2], sin);
  const interleaved = cfg.ropeMode === 'interleaved' ? 1 : 0;

  // The lookup reads 8-bit rows where the GGUF stores Q8_0 (int8 * scale is exact in fp32, so x is
  // bit for bit the dequantized row): the fp32 table then serves the LM head alone, whose Gemm
  // prepacks it, and onnxruntime frees the original (113 MB less resident for SmolLM2).
  const embInfo = w.info('token_embd.weight');
  let embTable: string | undefined;
  const fp32Table = (): string => (embTable ??= g.f32('token_embd', [cfg.vocabSize, H], w.f32('token_embd.weight')));
  let x: string;
  if (embInfo.type === GGML_TYPE.Q8_0 && H % 32 === 0) {
    const { q, scales } = splitQ8(readTensorBytes(w.file, embInfo), cfg.vocabSize * H);
    const qRows = g.op('Gather', [g.initializer('token_embd.q8', DT.INT8, [cfg.vocabSize, H], q), ids], { axis: 0 }); // [1,S,H]
    const sRows = g.op('Gather', [g.f32('token_embd.scales', [cfg.vocabSize, H / 32, 1], scales), ids], { axis: 0 }); // [1,S,H/32,1]
    const blocks = g.op('Reshape', [g.op('Cast', [qRows], { to: DT.FLOAT }), g.i64([1, -1, H / 32, 32])]);
    x = g.op('Reshape', [g.op('Mul', [blocks, sRows]), g.i64([1, -1, H])]);
  } else {
    x = g.op('Gather', [fp32Table(), ids], { axis: 0 }); // [1,S,H]
  }

  const maskB = g.op('Unsqueeze', [mask, g.i64([0, 1])]); // [1,1,S,T]

  const blockSums = new Map<string, string>();
  const layerInputs: string[] = [];
  for (let i = 0; i < L; i++) {
    layerInputs.push(x);
    const p = `blk.${i}.`;
    const { pastK, pastV, newK, newV } = kvInputNames(i);
    const past_k = g.input(pastK, DT.FLOAT, [1, 'P', kvWidth]);
    const past_v = g.input(pastV, DT.FLOAT, [1, 'P', kvWidth]);

    const h = rmsNorm(g, x, g.f32(`${p}attn_norm`, [H], w.f32(`${p}attn_norm.weight`)), cfg.eps);
    let [q, k, v] = linear(g, w, h, [`${p}attn_q.weight`, `${p}attn_k.weight`, `${p}attn_v.weight`], opts, blockSums) as [string, string, string];
    if (cfg.qkvBias) {
      q = g.op('Add', [q, g.f32(`${p}attn_q.bias`, [Hq * D], w.f32(`${p}attn_q.bias`))]);
      k = g.op('Add', [k, g.f32(`${p}attn_k.bias`, [kvWidth], w.f32(`${p}attn_k.bias`))]);
      v = g.op('Add', [v, g.f32(`${p}attn_v.bias`, [kvWidth], w.f32(`${p}attn_v.bias`))]);
    }
    q = g.op('RotaryEmbedding', [q, pos, cosCache, sinCache], { interleaved, num_heads: Hq }, { domain: 'com.microsoft' });
    k = g.op('RotaryEmbedding', [k, pos, cosCache, sinCache], { interleaved, num_heads: Hkv }, { domain: 'com.microsoft', out: newK });
    g.op('Identity', [v], {}, { out: newV });
    g.output(newK, DT.FLOAT, [1, 'S', kvWidth]);
    g.output(newV, DT.FLOAT, [1, 'S', kvWidth]);

    const merged = attend(g, q, newK, newV, past_k, past_v, maskB, { heads: Hq, kvHeads: Hkv, headDim: D }, opts.attention === 'tree-exact');
    x = g.op('Add', [x, linear(g, w, merged, [`${p}attn_output.weight`], opts, blockSums)[0] as string]);

    const h2 = rmsNorm(g, x, g.f32(`${p}ffn_norm`, [H], w.f32(`${p}ffn_norm.weight`)), cfg.eps);
    const [gate, up] = linear(g, w, h2, [`${p}ffn_gate.weight`, `${p}ffn_up.weight`], opts, blockSums) as [string, string];
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    x = g.op('Add', [x, linear(g, w, act, [`${p}ffn_down.weight`], opts, blockSums)[0] as string]);
  }

  const normed = rmsNorm(g, x, g.f32('output_norm', [H], w.f32('output_norm.weight')), cfg.eps); // [1,S,H]
  const flat = g.i64([-1, H]);
  g.op('Reshape', [normed, flat], {}, { out: 'hidden' });
  g.output('hidden', DT.FLOAT, ['S', H]);
  const taps = cfg.tapLayers.map((l) => layerInputs[l] as string);
  g.op('Reshape', [g.op('Concat', taps, { axis: -1 }), g.i64([-1, 3 * H])], {}, { out: 'taps' });
  g.output('taps', DT.FLOAT, ['S', 3 * H]);

  const rows = g.op('Gather', ['hidden', logitsIndex], { axis: 0 }, { out: rowsInput }); // [R,H]
  const headName = cfg.tiedEmbeddings ? 'token_embd.weight' : 'output.weight';
  const head = w.info(headName);
  let logits: string;
  if (opts.weights === 'nbits' && (isNBitsType(head.type) || (head.type === GGML_TYPE.Q8_0 && opts.head === 'int8'))) {
    logits = linear(g, w, rows, [headName], opts, blockSums)[0] as string;
  } else if (cfg.tiedEmbeddings) {
    logits = g.op('Gemm', [rows, fp32Table()], { transB: 1 });
  } else {
    logits = linear(g, w, rows, [headName], opts, blockSums)[0] as string;
  }
  g.op('Identity', [logits], {}, { out: 'logits' });
  g.output('logits', DT.FLOAT, ['R', cfg.vocabSize]);
  g.op('ArgMax', ['logits'], { axis: -1, keepdims: 0 }, { out: 'argmax' });
  g.output('argmax', DT.INT64, ['R']);
  // Sampling outputs only when inv_temperature > 0: ORT runs every node of a graph, and top-k plus
  // log-sum-exp over the vocabulary cost milliseconds on a verified tree.
  const k = Math.min(SAMPLING_TOPK, cfg.vocabSize);
  const then = g.subgraph('sampling_outputs');
  then.node('TopK', ['logits', then.i64([k])], { axis: -1, largest: 1, sorted: 1 }, { outs: ['then_top_logits', 'then_top_ids'] });
  then.op('ReduceLogSumExp', [then.op('Mul', ['logits', invTemp]), then.i64([-1])], { keepdims: 0 }, { out: 'then_lse' });
  then.output('then_top_logits', DT.FLOAT, ['R', k]);
  then.output('then_top_ids', DT.INT64, ['R', k]);
  then.output('then_lse', DT.FLOAT, ['R']);
  const skip = g.subgraph('no_sampling_outputs');
  const empty = (name: string, type: number, dims: number[]): void => {
    skip.node('Constant', [], { value: { tensor: { name, dataType: type, dims, rawData: new Uint8Array(0) } } }, { outs: [name] });
    skip.output(name, type, dims);
  };
  empty('else_top_logits', DT.FLOAT, [0, k]);
  empty('else_top_ids', DT.INT64, [0, k]);
  empty('else_lse', DT.FLOAT, [0]);
  g.node('If', [g.op('Greater', [invTemp, g.scalar(0)])], { then_branch: { graph: then.graph() }, else_branch: { graph: skip.graph() } },
    { outs: ['top_logits', 'top_ids', 'lse'] });
  g.output('top_logits', DT.FLOAT, ['R', k]);
  g.output('top_ids', DT.INT64, ['R', k]);
  g.output('lse', DT.FLOAT, ['R']);
  return g.model();
}

/** A hash of the builder's sources (scripts/kernel-hash.mjs), so a changed builder never reuses a
 * stale cached graph, and the tsc output and the bundles share one cache key. */
export function builderHash(): string {
  return TARGET_BUILDER_HASH;
}
