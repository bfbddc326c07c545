// node-llama-cpp, the outside reference, on the same GGUF and threads as ours: plain greedy
// decoding, and its input-lookup speculation (created on first use). Shared by bench-plain and
// the decode benchmark.

import * as os from 'node:os';

// node-llama-cpp is ESM-only; TypeScript's CommonJS output would turn import() into require().
const importEsm = new Function('m', 'return import(m)') as (m: string) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Whether node-llama-cpp (a dev dependency: not in the .vsix) can be loaded here. */
export function llamaCppInstalled(): boolean {
  try {
    require.resolve('node-llama-cpp');
    return true;
  } catch {
    return false;
  }
}

/** stepMs: each decode step's ms (runStepwise). */
export interface LlamaRun { promptTokens: number; tokens: number; decodeMs: number; totalMs: number; text: string; stepMs?: number[] }

export class LlamaContender {
  private readonly plainSeq: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  private lookup: { ctx: any; seq: any } | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any

  private constructor(private readonly m: any, private readonly llama: any, private readonly model: any, private readonly plainCtx: any, private readonly threads: number) { // eslint-disable-line @typescript-eslint/no-explicit-any
    this.plainSeq = plainCtx.getSequence();
  }

  /** `threads` 0: one per core, as ours (node-llama-cpp's own 0 took 4 threads on 2 cores: 3.3 s per run). */
  static async start(modelPath: string, threads: number): Promise<LlamaContender> {
    threads ||= os.availableParallelism();
    const m = await importEsm('node-llama-cpp');
    const llama = await m.getLlama({ gpu: false, build: 'never', logLevel: 'error' });
    const model = await llama.loadModel({ modelPath });
    const ctx = await model.createContext({ contextSize: 4096, threads, batchSize: 512 });
    return new LlamaContender(m, llama, model, ctx, threads);
  }

  /** A cold prompt (history cleared), then up to `tokens` greedy tokens; decode time from the first token. */
  async run(prompt: string, tokens: number, mode: 'plain' | 'lookup' = 'plain'): Promise<LlamaRun> {
    let seq = this.plainSeq;
    if (mode === 'lookup') {
      if (!this.lookup) {
        const ctx = await this.model.createContext({ contextSize: 4096, threads: this.threads, batchSize: 512 });
        this.lookup = { ctx, seq: ctx.getSequence({ tokenPredictor: new this.m.InputLookupTokenPredictor() }) };
      }
      seq = this.lookup.seq;
    }
    await seq.clearHistory();
    const ids = this.model.tokenize(prompt);
    const out: unknown[] = [];
    const t0 = performance.now();
    let t1 = 0;
    for await (const tok of seq.evaluate(ids, { temperature: 0 })) {
      if (out.length === 0) t1 = performance.now();
      out.push(tok);
      if (out.length >= tokens) break;
    }
    const t2 = performance.now();
    return { promptTokens: ids.length, tokens: out.length, decodeMs: t2 - t1, totalMs: t2 - t0, text: this.model.detokenize(out) };
  }

  /**
   * Teacher-forced scores of a token window from a fresh context: the top-1 token after every
   * position, and log p(next token of the window) (one shorter), from llama.cpp's raw logits.
   */
  async score(ids: readonly number[]): Promise<{ argmax: number[]; logp: number[] }> {
    await this.plainSeq.clearHistory();
    const input = ids.map((t, i) => [t, { generateNext: { logits: { filter: { tokens: i + 1 < ids.length ? [ids[i + 1]] : [], includeTop: 1 } }, totalLogitWeight: true } }]);
    const out = await this.plainSeq.controlledEvaluate(input);
    const argmax: number[] = [];
    const logp: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const next = out[i]?.next as { logits?: Map<number, number>; totalLogitWeight?: number } | undefined;
      if (!next?.logits || next.totalLogitWeight === undefined) throw new Error('node-llama-cpp returned no logits for a scored position');
      let best = -1;
      let max = -Infinity;
      for (const [tok, l] of next.logits) if (l > max || (l === max && tok < best)) { max = l; best = tok; }
      argmax.push(best);
      if (i + 1 < ids.length) logp.push((next.logits.get(ids[i + 1] as number) as number) - max - Math.log(next.totalLogitWeight));
    }
    return { argmax, logp };
  }

  /**
   * A cold prompt, then up to `tokens` greedy tokens one llama.cpp evaluation at a time
   * (controlledEvaluate, no generator), decode time from the first token, and each step's ms: where
   * run() times node-llama-cpp's evaluate() generator. On the Zen 4 EPYC a step driven from JS takes
   * 8-10 ms or 25-50 ms (docs/BENCHMARKS.md): the median is llama.cpp's own step, the mean what a
   * node-llama-cpp user waits.
   */
  async runStepwise(prompt: string, tokens: number): Promise<LlamaRun> {
    await this.plainSeq.clearHistory();
    const ids = this.model.tokenize(prompt);
    const t0 = performance.now();
    let out = await this.plainSeq.controlledEvaluate(ids.map((t: unknown, i: number) => (i === ids.length - 1 ? [t, { generateNext: { token: true } }] : t)));
    const t1 = performance.now();
    const toks: unknown[] = [];
    const stepMs: number[] = [];
    let next = out[out.length - 1]?.next?.token;
    while (next !== undefined && toks.length < tokens) {
      toks.push(next);
      if (toks.length >= tokens) break;
      const ts = performance.now();
      out = await this.plainSeq.controlledEvaluate([[next, { generateNext: { token: true } }]]);
      stepMs.push(performance.now() - ts);
      next = out[0]?.next?.token;
    }
    const t2 = performance.now();
    return { promptTokens: ids.length, tokens: toks.length, decodeMs: t2 - t1, totalMs: t2 - t0, text: this.model.detokenize(toks), stepMs };
  }

  /**
   * ms of one llama.cpp run over `block` (a greedy token per row) after `prefix` in a fresh
   * context (the prefix untimed).
   */
  async verify(prefix: readonly number[], block: readonly number[]): Promise<number> {
    await this.plainSeq.clearHistory();
    // A token asked of the last prefix position forces the prefix's evaluation now (without it,
    // node-llama-cpp defers it into the timed call: 3 s).
    await this.plainSeq.controlledEvaluate(prefix.map((t, i) => (i === prefix.length - 1 ? [t, { generateNext: { token: true } }] : t)));
    const t0 = performance.now();
    await this.plainSeq.controlledEvaluate(block.map((t) => [t, { generateNext: { token: true } }]));
    return performance.now() - t0;
  }

  async close(): Promise<void> {
    await this.lookup?.ctx.dispose();
    await this.plainCtx.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
