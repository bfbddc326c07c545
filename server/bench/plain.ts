// bench-plain: prefill and decode speed of our runtime (4-bit MatMulNBits and dequantized fp32
// graphs) against node-llama-cpp on the same GGUF and thread count (its evaluate() generator, as its
// users run it, and one evaluation a token, whose median step is llama.cpp's own), side by side in one run,
// interleaved per repeat, warm-up excluded, medians reported. Last stdout line: JSON.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../engine/client';
import type { WorkerLoadOptions } from '../engine/protocol';
import { projectRoot } from '../paths';
import { LlamaContender, type LlamaRun, median } from './llama';
import { numericsLabel } from './numerics';
import { machine } from './report';
import { DEFAULT_GRAPH_OPTIONS, FP32_GRAPH_OPTIONS } from '../../kernels/llama-graph';

export interface PlainBenchOptions {
  load: WorkerLoadOptions;
  repeats: number;
  tokens: number;
  /** Prompt lengths to measure at, in tokens (about): editor prompts run up to 1,536. */
  promptTokens: number[];
  json: boolean;
}

/** stepMsP50: the median decode step (llama.cpp one evaluation a token). */
interface Sample { prefillTokS: number; decodeTokS: number; promptTokens: number; decodeTokens: number; stepMsP50?: number }

interface Contender {
  name: string;
  run(prompt: string): Promise<Sample>;
  close(): Promise<void>;
}

async function ours(name: string, load: WorkerLoadOptions, tokens: number): Promise<Contender> {
  const e = await EngineClient.start(load);
  return {
    name,
    async run(prompt) {
      const r = await e.complete({ prompt, maxTokens: tokens, fresh: true, ignoreEos: true });
      const t = r.timings;
      return { prefillTokS: (t.prefillTokens * 1000) / t.prefillMs, decodeTokS: t.decodeTokensPerS, promptTokens: t.prefillTokens, decodeTokens: t.decodeTokens };
    },
    close: () => e.dispose(),
  };
}

const LLAMA = 'node-llama-cpp (prebuilt llama.cpp)';
const LLAMA_STEP = 'node-llama-cpp, one evaluation a token (no generator)';

/** node-llama-cpp as its users run it (the evaluate() generator), and llama.cpp's own step (one evaluation a token). */
async function llamaCpp(modelPath: string, threads: number, tokens: number): Promise<Contender[]> {
  const l = await LlamaContender.start(modelPath, threads);
  const sample = (r: LlamaRun): Sample => ({ prefillTokS: (r.promptTokens * 1000) / (r.totalMs - r.decodeMs), decodeTokS: ((r.tokens - 1) * 1000) / r.decodeMs, promptTokens: r.promptTokens, decodeTokens: r.tokens, ...(r.stepMs ? { stepMsP50: median(r.stepMs) } : {}) });
  return [
    { name: LLAMA_STEP, run: async (prompt) => sample(await l.runStepwise(prompt, tokens)), close: async () => undefined },
    { name: LLAMA, run: async (prompt) => sample(await l.run(prompt, tokens)), close: () => l.close() },
  ];
}

/**
 * A code prompt of about `chars` characters: the example files, then the repository's own kernel
 * sources when a longer prompt is asked for (real code, present in every install).
 */
export function benchPrompt(chars: number): string {
  const root = projectRoot();
  const files = (dir: string, ext: RegExp): string[] => {
    try {
      return fs.readdirSync(path.join(root, dir)).filter((f) => ext.test(f)).sort().map((f) => path.join(root, dir, f));
    } catch {
      return [];
    }
  };
  let text = '';
  for (const f of [...files('examples', /./), ...files('kernels', /\.ts$/)]) {
    if (text.length >= chars) break;
    text += (text ? '\n' : '') + fs.readFileSync(f, 'utf8');
  }
  if (text.length < chars) throw new Error(`bench-plain: only ${text.length} characters of prompt text here; ask for fewer --prompt-tokens`);
  return text.slice(0, chars);
}

export async function benchPlain(o: PlainBenchOptions): Promise<void> {
  const threads = o.load.threads || os.availableParallelism();
  const log = (s: string): void => { if (!o.json) console.error(s); };
  const contenders: Contender[] = [];
  log(`bench-plain: ${path.basename(o.load.modelPath)}, ${threads} threads, ${o.repeats} repeats (+1 warm-up), ${o.tokens} decode tokens`);
  // The numerics asked for (exact: one-token steps padded to two rows), the same without padding,
  // and the other numerics (fp32 beside int8 activations with the 8-bit head, or the reverse;
  // bench-numerics has their quality).
  const graph = { ...DEFAULT_GRAPH_OPTIONS, ...o.load.graph };
  const exact = o.load.exact ?? true;
  const asked = `ours: ${numericsLabel(graph, exact)}`;
  contenders.push(await ours(asked, { ...o.load, threads, device: 'cpu', graph, exact }, o.tokens));
  contenders.push(await ours(`ours: ${numericsLabel(graph, !exact)}`, { ...o.load, threads, device: 'cpu', graph, exact: !exact }, o.tokens));
  const other = graph.accuracyLevel === 4 && graph.head === 'int8' ? { ...graph, ...FP32_GRAPH_OPTIONS } : { ...graph, accuracyLevel: 4, head: 'int8' as const };
  contenders.push(await ours(`ours: ${numericsLabel(other)}`, { ...o.load, threads, device: 'cpu', graph: other, exact: true }, o.tokens));
  contenders.push(...await llamaCpp(o.load.modelPath, threads, o.tokens));
  type Row = { name: string; prefill_tok_s: number; decode_tok_s: number; prompt_tokens: number; step_ms_p50?: number };
  const byLength: { prompt_tokens: number; results: Row[]; decode_ratio_vs_llamacpp: number; prefill_ratio_vs_llamacpp: number; decode_ratio_vs_llamacpp_step: number }[] = [];
  for (const n of o.promptTokens) {
    const prompt = benchPrompt(Math.round(n * 3.2));
    const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
    for (let rep = 0; rep <= o.repeats; rep++) {
      for (const c of contenders) {
        const s = await c.run(prompt);
        if (rep > 0) samples.get(c.name)?.push(s);
        log(`  ${rep === 0 ? 'warm-up' : `repeat ${rep}`} ${c.name}: prefill ${s.prefillTokS.toFixed(0)} tok/s (${s.promptTokens} tokens), decode ${s.decodeTokS.toFixed(1)} tok/s`);
      }
    }
    const rows: Row[] = contenders.map((c) => {
      const s = samples.get(c.name) as Sample[];
      const steps = s.flatMap((x) => (x.stepMsP50 === undefined ? [] : [x.stepMsP50]));
      return { name: c.name, prefill_tok_s: median(s.map((x) => x.prefillTokS)), decode_tok_s: median(s.map((x) => x.decodeTokS)), prompt_tokens: s[0]?.promptTokens ?? 0, ...(steps.length ? { step_ms_p50: median(steps) } : {}) };
    });
    const ref = rows.find((r) => r.name === LLAMA) as Row;
    const step = rows.find((r) => r.name === LLAMA_STEP) as Row;
    const first = rows[0] as Row;
    byLength.push({ prompt_tokens: first.prompt_tokens, results: rows, decode_ratio_vs_llamacpp: first.decode_tok_s / ref.decode_tok_s, prefill_ratio_vs_llamacpp: first.prefill_tok_s / ref.prefill_tok_s, decode_ratio_vs_llamacpp_step: first.decode_tok_s / step.decode_tok_s });
  }
  for (const c of contenders) await c.close();
  if (!o.json) {
    console.log('\n| engine | prompt tokens | prefill tok/s | decode tok/s | decode vs node-llama-cpp | prefill vs node-llama-cpp | decode vs one evaluation a token |');
    console.log('|---|---|---|---|---|---|---|');
    for (const l of byLength) {
      const ref = l.results.find((r) => r.name === LLAMA) as Row;
      const step = l.results.find((r) => r.name === LLAMA_STEP) as Row;
      for (const r of l.results) console.log(`| ${r.name} | ${r.prompt_tokens} | ${r.prefill_tok_s.toFixed(0)} | ${r.decode_tok_s.toFixed(1)} | ${(r.decode_tok_s / ref.decode_tok_s).toFixed(2)}x | ${(r.prefill_tok_s / ref.prefill_tok_s).toFixed(2)}x | ${(r.decode_tok_s / step.decode_tok_s).toFixed(2)}x |`);
    }
    // Its steps driven from JS are 8-10 ms or 25-50 ms on the Zen 4 EPYC: the median is llama.cpp's own step.
    for (const l of byLength) {
      const step = l.results.find((r) => r.name === LLAMA_STEP) as Row;
      const first = l.results[0] as Row;
      console.log(`\nat ${l.prompt_tokens} prompt tokens: llama.cpp's step p50 ${step.step_ms_p50?.toFixed(1)} ms (mean ${(1000 / step.decode_tok_s).toFixed(1)}); ours (${first.name.replace(/^ours: /, '')}) mean ${(1000 / first.decode_tok_s).toFixed(1)} ms`);
    }
    console.log(`\n${machine()}`);
  }
  const head = byLength[0] as (typeof byLength)[number];
  console.log(JSON.stringify({
    bench: 'plain', model: path.basename(o.load.modelPath), threads, repeats: o.repeats, decode_tokens: o.tokens,
    machine: machine(), numerics: asked, results: head.results,
    decode_ratio_vs_llamacpp: head.decode_ratio_vs_llamacpp, prefill_ratio_vs_llamacpp: head.prefill_ratio_vs_llamacpp, decode_ratio_vs_llamacpp_step: head.decode_ratio_vs_llamacpp_step,
    by_prompt_length: byLength,
  }));
}
