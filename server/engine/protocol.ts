// Messages between the engine worker thread and its client on the main thread.
import type { ModelConfig } from '../../kernels/model-config';
import type { CompletionRequest, CompletionResult } from './types';
import type { TargetOptions } from './target';

export type WorkerLoadOptions = Omit<TargetOptions, 'log'>;

export interface ModelInfo {
  modelPath: string;
  modelHash: string;
  device: 'cpu' | 'cuda';
  loadMs: number;
  config: Omit<ModelConfig, 'ropeFreqFactors'>;
  graph: { weights: string; accuracyLevel: number; head: string; maxPositions: number; attention?: string };
  /** Rows of a verified chain equal rows decoded alone (single rows padded). */
  exact: boolean;
  /** Exact and tree rows too (the tree-exact attention on the CPU): draft trees are allowed. */
  treesExact?: boolean;
  fim: boolean;
  /** The FIM control tokens' text, when the model has them. */
  fimTokens?: { prefix: string; suffix: string; middle: string };
}

/** A file for the repository datastore; text null: the file is gone. */
export interface IndexFile { path: string; text: string | null }

export interface IndexStats { files: number; tokens: number; bytes: number; ms: number }

export type ToWorker =
  | { type: 'load'; options: WorkerLoadOptions; cancel: SharedArrayBuffer }
  | { type: 'complete'; id: number; request: CompletionRequest }
  /** replace: these files are the whole datastore; else they update it. */
  | { type: 'index'; id: number; files: IndexFile[]; replace: boolean }
  /** A context that is gone (a closed document): its kept KV cache is freed (Engine.forget). */
  | { type: 'forget'; key: string };

export type FromWorker =
  | { type: 'log'; line: string }
  | { type: 'loaded'; info: ModelInfo }
  | { type: 'loadError'; message: string }
  | { type: 'text'; id: number; delta: string; early?: boolean }
  | { type: 'done'; id: number; result: CompletionResult }
  | { type: 'error'; id: number; message: string }
  | { type: 'indexed'; id: number; stats: IndexStats };
