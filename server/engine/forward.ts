// One target run: what it takes and returns, and the Target interface the engine decodes with.
// TargetModel (target.ts) runs the ONNX graph in onnxruntime; test/engine/fake-target.ts is a
// tiny deterministic model with the same contract, so the decoding loops are testable in
// milliseconds.
import type { ModelConfig } from '../../kernels/model-config';
import type { Tokenizer } from '../../kernels/tokenizer';
import type { KvCache } from './kv-cache';

export interface ForwardRequest {
  ids: readonly number[];
  /** Position of each new token; default: cache.length + i. */
  positions?: readonly number[];
  /** Tree structure of the new tokens (parents[i] < i, -1 = none in the block); default: a chain. */
  parents?: readonly number[];
  /** Rows of the new tokens whose logits/argmax are wanted; default: the last one. */
  rows?: readonly number[];
  logits?: boolean;
  hidden?: boolean;
  taps?: boolean;
  /** Return top_logits/top_ids/lse for sampling at this temperature. */
  sampleTemperature?: number;
}

export interface ForwardResult {
  /** [R, V] when asked for. */
  logits?: Float32Array;
  /** Argmax per requested row. */
  argmax: Int32Array;
  /** New KV rows per layer, [S, Hkv*D]. */
  newK: Float32Array[];
  newV: Float32Array[];
  hidden?: Float32Array;
  /** [S, 3 * hidden]: the hidden-state taps of every new row. */
  taps?: Float32Array;
  /** [R, TOPK] each, and [R]: when sampleTemperature was given. */
  topLogits?: Float32Array;
  topIds?: Int32Array;
  lse?: Float32Array;
}

/** What the engine needs of a target model. */
export interface Target {
  readonly cfg: Pick<ModelConfig, 'vocabSize' | 'hidden'>;
  readonly tokenizer: Tokenizer;
  readonly graphOptions: { readonly maxPositions: number };
  /** Whether one-row runs are padded to two rows (see TargetModel.padsSingleRow). */
  readonly padsSingleRow: boolean;
  /** Key panel within which tree rows are exact (TargetModel.treeKeyPanel); undefined: trees are not exact. */
  readonly treeKeyPanel?: number;
  newCache(): KvCache;
  /** Runs the model over new tokens after the cache's contents. Does not change the cache. */
  forward(cache: KvCache, req: ForwardRequest): Promise<ForwardResult>;
  /** Runs new tokens causally after the cache and appends all of them to it. */
  extend(cache: KvCache, ids: readonly number[], opts?: Omit<ForwardRequest, 'ids' | 'positions' | 'parents'>): Promise<ForwardResult>;
}
