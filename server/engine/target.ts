// The target model in onnxruntime-node: loads (or builds and caches) the step graph for a GGUF,
// and runs it over new tokens against a KvCache. Callers decide what of the result to keep.
import * as fs from 'node:fs';
import * as path from 'node:path';
import './ort-private';
import * as ort from 'onnxruntime-node';
import { GgufError, type GgufFile, readGguf } from '../../kernels/gguf';
import { buildTargetGraph, builderHash, DEFAULT_GRAPH_OPTIONS, GRAPH_BUILDER_VERSION, kvInputNames, type TargetGraphOptions, treeKeyPanel } from '../../kernels/llama-graph';
import { causalMask, treeMask } from './masks';
import { type ModelConfig, readModelConfig } from '../../kernels/model-config';
import { Tokenizer } from '../../kernels/tokenizer';
import { cachedGraph, defaultCacheDir, fileHash, openCachedGraph } from './graph-cache';
import type { ForwardRequest, ForwardResult, Target } from './forward';
import { KvCache } from './kv-cache';

export type { ForwardRequest, ForwardResult } from './forward';

export type Device = 'auto' | 'cpu' | 'cuda';
export type SpinMode = 'run' | 'always' | 'off';
export const SPIN_MODES: readonly SpinMode[] = ['run', 'always', 'off'];

export interface TargetOptions {
  modelPath: string;
  device?: Device;
  threads?: number;
  graph?: Partial<TargetGraphOptions>;
  cacheDir?: string;
  /**
   * How ORT's worker threads wait for work. 'run' (default): they spin between the ops of a run
   * (~20% faster decode steps on 2 cores than parking) and stop when the run ends
   * (`session.force_spinning_stop`), so the draft head, the sampler and the editor's work between
   * runs do not share the cores with a spinning thread (typing trace: 20% less CPU, latency level or
   * better; docs/BENCHMARKS.md). 'always': they also spin on after a run until ORT's spin count
   * runs out (the default before 2026-12-05); 'off': they park between ops (the language
   * server's choice, completer.ts SERVER_SPIN: it shares the cores with the editor). PRISM_ORT_SPIN
   * overrides it for benchmarks.
   */
  spin?: SpinMode;
  /**
   * One function per row (default on): one-row runs are padded to two rows, so every run takes
   * the same multi-row kernels and a row of a verified chain equals the row decoded alone, bit
   * for bit. Off: one-row steps take ORT's faster single-row kernels (fp32: ~1e-4 logit
   * differences from verified rows; int8: up to ~2), so speculation is lossless only up to them.
   */
  exact?: boolean;
  log?: (line: string) => void;
}

/**
 * Bytes handed to and taken from the runtime by graph runs. On CUDA all of them cross between
 * host and device: onnxruntime-node has no IO binding, so the past KV cache is fed from host
 * memory on every run; only the new rows come back (docs/BENCHMARKS.md, "GPU").
 */
export interface RunTraffic { runs: number; bytesIn: number; bytesOut: number; pastBytesIn: number }

export class TargetModel implements Target {
  readonly traffic: RunTraffic = { runs: 0, bytesIn: 0, bytesOut: 0, pastBytesIn: 0 };

  private constructor(
    readonly cfg: ModelConfig,
    readonly tokenizer: Tokenizer,
    readonly modelPath: string,
    readonly modelHash: string,
    readonly device: 'cpu' | 'cuda',
    readonly graphOptions: TargetGraphOptions,
    private readonly session: ort.InferenceSession,
    readonly loadMs: number,
    private readonly exact: boolean,
  ) {}

  /** Reads the GGUF and returns the path of its (cached, built on demand) step graph. */
  static prepare(opts: TargetOptions): { file: GgufFile; cfg: ModelConfig; graphOptions: TargetGraphOptions; hash: string; graphPath: string; built: boolean } {
    const log = opts.log ?? (() => undefined);
    const file = readGguf(opts.modelPath);
    const cfg = readModelConfig(file);
    const graphOptions: TargetGraphOptions = { ...DEFAULT_GRAPH_OPTIONS, ...opts.graph };
    graphOptions.maxPositions = Math.min(graphOptions.maxPositions, cfg.contextLength);
    const cacheDir = opts.cacheDir ?? defaultCacheDir();
    const hash = fileHash(opts.modelPath, cacheDir);
    const generation = `-v${GRAPH_BUILDER_VERSION}-${builderHash()}-`;
    const key = `${hash.slice(0, 16)}${generation}${graphOptions.weights}-a${graphOptions.accuracyLevel}-${graphOptions.head}-p${graphOptions.maxPositions}${graphOptions.attention === 'tree-exact' ? '-tx' : ''}`;
    let built = false;
    const graphPath = cachedGraph(cacheDir, key, () => buildTargetGraph(file, cfg, graphOptions), () => {
      built = true;
      log(`building the ONNX graph for ${opts.modelPath} (${graphOptions.weights} weights); it is cached for next time`);
    }, { prefix: `${hash.slice(0, 16)}-`, generation });
    return { file, cfg, graphOptions, hash, graphPath, built };
  }

  static async load(opts: TargetOptions): Promise<TargetModel> {
    const t0 = performance.now();
    const prepared = TargetModel.prepare(opts);
    const { file, cfg, graphOptions, hash } = prepared;
    const tokenizer = Tokenizer.fromGguf(file);
    const log = opts.log ?? (() => undefined);
    let again = false; // the second ask (after a graph that did not load) prepares it anew
    const { session, device } = await openCachedGraph(() => {
      const p = again ? TargetModel.prepare(opts) : prepared;
      again = true;
      return { path: p.graphPath, built: p.built };
    }, (f) => createSession(f, opts, log), log);
    return new TargetModel(cfg, tokenizer, opts.modelPath, hash, device, graphOptions, session, performance.now() - t0, opts.exact ?? true);
  }

  newCache(): KvCache {
    return new KvCache(this.cfg.nLayers, this.cfg.nKvHeads * this.cfg.headDim);
  }

  /**
   * Whether single-token runs are padded to two rows. ORT's 4-bit matmuls compute every row of a
   * 2+-row block bit-identically whatever the block size, but one-row runs take other kernels
   * (fp32 activations: a fused GEMV, ~1e-4 apart in the logits; int8: up to ~2). Padding makes
   * the target one function for decoding and verification alike (docs/BENCHMARKS.md, numerics).
   */
  get padsSingleRow(): boolean {
    return this.exact;
  }

  /**
   * Where trees are exact: the key panel of the 'tree-exact' attention on the CPU (a tree row
   * equals its decoded row when its keys keep their panels, draft-tree.ts panelSafe), or
   * undefined where trees are not exact (the fast attention, CUDA, or exactness turned off).
   */
  get treeKeyPanel(): number | undefined {
    return this.exact && this.device === 'cpu' && this.graphOptions.attention === 'tree-exact' ? treeKeyPanel(this.cfg.headDim) : undefined;
  }

  /** Runs the graph over new tokens after the cache's contents. Does not change the cache. */
  async forward(cache: KvCache, req: ForwardRequest): Promise<ForwardResult> {
    if (req.ids.length === 1 && this.padsSingleRow) {
      // A second, masked-off copy of the token: row 0 cannot see it; its outputs are ignored.
      const pos = req.positions?.[0] ?? cache.length;
      return this.forward(cache, { ...req, ids: [req.ids[0] as number, req.ids[0] as number], positions: [pos, pos], parents: [-1, -1], rows: req.rows ?? [0] });
    }
    const S = req.ids.length;
    const P = cache.length;
    if (S === 0) throw new RangeError('forward needs at least one token');
    if (P + S > this.graphOptions.maxPositions) {
      throw new RangeError(`context of ${P + S} tokens exceeds the model's ${this.graphOptions.maxPositions}`);
    }
    const rows = req.rows ?? [S - 1];
    const shape = [1, P, cache.width];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(req.ids, BigInt), [1, S]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(req.positions ?? req.ids.map((_, i) => P + i), BigInt), [1, S]),
      attn_mask: new ort.Tensor('float32', req.parents ? treeMask(P, req.parents) : causalMask(P, S), [S, P + S]),
      logits_index: new ort.Tensor('int64', BigInt64Array.from(rows, BigInt), [rows.length]),
      inv_temperature: new ort.Tensor('float32', Float32Array.of(req.sampleTemperature ? 1 / req.sampleTemperature : 0), [1]),
    };
    const fetches: string[] = ['argmax'];
    for (let l = 0; l < this.cfg.nLayers; l++) {
      const n = kvInputNames(l);
      const past = cache.past(l);
      feeds[n.pastK] = new ort.Tensor('float32', past.k, shape);
      feeds[n.pastV] = new ort.Tensor('float32', past.v, shape);
      fetches.push(n.newK, n.newV);
    }
    if (req.logits) fetches.push('logits');
    if (req.hidden) fetches.push('hidden');
    if (req.taps) fetches.push('taps');
    if (req.sampleTemperature) fetches.push('top_logits', 'top_ids', 'lse');
    const out = await this.session.run(feeds, fetches);
    this.traffic.runs++;
    for (const [name, t] of Object.entries(feeds)) {
      const b = (t.data as ArrayBufferView).byteLength;
      this.traffic.bytesIn += b;
      if (name.startsWith('past_')) this.traffic.pastBytesIn += b;
    }
    for (const t of Object.values(out)) this.traffic.bytesOut += ((t as ort.Tensor).data as ArrayBufferView).byteLength;
    const f32 = (name: string): Float32Array => (out[name] as ort.Tensor).data as Float32Array;
    const newK: Float32Array[] = [];
    const newV: Float32Array[] = [];
    for (let l = 0; l < this.cfg.nLayers; l++) {
      const n = kvInputNames(l);
      newK.push(f32(n.newK));
      newV.push(f32(n.newV));
    }
    const am = (out.argmax as ort.Tensor).data as BigInt64Array;
    return {
      argmax: Int32Array.from(am, Number),
      newK,
      newV,
      logits: req.logits ? f32('logits') : undefined,
      hidden: req.hidden ? f32('hidden') : undefined,
      taps: req.taps ? f32('taps') : undefined,
      topLogits: req.sampleTemperature ? f32('top_logits') : undefined,
      topIds: req.sampleTemperature ? Int32Array.from((out.top_ids as ort.Tensor).data as BigInt64Array, Number) : undefined,
      lse: req.sampleTemperature ? f32('lse') : undefined,
    };
  }

  /** Runs new tokens causally after the cache and appends all of them to it. */
  async extend(cache: KvCache, ids: readonly number[], opts: Omit<ForwardRequest, 'ids' | 'positions' | 'parents'> = {}): Promise<ForwardResult> {
    const r = await this.forward(cache, { ...opts, ids });
    cache.append(ids, r.newK, r.newV);
    return r;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

async function createSession(graphPath: string, opts: TargetOptions, log: (l: string) => void): Promise<{ session: ort.InferenceSession; device: 'cpu' | 'cuda' }> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threadCount(opts.threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    extra: { session: spinConfig(spinMode(opts.spin)) },
  };
  const device = opts.device ?? 'auto';
  if (device === 'cuda' || (device === 'auto' && cudaProviderInstalled())) {
    try {
      const session = await ort.InferenceSession.create(graphPath, { ...base, executionProviders: [{ name: 'cuda', deviceId: 0 }, 'cpu'] });
      return { session, device: 'cuda' };
    } catch (e) {
      const why = String((e as Error).message ?? e).split('\n')[0];
      if (device === 'cuda') log(`CUDA requested but unavailable (${why}); run "PRISM: Enable GPU (CUDA)" (or \`prism-complete enable-cuda\`) to install the CUDA provider; CUDA 12 and cuDNN 9 must be installed. Falling back to CPU.`);
    }
  }
  try {
    const session = await ort.InferenceSession.create(graphPath, { ...base, executionProviders: ['cpu'] });
    // In the server's log: what a benchmark, PRISM_ORT_THREADS or PRISM_ORT_SPIN set, and what a slow machine runs on.
    const n = threadCount(opts.threads);
    log(`onnxruntime on the CPU: ${n ? `${n} thread${n === 1 ? '' : 's'}` : 'a thread per core'}, spin mode ${spinMode(opts.spin)}`);
    return { session, device: 'cpu' };
  } catch (e) {
    throw new GgufError(`onnxruntime could not load the graph built for ${opts.modelPath}: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
}

/** The spin mode: PRISM_ORT_SPIN where it is set (benchmarks), else the option, else 'run'. */
export function spinMode(option: SpinMode | undefined, env = process.env.PRISM_ORT_SPIN): SpinMode {
  if (env !== undefined && env !== '') {
    if (!(SPIN_MODES as readonly string[]).includes(env)) throw new Error(`PRISM_ORT_SPIN must be one of ${SPIN_MODES.join(', ')} (got "${env}"); unset it for the default`);
    return env as SpinMode;
  }
  return option ?? 'run';
}

/**
 * onnxruntime's intra-op threads: PRISM_ORT_THREADS where it is set, else the option, else 0 (a
 * thread per core). The test suite sets 1: it runs two test files at a time on the two cores, and
 * two sessions of two threads each took 15% more CPU for the same work (docs/BENCHMARKS.md, "The
 * test suite on the AVX2-only EPYC"). One thread and two give the same logits bit for bit
 * (target.test.ts).
 */
export function threadCount(option: number | undefined, env = process.env.PRISM_ORT_THREADS): number {
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`PRISM_ORT_THREADS must be a whole number of threads, 1 or more (got "${env}"); unset it for a thread per core`);
    return n;
  }
  return option ?? 0;
}

/** onnxruntime session config entries for a spin mode. */
export function spinConfig(mode: SpinMode): Record<string, unknown> {
  return {
    intra_op: { allow_spinning: mode === 'off' ? '0' : '1' },
    inter_op: { allow_spinning: '0' },
    force_spinning_stop: mode === 'run' ? '1' : '0',
  };
}

/** Whether onnxruntime-node's CUDA provider libraries are installed next to its binding. */
export function cudaProviderInstalled(): boolean {
  try {
    const dir = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    return fs.existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so')) || fs.existsSync(path.join(dir, 'onnxruntime_providers_cuda.dll'));
  } catch {
    return false;
  }
}
