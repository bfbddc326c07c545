// The hyper-parameters of a Llama-family model, read from GGUF metadata, with the checks that
// turn an unsupported file into one clear line.
import { type GgufFile, GgufError, ggmlTypeName, metaNumber, metaString, SUPPORTED_TYPES, supportedTypeNames } from './gguf';

export type RopeMode = 'interleaved' | 'neox';

export interface ModelConfig {
  arch: string;
  nLayers: number;
  hidden: number;
  ffn: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  ropeBase: number;
  ropeMode: RopeMode;
  /** Per-frequency divisors (Llama 3.1 `rope_freqs.weight`), if the model has them. */
  ropeFreqFactors?: Float32Array;
  ropeLinearScale: number;
  eps: number;
  contextLength: number;
  vocabSize: number;
  /** Attention q/k/v projections carry biases (qwen2). */
  qkvBias: boolean;
  tiedEmbeddings: boolean;
  /** Layers whose input hidden states are tapped for the draft head: 2, L/2, L-3. */
  tapLayers: [number, number, number];
}

/** Architectures whose GGUF tensors map onto our Llama block; rope layout per llama.cpp. */
const ARCHS: Record<string, { ropeMode: RopeMode; qkvBias: boolean }> = {
  llama: { ropeMode: 'interleaved', qkvBias: false },
  qwen2: { ropeMode: 'neox', qkvBias: true },
};

export const SUPPORTED_ARCHS = Object.keys(ARCHS);

export function tapLayersFor(nLayers: number): [number, number, number] {
  return [Math.min(2, nLayers - 1), Math.floor(nLayers / 2), Math.max(0, nLayers - 3)];
}

export function readModelConfig(file: GgufFile): ModelConfig {
  const arch = metaString(file, 'general.architecture') ?? 'missing';
  const spec = ARCHS[arch];
  if (!spec) {
    throw new GgufError(`${file.path}: architecture '${arch}' is not supported (supported: ${SUPPORTED_ARCHS.join(', ')}); use a Llama-family GGUF`);
  }
  const num = (key: string, fallback?: number): number => {
    const v = metaNumber(file, `${arch}.${key}`);
    if (v !== undefined) return v;
    if (fallback !== undefined) return fallback;
    throw new GgufError(`${file.path}: metadata ${arch}.${key} is missing; the GGUF is incomplete or corrupt`);
  };
  const nLayers = num('block_count');
  const hidden = num('embedding_length');
  const nHeads = num('attention.head_count');
  const headDim = num('attention.key_length', hidden / nHeads);
  const ropeDim = num('rope.dimension_count', headDim);
  if (ropeDim !== headDim) throw new GgufError(`${file.path}: partial rotary embeddings (${ropeDim} of ${headDim}) are not supported`);
  const tokens = file.metadata.get('tokenizer.ggml.tokens');
  const embd = file.tensors.get('token_embd.weight');
  if (!embd) throw new GgufError(`${file.path}: tensor token_embd.weight is missing; the GGUF is incomplete or corrupt`);
  for (const t of file.tensors.values()) {
    if (!SUPPORTED_TYPES.includes(t.type)) {
      throw new GgufError(`${file.path}: tensor ${t.name} has type ${ggmlTypeName(t.type)}, which is not supported; use a GGUF quantized as ${supportedTypeNames()}`);
    }
  }
  const scalingType = metaString(file, `${arch}.rope.scaling.type`);
  const ropeLinearScale = scalingType === 'linear' ? num('rope.scaling.factor', 1) : 1;
  if (scalingType && scalingType !== 'linear' && scalingType !== 'none') {
    throw new GgufError(`${file.path}: rope scaling '${scalingType}' is not supported`);
  }
  return {
    arch,
    nLayers,
    hidden,
    ffn: num('feed_forward_length'),
    nHeads,
    nKvHeads: num('attention.head_count_kv', nHeads),
    headDim,
    ropeBase: num('rope.freq_base', 10000),
    ropeMode: spec.ropeMode,
    ropeLinearScale,
    eps: num('attention.layer_norm_rms_epsilon', 1e-5),
    contextLength: num('context_length', 2048),
    vocabSize: Array.isArray(tokens) ? tokens.length : (embd.dims[1] as number),
    qkvBias: spec.qkvBias,
    tiedEmbeddings: !file.tensors.has('output.weight'),
    tapLayers: tapLayersFor(nLayers),
  };
}
