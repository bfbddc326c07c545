// A trained draft head loaded for inference: its fc and module graphs in onnxruntime, the shared
// draft KV cache, and the target's embedding rows (read from the target GGUF on demand, never
// stored in the head). The drafting policy on top of it (prefill of accepted tokens, trees) is
// specified in docs/prism-drafter.md.
import * as fs from 'node:fs';
import './ort-private';
import * as ort from 'onnxruntime-node';
import { buildDraftFcGraph, buildDraftSwitchGraph, type DraftDims, draftBuilderHash } from '../../kernels/draft-graph';
import { byteSize, GgufError, type GgufFile, type GgufTensorInfo, readGguf } from '../../kernels/gguf';
import { kvInputNames } from '../../kernels/llama-graph';
import type { ModelConfig } from '../../kernels/model-config';
import type { BuiltModel } from '../../kernels/onnx';
import { dequantize } from '../../kernels/quant';
import { type DraftHeadFile, readDraftHead } from './draft-head';
import { cachedGraph, defaultCacheDir, fileHash, openCachedGraph } from './graph-cache';
import { KvCache } from './kv-cache';

export interface ModuleResult {
  h: Float32Array;
  logits: Float32Array;
  newK: Float32Array[];
  newV: Float32Array[];
}

export class PrismHead {
  private constructor(
    readonly head: DraftHeadFile,
    readonly dims: DraftDims,
    private readonly fc: ort.InferenceSession,
    /** All modules in one graph, the module picked per run (measured faster than one session per module). */
    private readonly step: ort.InferenceSession,
    private readonly embedRows: EmbeddingRows,
  ) {}

  /** threads: 0 = one; weights: the draft graphs' weights (DraftDims.weights, default int8). */
  static async load(headPath: string, target: { modelPath: string; modelHash: string; cfg: ModelConfig }, o: { threads?: number; weights?: 'int8' | 'f32' } = {}): Promise<PrismHead> {
    const threads = o.threads ?? 0;
    const head = readDraftHead(headPath, target);
    const m = head.manifest;
    const targetFile = readGguf(target.modelPath);
    const embd = targetFile.tensors.get('token_embd.weight');
    if (!embd) throw new GgufError(`${target.modelPath}: tensor token_embd.weight is missing`);
    const dims: DraftDims = {
      width: m.width, embedDim: target.cfg.hidden, heads: m.heads, kvHeads: m.kvHeads, ffn: m.ffn,
      layersPerModule: m.layersPerModule, vocab: m.vocab, ropeBase: m.ropeBase, eps: m.eps, hidden: m.hidden,
      maxPositions: Math.min(8192, target.cfg.contextLength), weights: o.weights ?? 'int8',
    };
    // Small graphs: one thread each and no spinning, so they never compete with the target's pool.
    // No CPU arena: an arena keeps its high-water mark for the session's life, and a head's is set
    // by the prompt's prefill (up to 512 rows) while every later run is a few rows. With the
    // server's fixed mmap threshold (common/server-env.ts) a small hybrid trace peaked at 600 MiB
    // instead of 688, draft cost unchanged (docs/BENCHMARKS.md "Where the server's memory went").
    const opts: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads || 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'], enableCpuMemArena: false,
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };
    // The graphs are built once and cached on disk like the target's: building them in JS leaves
    // ~150 MB of garbage in the heap, and a session read from a file holds less than one made from
    // bytes (PRISM head: 356 MB resident built each time, docs/BENCHMARKS.md "Memory").
    const cacheDir = defaultCacheDir();
    const id = `draft-${fileHash(headPath, cacheDir).slice(0, 16)}`;
    const generation = `-${draftBuilderHash()}-`;
    const stale = { prefix: `${id}-`, generation };
    const open = (kind: string, build: () => BuiltModel): Promise<ort.InferenceSession> => openCachedGraph(() => {
      let built = false;
      const path = cachedGraph(cacheDir, `${id}${generation}${kind}-p${dims.maxPositions}-${dims.weights}`, build, () => { built = true; }, stale);
      return { path, built };
    }, (file) => ort.InferenceSession.create(file, opts));
    const fc = await open('fc', () => buildDraftFcGraph(head.file, dims));
    const step = await open('step', () => buildDraftSwitchGraph(head.file, dims, m.modules));
    return new PrismHead(head, dims, fc, step, new EmbeddingRows(targetFile, embd, target.cfg.hidden));
  }

  /** 0-based module run at draft step k (1-based). */
  moduleOf(k: number): number {
    const s = this.head.manifest.sigma;
    return (s[Math.min(k, s.length) - 1] as number) - 1;
  }

  newCache(): KvCache {
    return new KvCache(this.dims.layersPerModule, this.dims.kvHeads * (this.dims.width / this.dims.heads));
  }

  /** The target's embedding rows for ids, [n, E]. */
  embed(ids: readonly number[]): Float32Array {
    return this.embedRows.rows(ids);
  }

  /** fc: target taps [n, 3H] -> draft features [n, d]. */
  async features(taps: Float32Array, n: number): Promise<Float32Array> {
    const r = await this.fc.run({ taps: new ort.Tensor('float32', taps, [n, 3 * this.dims.hidden]) });
    return (r.features as ort.Tensor).data as Float32Array;
  }

  /** Runs module m over S new positions after the cache (mask [S, P+S]); does not change the cache. */
  async run(m: number, cache: KvCache, emb: Float32Array, hIn: Float32Array, positions: readonly number[], mask: Float32Array): Promise<ModuleResult> {
    const S = positions.length;
    const P = cache.length;
    const feeds: Record<string, ort.Tensor> = {
      emb: new ort.Tensor('float32', emb, [1, S, this.dims.embedDim]),
      h_in: new ort.Tensor('float32', hIn, [1, S, this.dims.width]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [1, S]),
      attn_mask: new ort.Tensor('float32', mask, [S, P + S]),
    };
    for (let l = 0; l < this.dims.layersPerModule; l++) {
      const n = kvInputNames(l);
      const past = cache.past(l);
      feeds[n.pastK] = new ort.Tensor('float32', past.k, [1, P, cache.width]);
      feeds[n.pastV] = new ort.Tensor('float32', past.v, [1, P, cache.width]);
    }
    if (!(m >= 0 && m < this.head.manifest.modules)) throw new RangeError(`module ${m} does not exist`);
    feeds.module = new ort.Tensor('int64', BigInt64Array.of(BigInt(m)), [1]);
    const out = await this.step.run(feeds);
    const f = (k: string): Float32Array => (out[k] as ort.Tensor).data as Float32Array;
    const layers = Array.from({ length: this.dims.layersPerModule }, (_, l) => kvInputNames(l));
    return { h: f('h_out'), logits: f('logits'), newK: layers.map((n) => f(n.newK)), newV: layers.map((n) => f(n.newV)) };
  }

  async dispose(): Promise<void> {
    this.embedRows.close();
    await this.fc.release();
    await this.step.release();
  }
}

/**
 * The target's token embedding rows, read from its GGUF as they are needed (a draft embeds a few
 * tokens per run, a prefill its new positions): holding the whole table (30 MB for SmolLM2-135M's
 * Q8_0 table) cost resident memory in every server that drafts with a head.
 */
export class EmbeddingRows {
  private fd: number | undefined;
  private readonly rowBytes: number;
  private readonly buf: Buffer;

  constructor(private readonly file: GgufFile, private readonly info: GgufTensorInfo, private readonly width: number) {
    this.rowBytes = byteSize(info.type, width);
    if (this.rowBytes <= 0) throw new GgufError(`${file.path}: tensor ${info.name} has unsupported type ${info.type} for a draft head's embeddings`);
    this.buf = Buffer.alloc(this.rowBytes);
    this.fd = fs.openSync(file.path, 'r');
  }

  /** Rows for ids, dequantized, [n, width]. */
  rows(ids: readonly number[]): Float32Array {
    if (this.fd === undefined) throw new Error('the draft head was disposed');
    const vocab = this.info.byteLength / this.rowBytes;
    const out = new Float32Array(ids.length * this.width);
    ids.forEach((id, i) => {
      if (!(Number.isInteger(id) && id >= 0 && id < vocab)) throw new RangeError(`token id ${id} is outside the embedding table (${vocab} rows)`);
      const n = fs.readSync(this.fd as number, this.buf, 0, this.rowBytes, this.info.offset + id * this.rowBytes);
      if (n !== this.rowBytes) throw new GgufError(`${this.file.path}: truncated GGUF while reading ${this.info.name}; re-download the model file`);
      out.set(dequantize(this.info.type, this.buf, this.width), i * this.width);
    });
    return out;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
