#!/usr/bin/env node
// prism-complete: the headless command line. `complete` prints the completion of real code at a
// cursor (or of --prompt), `demo` completes a few example files, `bench-plain` compares plain
// decoding with node-llama-cpp.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { benchPlain } from './bench/plain';
import { benchDecode, decodeTable, type DecodeReport } from './bench/decode';
import type { PromptSource } from './bench/prompts';
import { machine, writeReport } from './bench/report';
import { llamaCppInstalled } from './bench/llama';
import { benchTrace, type EnterWait, traceTable, type TraceRow } from './bench/trace';
import { benchQuality, cutRunsList, emptiesList, qualityTable } from './bench/quality';
import { benchNumerics, numericsTables } from './bench/numerics';
import { benchBlocks, blocksTable } from './bench/blocks';
import { EngineClient } from './engine/client';
import { graphDataFile, writeFileAtomic } from './engine/graph-cache';
import { TargetModel } from './engine/target';
import { DEFAULT_TREE } from './engine/drafter';
import type { CompletionRequest, CompletionResult } from './engine/engine';
import type { WorkerLoadOptions } from './engine/protocol';
import { DEFAULT_DRAFT_MODE, DRAFT_MODES, type DraftMode, isDraftMode } from '../common/settings';
import { DraftPolicy, headFor, isHeadKind } from './drafting/policy';
import { DEFAULT_MODEL_FILE, projectRoot, resolveModelPath } from './paths';
import { installCudaProviders, missingLine, missingSystemLibraries, NUGET_INDEX, ortBinDir, ortVersion } from './cuda/install';
import { isHttpUrl } from './remote/remote-engine';
import { type BuiltPrompt, CharsPerToken, DEFAULT_BUDGET, type FimTokens, PromptBuilder } from './lsp/prompt';
import { relocateExternalData } from '../kernels/onnx';

const USAGE = `usage:
  prism-complete complete (--file PATH --line N --column M [--context-tokens N] | --prompt TEXT) [options]
                      --file: the prompt the editor would send, within the same budget of prompt
                      tokens (prism.contextTokens, default 1024; the text after the cursor too
                      where the model has fill-in-the-middle tokens); --prompt: the text as given
  prism-complete demo [options]
  prism-complete bench-plain [--repeats N] [--tokens N] [--prompt-tokens 256,1536] [options]
  prism-complete bench [--quick] [--out DIR] [--source dev,infill,infill-doc,repo] [--dir FOLDER]
                      [--positions N] [--tokens N] [--depths 2,4,6] [--full] [--adaptive] [--grow N] [--no-llama] [--only REGEX]
                      [--no-trace] [--compare-prefill] [--no-decode] [--modes none,ngram,hybrid,prism,eagle3,auto] [--draft HEAD.gguf,...] [--quality]
                      decode benchmark (plain, n-gram, PRISM, EAGLE-3, node-llama-cpp) + typing
                      trace through the language server (--quality: and the completion-quality
                      benchmark, as bench-quality); --out writes report.md/json + SVG charts;
                      --source repo: dev-split positions with their repository as the datastore
                      (--dir: the folder is the datastore); --source infill-doc: the infilling
                      prompts with their document (the hole empty) as the datastore, as an editor
                      indexes the open file; --adaptive: and chains whose depth follows the last
                      run (auto too); --grow N: and chains that grow to depth N after runs
                      that accept them whole (auto too, and a trace row; prism.draft.grow);
                      --tree dynamic --head-sibling 0.3,0.3:3: and the hybrid as one tree, the
                      head's top token beside lookup's first where the head gives it >= 0.3
                      (:3: and lookup matched at most 3 tokens);
                      --auto-max-depth N: and auto with chains of at most
                      depth N; --hybrid 3+3,5+2: and hybrid rows with these lookup + head
                      chain depths; --auto-start 4+1: and auto starting from these depths
                      instead of its default; --only REGEX: only the configurations
                      whose name matches (plain always runs); --compare-prefill: the typing trace
                      also without the prefill a file gets when it becomes active; --open-pause MS: how
                      long the simulated user reads a just-opened file before asking (default 4000);
                      --tree dynamic --tree-shapes d3k2n5,d4k2n8: and each head drafting these dynamic trees
                      (depth, children per node, nodes);
                      --context-tokens 768,1536: the typing trace once per prompt budget (prism.contextTokens);
                      --cache-documents 1,2: and once per number of documents kept in the KV cache (prism.cacheDocuments);
                      --time-budget 300,1500: and once per completion time budget (prism.timeBudgetMs);
                      --first-line-budget 250,0: and once per first-line time budget (prism.firstLineBudgetMs);
                      --enter-wait min,rhythm: and once per client wait after Enter (the shortest,
                      the default; or the typing rhythm's); --member-wait min,rhythm: the same after
                      a member access ('.', '->', '::'); --member-pause P: the typist pauses after a
                      member access with probability P (default as after any key, 0.12);
                      --auto-indent: Enter types the next
                      line's indentation with it, in one change, as VS Code does;
                      --auto-close: typing an opener or quote adds its closer after the cursor,
                      typing that closer steps over it, as VS Code's auto-closing pairs do;
                      --progressive on,off: and once per prism.progressive (a block's
                      first line replied at once, the rest when done);
                      --backend URL [--remote-model NAME] [--remote-api auto|infill|completions|completions-suffix]:
                      the typing trace also against a team's server (llama.cpp server, vLLM, any
                      OpenAI-compatible /v1/completions; API key from $PRISM_REMOTE_API_KEY), with
                      the server's own request latency and our overhead beside it
  prism-complete bench-decode [same options]   the decode part only (bench-spec: same)
  prism-complete bench-quality [--files N] [--per-kind N] [--source dev|infill] [--dir FOLDER] [--numerics] [--cross-file] [--name-header] [--at-rest] [--context-tokens 768,1536] [--no-llama] [--out DIR]
                      completion quality: the rest of real lines after Enter, after a few typed
                      characters and mid-line (--source infill: the reference middles of HumanEval
                      single/multi-line infilling and SAFIM blocks, --per-kind each); exact match and
                      edit similarity, empty replies by cause; ours with and without token healing
                      (--numerics: and in int8; --cross-file: and with snippets of two other files
                      of the repository in the prompt; --name-header: and with the file's name in
                      a comment line first; --context-tokens: and per prompt budget;
                      --at-rest: and without the first-line budget, as a cut line is finished when
                      the user pauses), node-llama-cpp on the same prompt; the same model text
                      shaped without cutting unfinished lines at a repeat, and where that differed
  prism-complete bench-blocks [--files N] [--per-file N] [--dir FOLDER] [--draft MODE] [--sites blocks|lines] [--out DIR]
                      blocks after Enter as new code is written (a line that opens a block, its body
                      taken out): time to the first ghost text and to the whole block with
                      prism.progressive on and off, alternating, and whether both end alike;
                      --sites lines: long lines cut after their '= ' or 'return ' instead
  prism-complete bench-numerics [--windows N] [--window N] [--repeats N] [--no-llama] [--no-reference] [--out DIR]
                      which numerics the target should run in: perplexity and top-1 agreement with
                      the fp32 reference (transformers) on dev-split code and the infilling sets
                      for each numerics of ours and for llama.cpp; ms per target run over k rows
                      (chain and tree masks); whether a block's rows equal rows computed alone
  prism-complete enable-cuda [--feed URL]
                      installs onnxruntime-node's CUDA provider libraries (the bundled version, from
                      NuGet or the NuGet v3 feed --feed names), verified by size and SHA-512, then
                      names any CUDA 12 / cuDNN 9 library this machine lacks
  prism-complete export-graph --out FILE.onnx [--model PATH] [--weights W] [--activations A]
                      writes the server's target graph and FILE.json (its config, the GGUF's
                      sha256) for the draft-head pipeline in models/
options:
  --model PATH        GGUF model (default: $PRISM_MODEL or the bundled SmolLM2-135M Q4_1)
  --max-tokens N      tokens to generate (default 32)
  --temperature T     0 = greedy (default); with --top-p P, --top-k K, --seed S
  --stop TEXT         stop before TEXT (repeatable)
  --device D          auto | cpu | cuda (default auto)
  --threads N         onnxruntime intra-op threads (default: all cores)
  --weights W         nbits (4-bit MatMulNBits, default) | f32 (dequantized)
  --activations A     int8 (default: int8 activations in the 4-bit matmuls, as llama.cpp; loses
                      no more top-1 agreement with the fp32 reference than llama.cpp does, as
                      bench-numerics measures) | fp32 (the reference's arithmetic, slower)
  --head H            the LM head: int8 (default with int8 activations: Q8_0 weights, int8
                      activations) | f32 (exact fp32 Gemm; the default with --activations fp32)
  --inexact           let one-token steps take ORT's single-row kernels (faster plain decoding);
                      verified rows then differ from decoded rows by ~1e-4, so speculative output
                      equals plain output only up to that; trees then run on the fast attention
  --draft D           auto (default: the drafting policy's choice, plain included) | hybrid
                      (prompt lookup where it finds a match, the shipped PRISM head where it
                      finds none) | prism (the shipped PRISM head) | eagle3 (the shipped EAGLE-3
                      head) | ngram (prompt lookup) | none (plain decoding) | HEAD.gguf (a head
                      from models/prism/export.py). Output is identical in every mode.
  --no-heal           end the prompt exactly at the cursor (default: token healing re-spells
                      the prompt's last token, so completions after indentation or half a
                      word start where the cursor is)
  --tree T            chain (default) | static | dynamic (EAGLE-2 style); trees load the
                      tree-exact attention (bit-exact on the CPU, 1-7% slower per run)
  --depth N           draft depth (default 5); --tree-width K children per node (default 4),
  --tree-tokens N     most draft nodes per step (default 16), --branching 3,2,1 (static),
  --min-draft-prob P  stop expanding below this cumulative draft probability (default 0)
  --json              one JSON line instead of text`;

const OPTIONS = {
  file: { type: 'string' }, line: { type: 'string' }, column: { type: 'string' }, prompt: { type: 'string' },
  model: { type: 'string' }, 'max-tokens': { type: 'string' }, temperature: { type: 'string' },
  'top-p': { type: 'string' }, 'top-k': { type: 'string' }, seed: { type: 'string' },
  stop: { type: 'string', multiple: true }, device: { type: 'string' }, threads: { type: 'string' },
  weights: { type: 'string' }, json: { type: 'boolean' }, draft: { type: 'string' }, tree: { type: 'string' },
  depth: { type: 'string' }, 'tree-width': { type: 'string' }, 'tree-tokens': { type: 'string' },
  branching: { type: 'string' }, 'min-draft-prob': { type: 'string' }, activations: { type: 'string' },
  positions: { type: 'string' }, dir: { type: 'string' }, out: { type: 'string' }, repeats: { type: 'string' }, tokens: { type: 'string' },
  quick: { type: 'boolean' }, 'no-decode': { type: 'boolean' }, source: { type: 'string' }, modes: { type: 'string' }, 'no-llama': { type: 'boolean' }, 'no-trace': { type: 'boolean' },
  depths: { type: 'string' }, 'prompt-tokens': { type: 'string' }, only: { type: 'string' }, full: { type: 'boolean' }, adaptive: { type: 'boolean' }, grow: { type: 'string' }, 'head-sibling': { type: 'string' }, 'auto-max-depth': { type: 'string' }, hybrid: { type: 'string' }, 'auto-start': { type: 'string' }, 'trace-files': { type: 'string' }, 'trace-chars': { type: 'string' }, 'compare-prefill': { type: 'boolean' }, 'open-pause': { type: 'string' }, files: { type: 'string' }, 'per-kind': { type: 'string' }, 'per-file': { type: 'string' }, 'context-tokens': { type: 'string' }, 'cache-documents': { type: 'string' }, 'time-budget': { type: 'string' }, 'first-line-budget': { type: 'string' }, 'enter-wait': { type: 'string' }, 'member-wait': { type: 'string' }, 'member-pause': { type: 'string' }, 'auto-indent': { type: 'boolean' }, 'auto-close': { type: 'boolean' }, progressive: { type: 'string' }, sites: { type: 'string' }, 'tree-shapes': { type: 'string' },
  backend: { type: 'string' }, feed: { type: 'string' }, numerics: { type: 'boolean' }, 'cross-file': { type: 'boolean' }, 'name-header': { type: 'boolean' }, 'at-rest': { type: 'boolean' }, quality: { type: 'boolean' }, 'remote-model': { type: 'string' }, 'remote-api': { type: 'string' },
  'no-heal': { type: 'boolean' }, head: { type: 'string' }, inexact: { type: 'boolean' }, windows: { type: 'string' }, window: { type: 'string' }, 'no-reference': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export class UsageError extends Error {}

function int(v: string | undefined, name: string, fallback: number, min = 0): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

/** A probability: a number from 0 to 1. */
function fraction(v: string, name: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} takes a probability from 0 to 1, got '${v}'`);
  return n;
}

function intList(v: string | undefined, name: string, fallback: number[]): number[] {
  return v === undefined ? fallback : v.split(',').map((x) => int(x.trim(), name, 0, 16));
}

/**
 * A comma-separated list of whole numbers within a setting's bounds: below `min`, int()'s line;
 * above `max`, "--NAME takes WHAT, got 'X'".
 */
function boundedList(v: string | undefined, name: string, min: number, max: number, what: string): number[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((x) => {
    const n = int(x.trim(), name, 0, min);
    if (n > max) throw new UsageError(`--${name} takes ${what}, got '${x.trim()}'`);
    return n;
  });
}

/** --context-tokens: prompt budgets within the setting's bounds (prism.contextTokens). */
const contextList = (v: string | undefined): number[] | undefined => boundedList(v, 'context-tokens', 64, 8000, 'prompt budgets from 64 to 8000 tokens (prism.contextTokens)');

/** --time-budget: completion time budgets within the setting's bounds (prism.timeBudgetMs). */
const timeBudgetList = (v: string | undefined): number[] | undefined => boundedList(v, 'time-budget', 50, 30000, 'completion time budgets from 50 to 30000 ms (prism.timeBudgetMs)');

/** --enter-wait / --member-wait: the client's wait after Enter / a member access in the typing trace, 'min' (the default) or 'rhythm'. */
function waitList(v: string | undefined, flag: 'enter-wait' | 'member-wait'): EnterWait[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((x) => {
    const w = x.trim();
    if (w !== 'min' && w !== 'rhythm') throw new UsageError(`--${flag} takes min (ask at the shortest wait after ${flag === 'enter-wait' ? 'Enter' : 'a member access'}) or rhythm (the typing rhythm's wait), comma-separated, got '${w}'`);
    return w;
  });
}

/** --progressive: prism.progressive per row of the typing trace, 'on' or 'off'. */
function onOffList(v: string | undefined): boolean[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((x) => {
    const w = x.trim();
    if (w !== 'on' && w !== 'off') throw new UsageError(`--progressive takes on (a reply's beginning at once, the rest when done) or off (one reply, when done), comma-separated, got '${w}'`);
    return w === 'on';
  });
}

/** --first-line-budget: first-line time budgets within the setting's bounds (prism.firstLineBudgetMs, 0: none). */
function firstLineBudgetList(v: string | undefined): number[] | undefined {
  return v?.split(',').map((x) => {
    const n = Number(x.trim());
    if (x.trim() === '' || !Number.isInteger(n) || n < 0 || n > 30000) throw new UsageError(`--first-line-budget takes first-line time budgets from 0 (none) to 30000 ms (prism.firstLineBudgetMs), comma-separated, got '${x.trim()}'`);
    return n;
  });
}

/** --grow: the deepest a growing chain may go (prism.draft.grow). */
function growDepth(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 2 || n > 12) throw new UsageError(`--grow takes the deepest a growing chain may go, 2 to 12 (prism.draft.grow), got '${v}'`);
  return n;
}

function num(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${v}'`);
  return n;
}

export function loadOptions(v: Values): WorkerLoadOptions {
  const device = v.device ?? 'auto';
  if (device !== 'auto' && device !== 'cpu' && device !== 'cuda') throw new UsageError(`--device must be auto, cpu or cuda, got '${device}'`);
  const weights = v.weights ?? 'nbits';
  if (weights !== 'nbits' && weights !== 'f32') throw new UsageError(`--weights must be nbits or f32, got '${weights}'`);
  const act = v.activations ?? 'int8';
  if (act !== 'fp32' && act !== 'int8') throw new UsageError(`--activations must be fp32 or int8, got '${act}'`);
  // The 8-bit head goes with int8 activations (the default numerics); fp32 activations, the fp32 head.
  const head = v.head ?? (act === 'int8' ? 'int8' : 'f32');
  if (head !== 'f32' && head !== 'int8') throw new UsageError(`--head must be f32 or int8, got '${head}'`);
  if (head === 'int8' && act !== 'int8') throw new UsageError('--head int8 needs --activations int8 (ORT\'s 8-bit kernel is only fast with int8 activations)');
  // Trees in the exact numerics need the tree-exact attention (1-7% slower per run); chains do not.
  const attention = (v.tree === 'static' || v.tree === 'dynamic') && !v.inexact ? 'tree-exact' : 'fast';
  return { modelPath: resolveModelPath(v.model), device, threads: int(v.threads, 'threads', 0), graph: { weights, accuracyLevel: act === 'int8' ? 4 : 0, head, attention }, exact: !v.inexact };
}

/**
 * The draft for a one-shot completion, from --draft (a mode of the drafting policy, or a head's
 * path) and the tree options. "auto" (the default) is the policy's choice before any measurement:
 * its priors come from docs/BENCHMARKS.md.
 */
export function draftOptions(v: Values, modelPath = resolveModelPath(v.model)): CompletionRequest['draft'] {
  const draft = v.draft ?? DEFAULT_DRAFT_MODE;
  let headFile: string | undefined;
  if (!isDraftMode(draft)) {
    if (!draft.endsWith('.gguf')) throw new UsageError(`--draft must be ${DRAFT_MODES.join(', ')} or the path of a draft head (.gguf), got '${draft}'`);
    headFile = path.resolve(draft);
  } else if (isHeadKind(draft) && !headFor(draft, modelPath)) {
    throw new UsageError(`no ${draft} head ships for ${path.basename(modelPath)} (the shipped heads fit ${DEFAULT_MODEL_FILE} only); use --draft ngram, auto or a head's path`);
  }
  const kind = v.tree ?? 'chain';
  if (kind !== 'chain' && kind !== 'static' && kind !== 'dynamic') throw new UsageError(`--tree must be chain, static or dynamic, got '${kind}'`);
  const branching = v.branching?.split(',').map((x) => int(x.trim(), 'branching', 1, 1));
  const explicitDepth = v.depth !== undefined ? int(v.depth, 'depth', DEFAULT_TREE.depth, 1) : undefined;
  const mode: DraftMode = headFile ? 'prism' : (draft as DraftMode);
  const policy = new DraftPolicy({
    mode, depth: explicitDepth ?? (mode === 'auto' ? 'auto' : DEFAULT_TREE.depth), modelPath, headFile,
    tree: 'chain', treeWidth: DEFAULT_TREE.topK, treeTokens: DEFAULT_TREE.totalTokens, exploreEvery: 0, chainsOnly: !v.inexact,
  });
  const chosen = policy.choose();
  if (!chosen) return undefined;
  return {
    ...chosen,
    tree: {
      kind, depth: chosen.tree?.depth ?? DEFAULT_TREE.depth, topK: int(v['tree-width'], 'tree-width', DEFAULT_TREE.topK, 1),
      totalTokens: int(v['tree-tokens'], 'tree-tokens', DEFAULT_TREE.totalTokens, 1), minProb: num(v['min-draft-prob'], 'min-draft-prob', 0),
      ...(branching ? { branching } : {}),
    },
  };
}

export function completionRequest(v: Values, prompt: string): CompletionRequest {
  const temperature = num(v.temperature, 'temperature', 0);
  if (temperature < 0) throw new UsageError(`--temperature must be >= 0 (0 = greedy), got '${v.temperature}'`);
  const topP = num(v['top-p'], 'top-p', 1);
  if (!(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], got '${v['top-p']}'`);
  return {
    draft: draftOptions(v),
    prompt,
    maxTokens: int(v['max-tokens'], 'max-tokens', 32, 1),
    sampling: { temperature, topP, topK: int(v['top-k'], 'top-k', 0), seed: int(v.seed, 'seed', 0) },
    stop: v.stop ?? [],
    heal: !v['no-heal'],
  };
}

/** The text before a 0-based (line, column) cursor in a file. */
export function prefixAt(text: string, line: number, column: number, file = 'file'): string {
  const lines = text.split('\n');
  if (line >= lines.length) throw new UsageError(`${file} has ${lines.length} lines; --line ${line} is past the end (lines are 0-based)`);
  const l = lines[line] as string;
  if (column > l.length) throw new UsageError(`line ${line} of ${file} has ${l.length} characters; --column ${column} is past its end (columns are 0-based)`);
  return lines.slice(0, line).map((s) => `${s}\n`).join('') + l.slice(0, column);
}

function readSource(file: string): string {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (buf.length > 8 << 20) throw new UsageError(`${file} is ${(buf.length / 2 ** 20).toFixed(0)} MiB; files over 8 MiB are not completed`);
  if (buf.subarray(0, 8192).includes(0)) throw new UsageError(`${file} looks binary (it has NUL bytes); point --file at a text file`);
  return buf.toString('utf8');
}

function report(r: CompletionResult, json: boolean, extra: Record<string, unknown> = {}, afterPrompt = false): void {
  const t = r.timings;
  if (json) {
    console.log(JSON.stringify({
      text: r.text, tokens: r.tokens, finish_reason: r.finishReason,
      prompt_tokens: t.promptTokens, reused_tokens: t.reusedTokens, prefill_tokens: t.prefillTokens,
      prefill_ms: round(t.prefillMs), decode_ms: round(t.decodeMs), decode_tokens: t.decodeTokens,
      decode_tokens_per_s: round(t.decodeTokensPerS), total_ms: round(t.totalMs),
      ...(r.spec ? {
        drafter: r.spec.drafter, tau: round(r.spec.tau), acceptance_by_depth: r.spec.acceptanceByDepth.map(round),
        target_runs: r.spec.targetRuns, drafted: r.spec.drafted, accepted: r.spec.accepted,
        draft_ms: round(r.spec.draftMs), verify_ms: round(r.spec.verifyMs), other_ms: round(r.spec.otherMs),
      } : {}),
      ...extra,
    }));
    return;
  }
  process.stdout.write(`${afterPrompt ? '' : '\x1b[2m…\x1b[0m'}\x1b[32m${r.text}\x1b[0m\n`);
  console.log(`[${r.tokens.length} tokens, ${r.finishReason}] prompt ${t.promptTokens} tokens (${t.reusedTokens} reused), prefill ${t.prefillMs.toFixed(1)} ms, decode ${t.decodeTokensPerS.toFixed(1)} tokens/s, total ${t.totalMs.toFixed(1)} ms`);
  if (r.spec) {
    const s = r.spec;
    console.log(`[${s.drafter}] tau ${s.tau.toFixed(2)} over ${s.targetRuns} target runs; acceptance by depth ${s.acceptanceByDepth.map((a) => a.toFixed(2)).join(' ')}; draft ${s.draftMs.toFixed(1)} ms, verify ${s.verifyMs.toFixed(1)} ms, other ${s.otherMs.toFixed(1)} ms`);
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;

async function withEngine<T>(v: Values, fn: (e: EngineClient) => Promise<T>): Promise<T> {
  const log = (line: string): void => { if (!v.json) console.error(`prism: ${line}`); };
  const engine = await EngineClient.start(loadOptions(v), log);
  if (!v.json) console.error(`prism: loaded ${path.basename(engine.info.modelPath)} (${engine.info.config.arch}, ${engine.info.config.nLayers} layers) on ${engine.info.device} in ${engine.info.loadMs.toFixed(0)} ms`);
  try {
    return await fn(engine);
  } finally {
    await engine.dispose();
  }
}

async function cmdComplete(v: Values): Promise<void> {
  let source: { text: string; offset: number } | undefined;
  let prompt = v.prompt;
  if (prompt === undefined) {
    if (v.file === undefined) throw new UsageError('complete needs --file PATH --line N --column M, or --prompt TEXT');
    if (v.line === undefined || v.column === undefined) throw new UsageError('--file needs --line and --column (0-based)');
    const text = readSource(v.file);
    source = { text, offset: prefixAt(text, int(v.line, 'line', 0), int(v.column, 'column', 0), v.file).length };
  } else if (v['context-tokens'] !== undefined) {
    throw new UsageError('--context-tokens applies to --file (the editor\'s prompt budget); --prompt is sent as given');
  }
  const budget = contextList(v['context-tokens']);
  if (budget && budget.length !== 1) throw new UsageError(`complete takes one --context-tokens budget, got '${v['context-tokens']}'`);
  const req = completionRequest(v, prompt ?? '');
  await withEngine(v, async (e) => {
    if (source) {
      // As the editor: placed at the default estimate, counted, and placed again at the file's ratio.
      const fim = e.info.fim ? e.info.fimTokens : undefined;
      const estimate = editorPrompt(source.text, source.offset, fim, budget?.[0]).prompt;
      const tokens = await e.count(estimate.text, estimate.allowSpecial);
      const built = editorPrompt(source.text, source.offset, fim, budget?.[0], tokens >= 16 ? estimate.text.length / tokens : undefined);
      if (!v.json) console.error(`prism: prompt: ${built.note}`);
      req.prompt = built.prompt.text;
      req.allowSpecial = built.prompt.allowSpecial;
      // As the editor: token healing re-spells the prefix's last token, not a fill-in-the-middle prompt's.
      req.heal = req.heal && built.prompt.mode === 'prefix';
    }
    report(await e.complete(req), Boolean(v.json));
  });
}

/**
 * The prompt the language server builds for a cursor in a just-opened file: its prompt builder,
 * budget and fill-in-the-middle layout, so `complete --file` shows what the editor completes.
 * charsPerToken: the file's (the server counts a document before its first prompt).
 */
export function editorPrompt(text: string, offset: number, fim: FimTokens | undefined, maxTokens = DEFAULT_BUDGET.maxTokens, charsPerToken?: number): { prompt: BuiltPrompt; note: string } {
  const prompt = new PromptBuilder(new CharsPerToken(charsPerToken), { ...DEFAULT_BUDGET, maxTokens }).build('cli', text, offset, fim);
  const lines = (a: number, b: number): number => text.slice(a, b).split('\n').length - 1;
  const dropped = lines(0, prompt.prefixStart);
  const from = dropped === 0 ? 'the whole text before the cursor' : `the text before the cursor from line ${dropped} (0-based; the ${dropped} lines above it are outside the budget)`;
  return { prompt, note: `${from}${prompt.mode === 'fim' ? `, and ${lines(offset, offset + prompt.suffix.length)} lines after it` : ''}; budget ${maxTokens} tokens (--context-tokens)` };
}

/** Cursor positions in the example files: the end of lines that open a block or a call. */
export function demoCursors(text: string, max: number): { line: number; column: number }[] {
  const lines = text.split('\n');
  const out: { line: number; column: number }[] = [];
  for (let i = 3; i < lines.length && out.length < max; i++) {
    const l = lines[i] as string;
    const t = l.trim();
    if (t.length > 12 && /[({=:]$/.test(t)) out.push({ line: i + 1, column: (lines[i + 1] ?? '').search(/\S|$/) });
  }
  return out;
}

async function cmdDemo(v: Values): Promise<void> {
  const dir = path.join(projectRoot(), 'examples');
  const files = fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
  await withEngine(v, async (e) => {
    for (const f of files) {
      const text = readSource(path.join(dir, f));
      for (const c of demoCursors(text, 2)) {
        const prompt = prefixAt(text, c.line, c.column, f);
        // The demo shows the default path: auto drafting and token healing (--draft, --no-heal override).
        const req = { ...completionRequest(v, prompt), stop: ['\n\n'] };
        const r = await e.complete(req);
        if (!v.json) {
          console.log(`\n── examples/${f}:${c.line}:${c.column}`);
          process.stdout.write(`\x1b[2m${prompt.split('\n').slice(-3).join('\n')}\x1b[0m`);
        }
        report(r, Boolean(v.json), { file: `examples/${f}`, line: c.line, column: c.column }, true);
      }
    }
  });
}

/** The server's own target graph and its config, for the Python pipeline (same graph, same features). */
function cmdExportGraph(v: Values): void {
  if (!v.out) throw new UsageError('export-graph needs --out FILE.onnx');
  const load = loadOptions(v);
  const { cfg, graphOptions, hash, graphPath } = TargetModel.prepare({ ...load, log: (l) => console.error(`prism: ${l}`) });
  const out = path.resolve(v.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const data = graphDataFile(graphPath);
  if (fs.existsSync(data)) {
    // The weights beside the graph: copied first, then the graph that points at the copy.
    fs.copyFileSync(data, `${out}.data.tmp`);
    fs.renameSync(`${out}.data.tmp`, `${out}.data`);
    writeFileAtomic(out, relocateExternalData(fs.readFileSync(graphPath), path.basename(`${out}.data`)));
  } else {
    fs.copyFileSync(graphPath, `${out}.tmp`);
    fs.renameSync(`${out}.tmp`, out);
  }
  const { ropeFreqFactors: _drop, ...config } = cfg;
  writeFileAtomic(out.replace(/\.onnx$/, '') + '.json', JSON.stringify({ model: load.modelPath, gguf_sha256: hash, graph: graphOptions, config }, null, 1));
  console.log(out);
}

/**
 * bench: the decode benchmark (dev split and infilling sets), the typing trace, the report
 * (--out DIR: report.md, report.json, SVG charts). bench-decode: the decode part only.
 * Progress goes to stderr as `progress: FRACTION MESSAGE`; the JSON report is the last stdout line.
 */
async function cmdQuality(v: Values): Promise<void> {
  const load = loadOptions(v);
  const llamaCpp = !v['no-llama'] && llamaCppInstalled();
  if (!v['no-llama'] && !llamaCpp) console.error('bench-quality: node-llama-cpp is not installed here; its rows are left out');
  const r = await benchQuality({
    load, files: int(v.files, 'files', 12, 1), perKind: int(v['per-kind'], 'per-kind', 1, 1), dir: v.dir, llamaCpp, numerics: Boolean(v.numerics), crossFile: Boolean(v['cross-file']), nameHeader: Boolean(v['name-header']), atRest: Boolean(v['at-rest']), contextTokens: contextList(v['context-tokens']),
    source: v.source === undefined || v.source === 'dev' ? 'dev' : v.source === 'infill' ? 'infill' : (() => { throw new UsageError(`bench-quality --source takes dev or infill, got '${v.source}'`); })(),
    progress: (f, m) => { console.error(`progress: ${f.toFixed(3)} ${m}`); },
  });
  const table = qualityTable(r);
  if (v.out) {
    fs.mkdirSync(v.out, { recursive: true });
    writeFileAtomic(path.join(v.out, 'quality.md'), `# Completion quality\n\n${machine()}; model ${r.model}; ${r.positions} positions.\n\n${table}\n\n## Empty replies\n\n${emptiesList(r)}\n\n## Unfinished lines cut at a repeat\n\n${cutRunsList(r)}\n`);
    writeFileAtomic(path.join(v.out, 'quality.json'), `${JSON.stringify(r, null, 1)}\n`);
  }
  if (!v.json) console.log(`\n${table}\n`);
  console.log(JSON.stringify(r));
}

async function cmdBlocks(v: Values): Promise<void> {
  const mode = v.draft ?? DEFAULT_DRAFT_MODE;
  if (!isDraftMode(mode)) throw new UsageError(`bench-blocks --draft takes ${DRAFT_MODES.join(', ')}, got '${mode}'`);
  const r = await benchBlocks({
    files: int(v.files, 'files', 8, 1), perFile: int(v['per-file'], 'per-file', 3, 1), dir: v.dir, modelPath: v.model, threads: v.threads === undefined ? undefined : int(v.threads, 'threads', 0, 0), mode,
    sites: v.sites === undefined || v.sites === 'blocks' ? 'blocks' : v.sites === 'lines' ? 'lines' : (() => { throw new UsageError(`bench-blocks --sites takes blocks or lines, got '${v.sites}'`); })(),
    progress: (f, m) => { console.error(`progress: ${f.toFixed(3)} ${m}`); },
  });
  const table = blocksTable(r);
  if (v.out) {
    fs.mkdirSync(v.out, { recursive: true });
    writeFileAtomic(path.join(v.out, 'blocks.md'), `# ${r.sites === 'lines' ? 'Long lines, cut after their `= ` or `return `' : 'Blocks after Enter'}\n\n${machine()}.\n\n${table}\n`);
    writeFileAtomic(path.join(v.out, 'blocks.json'), `${JSON.stringify(r, null, 1)}\n`);
  }
  if (!v.json) console.log(`\n${machine()}\n\n${table}\n`);
  console.log(JSON.stringify(r));
}

async function cmdNumerics(v: Values): Promise<void> {
  const load = loadOptions(v);
  const llamaCpp = !v['no-llama'] && llamaCppInstalled();
  if (!v['no-llama'] && !llamaCpp) console.error('bench-numerics: node-llama-cpp is not installed here; its rows are left out');
  const r = await benchNumerics({
    modelPath: load.modelPath, threads: load.threads ?? 0, windows: int(v.windows, 'windows', 12, 1), window: int(v.window, 'window', 256, 8),
    llamaCpp, reference: !v['no-reference'], repeats: int(v.repeats, 'repeats', 7, 1), log: (l) => console.error(`bench-numerics: ${l}`),
  });
  const tables = numericsTables(r);
  if (v.out) {
    fs.mkdirSync(v.out, { recursive: true });
    writeFileAtomic(path.join(v.out, 'numerics.md'), `# Numerics\n\n${tables}\n`);
    writeFileAtomic(path.join(v.out, 'numerics.json'), `${JSON.stringify(r, null, 1)}\n`);
  }
  if (!v.json) console.log(`\n${tables}\n`);
  console.log(JSON.stringify(r));
}

async function cmdEnableCuda(v: Values): Promise<number> {
  const r = await installCudaProviders({
    version: ortVersion(), binDir: ortBinDir(), feedIndex: v.feed ?? NUGET_INDEX,
    progress: (m, f) => console.error(`progress: ${(f ?? 0).toFixed(3)} ${m}`),
  });
  console.log(`enable-cuda: installed ${r.files.map((f) => path.basename(f)).join(', ')} into ${path.dirname(r.files[0] as string)} (SHA-512 verified)`);
  const line = missingLine(missingSystemLibraries());
  if (line) { console.log(`enable-cuda: ${line}`); return 1; }
  console.log('enable-cuda: CUDA 12 and cuDNN 9 libraries found; run with --device cuda (or prism.device: cuda)');
  return 0;
}

async function cmdBench(v: Values, cmd: string, argv: string[]): Promise<void> {
  const quick = Boolean(v.quick);
  const load = loadOptions(v);
  const progress = (f: number, m: string): void => { console.error(`progress: ${f.toFixed(3)} ${m}`); };
  const sources: PromptSource[] = v.dir ? [{ kind: 'dir', dir: v.dir }] : (v.source ?? (quick || cmd !== 'bench' ? 'dev' : 'dev,infill')).split(',').map((s) => {
    if (s !== 'dev' && s !== 'infill' && s !== 'infill-doc' && s !== 'repo') throw new UsageError(`--source must be dev, infill, infill-doc, repo or a comma list of them (dev,infill,repo), got '${s}'`);
    return { kind: s };
  });
  const heads = v.draft === undefined ? [] : v.draft.split(',').map((h) => {
    if (!h.endsWith('.gguf')) throw new UsageError(`--draft takes the paths of trained heads (.gguf), comma-separated, got '${h}'`);
    if (!fs.existsSync(h)) throw new UsageError(`draft head not found: ${h}; check the path`);
    return path.resolve(h);
  });
  const depths = (v.depths ?? (quick ? '4' : '2,3,4,6')).split(',').map((x) => int(x.trim(), 'depths', 1, 1));
  const contextTokens = contextList(v['context-tokens']);
  const cacheDocuments = boundedList(v['cache-documents'], 'cache-documents', 1, 8, '1 to 8 documents (prism.cacheDocuments)');
  const timeBudgetsMs = timeBudgetList(v['time-budget']);
  const firstLineBudgetsMs = firstLineBudgetList(v['first-line-budget']);
  const enterWaits = waitList(v['enter-wait'], 'enter-wait');
  const memberWaits = waitList(v['member-wait'], 'member-wait');
  const progressive = onOffList(v.progressive);
  let only: RegExp | undefined;
  try {
    only = v.only === undefined ? undefined : new RegExp(v.only);
  } catch {
    throw new UsageError(`--only must be a regular expression over configuration names (e.g. 'hybrid|auto'), got '${v.only}'`);
  }
  const mixes = (flag: 'hybrid' | 'auto-start'): [number, number][] | undefined => v[flag]?.split(',').map((x): [number, number] => {
    const m = /^\s*(\d+)\+(\d+)\s*$/.exec(x);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[1]) > 12 || Number(m[2]) > 12) throw new UsageError(`--${flag} takes lookup+head chain depths (1-12), comma-separated (e.g. 3+3,5+2), got '${v[flag]}'`);
    return [Number(m[1]), Number(m[2])];
  });
  const hybridMixes = mixes('hybrid');
  const autoStarts = mixes('auto-start');
  const treeShapes = v['tree-shapes']?.split(',').map((x) => {
    const m = /^\s*d(\d+)k(\d+)n(\d+)\s*$/.exec(x);
    const [depth, topK, totalTokens] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    if (!m || depth < 1 || depth > 12 || topK < 1 || topK > 8 || totalTokens < depth || totalTokens > 64) {
      throw new UsageError(`--tree-shapes takes dynamic trees as dDEPTHkCHILDRENnNODES (depth 1-12, 1-8 children, depth to 64 nodes), comma-separated (e.g. d3k2n5,d4k2n8), got '${x.trim()}'`);
    }
    return { depth, topK, totalTokens };
  });
  const grow = growDepth(v.grow);
  const headSiblings = v['head-sibling']?.split(',').map((x) => {
    const m = /^\s*([0-9.]+)(?::(\d+))?\s*$/.exec(x);
    const minProb = m ? Number(m[1]) : NaN;
    if (!m || !(minProb >= 0 && minProb <= 1)) throw new UsageError(`--head-sibling takes the head probabilities (0 to 1) at which its top token joins lookup's first, each with :N to do so only beside lookup matches of at most N tokens, comma-separated (e.g. 0.2,0.2:3), got '${x.trim()}'`);
    return { minProb, ...(m[2] !== undefined ? { maxMatch: Number(m[2]) } : {}) };
  });
  if (headSiblings && v.tree !== 'dynamic' && v.tree !== 'static' && !v.inexact) {
    throw new UsageError('--head-sibling drafts trees, which need the tree-exact attention: add --tree dynamic (or --inexact)');
  }
  if (treeShapes && v.tree !== 'dynamic' && v.tree !== 'static' && !v.inexact) {
    throw new UsageError('--tree-shapes needs the tree-exact attention: add --tree dynamic (or --inexact)');
  }
  // node-llama-cpp is a dev dependency: an installed extension benchmarks what ships.
  const llamaCpp = !v['no-llama'] && llamaCppInstalled();
  if (!v['no-llama'] && !llamaCpp) console.error('bench: node-llama-cpp is not installed here; its rows are left out');
  const decode: DecodeReport[] = [];
  const decodeSteps = v['no-decode'] ? 0 : sources.length;
  const traceSteps = cmd === 'bench' && !v['no-trace'] ? 1 : 0;
  const steps = decodeSteps + traceSteps + (cmd === 'bench' && v.quality ? 1 : 0);
  for (const [i, source] of (v['no-decode'] ? [] : sources).entries()) {
    const r = await benchDecode({
      load, positions: int(v.positions, 'positions', quick ? 4 : 24, 1), tokens: int(v.tokens, 'tokens', quick ? 24 : 48, 2), source, heads,
      llamaCpp, depths, full: Boolean(v.full), treeShapes, adaptive: Boolean(v.adaptive), grow, headSiblings, autoMaxDepth: v['auto-max-depth'] === undefined ? undefined : int(v['auto-max-depth'], 'auto-max-depth', 4, 1), hybridMixes, autoStarts, only, progress: (f, m) => progress((i + f) / steps, m),
    });
    decode.push(r);
    if (!v.json) console.log(`\n${decodeTable(r)}\n`);
  }
  let trace: TraceRow[] = [];
  const api = v['remote-api'] ?? 'auto';
  if (api !== 'auto' && api !== 'infill' && api !== 'completions' && api !== 'completions-suffix') throw new UsageError(`--remote-api must be auto, infill, completions or completions-suffix, got '${api}'`);
  if (v.backend !== undefined && !isHttpUrl(v.backend)) throw new UsageError(`--backend must be an http:// or https:// URL of a completion server, got '${v.backend}'`);
  const remote = v.backend ? { url: v.backend, model: v['remote-model'] ?? '', api, apiKey: process.env.PRISM_REMOTE_API_KEY } as const : undefined;
  if (cmd === 'bench' && !v['no-trace']) {
    // 'remote' in --modes: only the remote row (it needs --backend; with --backend it is always run).
    const listed = (v.modes ?? (quick ? 'none,auto' : 'none,ngram,prism,eagle3,auto')).split(',');
    if (listed.includes('remote') && !remote) throw new UsageError('--modes remote needs --backend URL');
    const modes = listed.filter((m) => m !== 'remote').map((m) => {
      if (!isDraftMode(m)) throw new UsageError(`--modes takes ${DRAFT_MODES.join(', ')} (and remote with --backend), got '${m}'`);
      return m;
    }).filter((m) => !isHeadKind(m) || headFor(m, load.modelPath) !== undefined);
    trace = await benchTrace({
      modelPath: v.model ? load.modelPath : undefined, modes, files: int(v['trace-files'], 'trace-files', quick ? 2 : 8, 1),
      chars: int(v['trace-chars'], 'trace-chars', quick ? 40 : 120, 10), msPerChar: 180, pauseMs: 700, memberPause: v['member-pause'] === undefined ? undefined : fraction(v['member-pause'], 'member-pause'), dir: v.dir, threads: load.threads,
      comparePrefill: Boolean(v['compare-prefill']), contextTokens, cacheDocuments, timeBudgetsMs, firstLineBudgetsMs, enterWaits, memberWaits, progressive, autoIndent: Boolean(v['auto-indent']), autoClose: Boolean(v['auto-close']), grow, openPauseMs: int(v['open-pause'], 'open-pause', 4000, 0), remote,
      progress: (f, m) => progress((decodeSteps + f) / steps, m),
    });
    if (!v.json) console.log(`\n${traceTable(trace)}\n`);
  }
  // --quality: the completion-quality benchmark too (dev-split positions, or --dir), in the same report.
  const quality = cmd === 'bench' && v.quality
    ? await benchQuality({ load, files: int(v.files, 'files', quick ? 4 : 12, 1), perKind: 1, dir: v.dir, llamaCpp, progress: (f, m) => progress((decodeSteps + traceSteps + f) / steps, m) })
    : undefined;
  if (quality && !v.json) console.log(`\n${qualityTable(quality)}\n`);
  const report = { command: `prism-complete ${argv.join(' ')}`, date: new Date().toISOString(), machine: machine(), decode, trace, quality };
  if (v.out) {
    writeReport(path.resolve(v.out), report);
    console.error(`bench: report in ${path.join(path.resolve(v.out), 'report.md')}`);
  }
  console.log(JSON.stringify({ bench: cmd, ...report, trace: trace.map(({ latencies: _l, ...t }) => t) }));
  const mismatches = decode.reduce((s, d) => s + d.mismatches, 0);
  if (mismatches > 0) throw new Error(`${mismatches} speculative outputs differ from plain greedy decoding`);
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`prism-complete: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const cmd = positionals[0];
  if (v.help || !cmd) { console.log(USAGE); return cmd || v.help ? 0 : 2; }
  try {
    if (cmd === 'complete') await cmdComplete(v);
    else if (cmd === 'demo') await cmdDemo(v);
    else if (cmd === 'bench-plain') {
      await benchPlain({ load: loadOptions(v), repeats: int(v.repeats, 'repeats', 5, 1), tokens: int(v.tokens, 'tokens', 64, 2), promptTokens: intList(v['prompt-tokens'], 'prompt-tokens', [256]), json: Boolean(v.json) });
    }
    else if (cmd === 'export-graph') cmdExportGraph(v);
    else if (cmd === 'enable-cuda') return await cmdEnableCuda(v);
    else if (cmd === 'bench-quality') await cmdQuality(v);
    else if (cmd === 'bench-numerics') await cmdNumerics(v);
    else if (cmd === 'bench-blocks') await cmdBlocks(v);
    else if (cmd === 'bench' || cmd === 'bench-decode' || cmd === 'bench-spec') await cmdBench(v, cmd, argv);
    else throw new UsageError(`unknown command '${cmd}'`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) { console.error(`prism-complete: ${e.message}\n${USAGE}`); return 2; }
    console.error(`prism-complete: ${(e as Error).message ?? String(e)}`);
    if (process.env.PRISM_DEBUG) console.error((e as Error).stack);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
