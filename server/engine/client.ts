// The main-thread handle on the engine worker: load, complete (streaming, cancellable), dispose.
// onnxruntime's telemetry is turned off here, on the main thread: a worker's process.env is its
// own copy, which onnxruntime (reading the process's environment) never sees (ort-private.ts).
import './ort-private';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ABORT_ELSEWHERE, type CompletionRequest, type CompletionResult } from './types';
import type { FromWorker, IndexFile, IndexStats, ModelInfo, ToWorker, WorkerLoadOptions } from './protocol';

export interface CompleteOptions {
  signal?: AbortSignal;
  /** CompletionHooks.onText. */
  onText?: (delta: string, early?: boolean) => void;
}

interface Pending {
  resolve: (r: CompletionResult) => void;
  reject: (e: Error) => void;
  onText?: (delta: string, early?: boolean) => void;
}

/** How long dispose() waits for the run under way to stop (a prefill chunk, a decode step: well under a second). */
const DISPOSE_WAIT_MS = 5000;

const CANCELLED: Omit<CompletionResult, 'timings'> = { text: '', tokens: [], finishReason: 'cancelled' };

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly indexing = new Map<number, { resolve: (s: IndexStats) => void; reject: (e: Error) => void }>();
  private chain: Promise<unknown> = Promise.resolve();
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly cancel: Int32Array,
    readonly info: ModelInfo,
    private readonly log: (line: string) => void,
  ) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`the engine worker exited (code ${code})`)));
  }

  /** Starts a worker and loads the model in it. Rejects with the loader's one-line message. */
  static start(options: WorkerLoadOptions, log: (line: string) => void = () => undefined, workerPath = path.join(__dirname, 'worker.js')): Promise<EngineClient> {
    const worker = new Worker(workerPath);
    const shared = new SharedArrayBuffer(4);
    return new Promise<EngineClient>((resolve, reject) => {
      const onMsg = (m: FromWorker): void => {
        if (m.type === 'log') log(m.line);
        else if (m.type === 'loaded') {
          worker.off('message', onMsg);
          worker.off('exit', onExit);
          resolve(new EngineClient(worker, new Int32Array(shared), m.info, log));
        } else if (m.type === 'loadError') {
          worker.off('exit', onExit);
          void worker.terminate();
          reject(new Error(m.message));
        }
      };
      const onExit = (code: number): void => reject(new Error(`the engine worker exited while loading (code ${code})`));
      worker.on('message', onMsg);
      worker.once('exit', onExit);
      worker.once('error', reject);
      worker.postMessage({ type: 'load', options, cancel: shared } satisfies ToWorker);
    });
  }

  /** Runs one completion. Requests run in order; an aborted one resolves as 'cancelled'. */
  complete(request: CompletionRequest, opts: CompleteOptions = {}): Promise<CompletionResult> {
    const run = (): Promise<CompletionResult> => {
      if (this.exited) return Promise.reject(new Error('the engine worker is not running'));
      const id = this.nextId++;
      if (opts.signal?.aborted) return Promise.resolve(cancelledResult());
      return new Promise<CompletionResult>((resolve, reject) => {
        const onAbort = (): void => { Atomics.store(this.cancel, 0, opts.signal?.reason === ABORT_ELSEWHERE ? -id : id); };
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        const done = (): void => opts.signal?.removeEventListener('abort', onAbort);
        this.pending.set(id, {
          resolve: (r) => { done(); resolve(r); },
          reject: (e) => { done(); reject(e); },
          onText: opts.onText,
        });
        this.worker.postMessage({ type: 'complete', id, request } satisfies ToWorker);
      });
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** The prompt's token count (0 when aborted): a request in the queue like the others, nothing run. */
  async count(prompt: string, allowSpecial: boolean, signal?: AbortSignal): Promise<number> {
    return (await this.complete({ prompt, allowSpecial, maxTokens: 1, countOnly: true }, { signal })).timings.promptTokens;
  }

  /**
   * Fills (replace) or updates the repository datastore; runs beside completions, in slices.
   * Resolves with its size once built.
   */
  index(files: IndexFile[], replace: boolean): Promise<IndexStats> {
    if (this.exited) return Promise.reject(new Error('the engine worker is not running'));
    const id = this.nextId++;
    return new Promise<IndexStats>((resolve, reject) => {
      this.indexing.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'index', id, files, replace } satisfies ToWorker);
    });
  }

  /** Frees the KV cache the engine keeps for a context that is gone (a closed document). */
  forget(key: string): void {
    if (!this.exited) this.worker.postMessage({ type: 'forget', key } satisfies ToWorker);
  }

  /** False once the worker has exited (crashed or disposed): start a new client. */
  get running(): boolean { return !this.exited; }

  private onMessage(m: FromWorker): void {
    if (m.type === 'log') { this.log(m.line); return; }
    if (m.type === 'text') { this.pending.get(m.id)?.onText?.(m.delta, m.early); return; }
    if (m.type === 'indexed' || (m.type === 'error' && this.indexing.has(m.id))) {
      const p = this.indexing.get(m.id);
      this.indexing.delete(m.id);
      if (m.type === 'indexed') p?.resolve(m.stats);
      else p?.reject(new Error(m.message));
      return;
    }
    if (m.type === 'done' || m.type === 'error') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!p) return;
      if (m.type === 'done') p.resolve(m.result);
      else p.reject(new Error(m.message));
    }
  }

  private fail(e: Error): void {
    this.exited = true;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const p of this.indexing.values()) p.reject(e);
    this.indexing.clear();
  }

  /**
   * Stops the worker. A thread terminated inside an onnxruntime run takes the whole process with
   * it (a Napi::Error thrown where nothing catches it: the language server, on a settings change
   * that reloads the engine or on shutdown while a completion or warm-up runs), so the run under
   * way is cancelled and its reply awaited first (at most DISPOSE_WAIT_MS); queued requests fail.
   */
  async dispose(): Promise<void> {
    const running = this.exited ? [] : [...this.pending.entries()];
    this.exited = true;
    if (running.length > 0) {
      const settled = running.map(([id, p]) => new Promise<void>((done) => {
        const { resolve, reject } = p;
        p.resolve = (r) => { resolve(r); done(); };
        p.reject = (e) => { reject(e); done(); };
        Atomics.store(this.cancel, 0, -id);
      }));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(settled), new Promise<void>((r) => { timer = setTimeout(r, DISPOSE_WAIT_MS); })]);
      clearTimeout(timer);
    }
    await this.worker.terminate();
  }
}

function cancelledResult(): CompletionResult {
  return {
    ...CANCELLED,
    timings: { promptTokens: 0, reusedTokens: 0, prefillTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0, decodeTokensPerS: 0, totalMs: 0 },
  };
}
