// bench-numerics: which numerics should the target run in? For each numerics of our graph (fp32
// activations; int8 activations with the fp32 LM head; int8 activations with the 8-bit LM head)
// and for llama.cpp on the same GGUF, side by side in one run:
//   quality: teacher-forced over token windows of dev-split code and of the infilling sets,
//            perplexity and top-1 agreement with the fp32 reference (transformers on the same
//            dequantized weights, models/prism/reference.py);
//   cost:    ms of one target run over k = 1, 2, 4, 8, 16 rows after a fixed context, with a
//            chain mask and a tree mask, greedy outputs only (what verification fetches);
//   exactness: whether every row of a block equals the same row computed alone, bit for bit
//            (chains and trees), on the same windows.
// The rule that picks the default is spelled out in `choose` and printed with the numbers.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_GRAPH_OPTIONS, type TargetGraphOptions } from '../../kernels/llama-graph';
import { TargetModel } from '../engine/target';
import { projectRoot } from '../paths';
import { LlamaContender, median } from './llama';
import { benchPrompts } from './prompts';
import { devFiles, sharedDataDir } from './data';
import { machine } from './report';

/** The numerics our graph can run in. */
export const NUMERICS = {
  fp32: { accuracyLevel: 0, head: 'f32' },
  int8: { accuracyLevel: 4, head: 'f32' },
  'int8-head8': { accuracyLevel: 4, head: 'int8' },
  /** The default numerics with the attention that makes tree rows exact (loaded for trees; not a default candidate). */
  'int8-head8-tree-exact': { accuracyLevel: 4, head: 'int8', attention: 'tree-exact' },
} as const satisfies Record<string, Pick<TargetGraphOptions, 'accuracyLevel' | 'head' | 'attention'>>;
export type NumericsName = keyof typeof NUMERICS;

export function numericsName(g: Pick<TargetGraphOptions, 'accuracyLevel' | 'head' | 'attention'>): string {
  const act = g.accuracyLevel === 4 ? 'int8' : 'fp32';
  return `activations ${act}, LM head ${g.head === 'int8' ? 'int8 (Q8_0 weights)' : 'fp32'}${g.attention === 'tree-exact' ? ', tree-exact attention' : ''}`;
}

/** The numerics a benchmark ran in, as printed: graph options over the defaults, and exactness. */
export function numericsLabel(graph: Partial<TargetGraphOptions> | undefined, exact = true): string {
  return `${numericsName({ ...DEFAULT_GRAPH_OPTIONS, ...graph })}, ${exact ? 'exact (single rows padded)' : 'single-row kernels'}`;
}

export interface NumericsBenchOptions {
  modelPath: string;
  threads: number;
  /** Windows per source and their length in tokens. */
  windows: number;
  window: number;
  llamaCpp: boolean;
  reference: boolean;
  repeats: number;
  log: (line: string) => void;
}

interface Scores { argmax: number[][]; logp: number[][] }

export interface QualityRow { source: string; numerics: string; positions: number; ppl: number; ppl_ref: number; ppl_change: number; top1_agreement: number; mean_abs_logp_diff: number }
/** mask 'single': a one-token run on ORT's single-row kernels (the target with exact off). */
export interface CostRow { numerics: string; mask: 'chain' | 'tree' | 'single'; k: number; ms: number; vs_step: number; vs_single: number }
export interface ExactRow { numerics: string; exact: boolean; mask: 'chain' | 'tree'; rows: number; identical: number; max_abs_diff: number }

export interface NumericsReport {
  bench: 'numerics'; model: string; threads: number; machine: string; window: number; windows: number;
  quality: QualityRow[]; cost: CostRow[]; exact: ExactRow[]; chosen: string; rule: string;
}

const KS = [1, 2, 4, 8, 16];
const CONTEXT = 300;

/** A tree of k nodes, two children per node (breadth first), as parent indices. */
export function binaryTree(k: number): number[] {
  return Array.from({ length: k }, (_, i) => (i === 0 ? -1 : Math.floor((i - 1) / 2)));
}

function depthsOf(parents: readonly number[]): number[] {
  const d: number[] = [];
  parents.forEach((p, i) => { d[i] = p < 0 ? 0 : (d[p] as number) + 1; });
  return d;
}

function windowsOf(texts: string[], encode: (s: string) => number[], n: number, width: number): number[][] {
  const out: number[][] = [];
  for (const t of texts) {
    const ids = encode(t);
    if (ids.length < width) continue;
    out.push(ids.slice(ids.length - width));
    if (out.length === n) break;
  }
  return out;
}

/** Our scores for a window: one run over the whole window, every row's logits. */
export async function ourScores(target: TargetModel, windows: number[][]): Promise<Scores> {
  const V = target.cfg.vocabSize;
  const argmax: number[][] = [];
  const logp: number[][] = [];
  for (const w of windows) {
    const r = await target.forward(target.newCache(), { ids: w, rows: w.map((_, i) => i), logits: true });
    const logits = r.logits as Float32Array;
    argmax.push(Array.from(r.argmax));
    const lp: number[] = [];
    for (let i = 0; i + 1 < w.length; i++) {
      const o = i * V;
      let max = -Infinity;
      for (let j = 0; j < V; j++) max = Math.max(max, logits[o + j] as number);
      let s = 0;
      for (let j = 0; j < V; j++) s += Math.exp((logits[o + j] as number) - max);
      lp.push((logits[o + (w[i + 1] as number)] as number) - max - Math.log(s));
    }
    logp.push(lp);
  }
  return { argmax, logp };
}

function referenceScores(modelPath: string, windows: number[][]): Scores {
  const py = path.join(projectRoot(), 'models', '.venv', 'bin', 'python');
  if (!fs.existsSync(py)) throw new Error(`${py} is missing: run scripts/setup.sh (the reference needs the Python environment), or pass --no-reference`);
  const r = spawnSync(py, ['-m', 'prism.reference'], {
    input: JSON.stringify({ op: 'score', gguf: modelPath, windows }), encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, TQDM_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(`the reference failed: ${r.stderr.slice(-500)}`);
  return JSON.parse(r.stdout) as Scores;
}

export function compare(source: string, numerics: string, s: Scores, ref: Scores): QualityRow {
  let n = 0, agree = 0, nll = 0, nllRef = 0, diff = 0;
  s.logp.forEach((lp, w) => lp.forEach((v, i) => {
    const rv = ref.logp[w]?.[i] as number;
    n++;
    nll -= v;
    nllRef -= rv;
    diff += Math.abs(v - rv);
    if (s.argmax[w]?.[i] === ref.argmax[w]?.[i]) agree++;
  }));
  const ppl = Math.exp(nll / n);
  const pplRef = Math.exp(nllRef / n);
  return { source, numerics, positions: n, ppl, ppl_ref: pplRef, ppl_change: ppl / pplRef - 1, top1_agreement: agree / n, mean_abs_logp_diff: diff / n };
}

/**
 * The rule: the fastest numerics (decode step, k = 1) whose quality loss against the fp32
 * reference is no larger than llama.cpp's own on every source: top-1 agreement at least
 * llama.cpp's minus one standard error, and |perplexity change| at most llama.cpp's plus 0.5%.
 * Without llama.cpp in the run, the fastest whose top-1 agreement is >= 99% and |ppl change| <= 1%.
 */
export function choose(quality: QualityRow[], cost: CostRow[], names: string[]): { chosen: string; rule: string } {
  const llama = quality.filter((q) => q.numerics === 'llama.cpp');
  const ok = (name: string): boolean => quality.filter((q) => q.numerics === name).every((q) => {
    const l = llama.find((x) => x.source === q.source);
    if (!l) return q.top1_agreement >= 0.99 && Math.abs(q.ppl_change) <= 0.01;
    const se = Math.sqrt((l.top1_agreement * (1 - l.top1_agreement)) / l.positions);
    return q.top1_agreement >= l.top1_agreement - se && Math.abs(q.ppl_change) <= Math.abs(l.ppl_change) + 0.005;
  });
  const step = (name: string): number => cost.find((c) => c.numerics === name && c.k === 1 && c.mask === 'chain')?.ms ?? Infinity; // the exact (padded) step
  const passing = names.filter(ok).sort((a, b) => step(a) - step(b));
  const rule = llama.length > 0
    ? 'fastest decode step among the numerics whose top-1 agreement with the fp32 reference is >= llama.cpp\'s (minus one standard error) and whose |perplexity change| is <= llama.cpp\'s + 0.5%, on every source'
    : 'fastest decode step among the numerics with top-1 agreement >= 99% and |perplexity change| <= 1% (llama.cpp not in the run)';
  return { chosen: passing[0] ?? 'fp32', rule };
}

async function timeRuns(target: TargetModel, context: number[], block: number[], parents: number[] | undefined, repeats: number): Promise<number> {
  const cache = target.newCache();
  await target.extend(cache, context);
  const positions = parents ? depthsOf(parents).map((d) => context.length + d) : undefined;
  const times: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    await target.forward(cache, { ids: block, parents, positions, rows: block.map((_, i) => i) });
    if (r > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

/** Rows of a block (chain or tree) against the same rows computed one token at a time along their path. */
async function exactness(target: TargetModel, windows: number[][], numerics: string, padded: boolean): Promise<ExactRow[]> {
  const V = target.cfg.vocabSize;
  const out: ExactRow[] = [];
  for (const mask of ['chain', 'tree'] as const) {
    let rows = 0, identical = 0, maxDiff = 0;
    for (const w of windows.slice(0, 4)) {
      const cut = Math.min(120, w.length - 8);
      const ctx = w.slice(0, cut);
      const cache = target.newCache();
      await target.extend(cache, ctx);
      const k = 7;
      const parents = mask === 'chain' ? Array.from({ length: k }, (_, i) => i - 1) : binaryTree(k);
      // Node i's token: the window's token at the node's depth, so every path is real text.
      const depth = depthsOf(parents);
      const ids = depth.map((d, i) => (i > 0 && parents[i - 1] === parents[i] ? (w[cut + d] as number) + 1 : (w[cut + d] as number)));
      const block = await target.forward(cache, { ids, parents, positions: depth.map((d) => ctx.length + d), rows: ids.map((_, i) => i), logits: true });
      for (let i = 0; i < k; i++) {
        const pathIds: number[] = [];
        for (let a = i; a >= 0; a = parents[a] as number) pathIds.unshift(ids[a] as number);
        const c = target.newCache();
        await target.extend(c, ctx);
        let last: Float32Array | undefined;
        for (const t of pathIds) last = (await target.extend(c, [t], { logits: true })).logits;
        const got = (block.logits as Float32Array).subarray(i * V, (i + 1) * V);
        let d = 0;
        for (let j = 0; j < V; j++) d = Math.max(d, Math.abs((got[j] as number) - ((last as Float32Array)[j] as number)));
        rows++;
        if (d === 0) identical++;
        maxDiff = Math.max(maxDiff, d);
      }
    }
    out.push({ numerics, exact: padded, mask, rows, identical, max_abs_diff: maxDiff });
  }
  return out;
}

export async function benchNumerics(o: NumericsBenchOptions): Promise<NumericsReport> {
  const root = projectRoot();
  const names = Object.keys(NUMERICS) as NumericsName[];
  const targets = new Map<string, TargetModel>();
  const unpadded = new Map<string, TargetModel>();
  for (const n of names) {
    o.log(`loading our target in numerics ${n} (${numericsName(NUMERICS[n])})`);
    targets.set(n, await TargetModel.load({ modelPath: o.modelPath, device: 'cpu', threads: o.threads, graph: NUMERICS[n], log: o.log }));
    unpadded.set(n, await TargetModel.load({ modelPath: o.modelPath, device: 'cpu', threads: o.threads, graph: NUMERICS[n], exact: false, log: o.log }));
  }
  const first = targets.get('fp32') as TargetModel;
  const encode = (s: string): number[] => first.tokenizer.encode(s);
  const sources: Record<string, number[][]> = {
    dev: windowsOf(devFiles(sharedDataDir(root), o.windows * 4, { minBytes: 4000, maxBytes: 60000 }).map((f) => f.content), encode, o.windows, o.window),
    infill: windowsOf(benchPrompts({ kind: 'infill' }, o.windows * 6, root).map((p) => p.text), encode, o.windows, o.window),
  };
  const llama = o.llamaCpp ? await LlamaContender.start(o.modelPath, o.threads) : undefined;
  const quality: QualityRow[] = [];
  for (const [source, windows] of Object.entries(sources)) {
    o.log(`quality on ${source}: ${windows.length} windows of ${o.window} tokens`);
    if (!o.reference) o.log('the fp32 reference is our fp32 graph (--no-reference)');
    const ref = o.reference ? referenceScores(o.modelPath, windows) : await ourScores(targets.get('fp32') as TargetModel, windows);
    for (const n of names) quality.push(compare(source, n, await ourScores(targets.get(n) as TargetModel, windows), ref));
    if (llama) {
      const s: Scores = { argmax: [], logp: [] };
      for (const w of windows) { const r = await llama.score(w); s.argmax.push(r.argmax); s.logp.push(r.logp); }
      quality.push(compare(source, 'llama.cpp', s, ref));
    }
    for (const q of quality.filter((x) => x.source === source)) o.log(`  ${q.numerics}: ppl ${q.ppl.toFixed(3)} (reference ${q.ppl_ref.toFixed(3)}, ${(q.ppl_change * 100).toFixed(2)}%), top-1 agreement ${(q.top1_agreement * 100).toFixed(2)}%`);
  }

  const context = (sources.dev?.[0] ?? []).slice(0, CONTEXT);
  const blockIds = (sources.dev?.[1] ?? sources.dev?.[0] ?? []).slice(0, 16);
  const cost: CostRow[] = [];
  // Interleaved: each repeat round visits every numerics and k, so drift hits all alike.
  const acc = new Map<string, number[]>();
  for (let round = 0; round < 3; round++) {
    for (const n of names) {
      for (const mask of ['chain', 'tree'] as const) {
        for (const k of KS) {
          if (mask === 'tree' && k < 4) continue;
          const key = `${n}|${mask}|${k}`;
          const parents = mask === 'tree' ? binaryTree(k) : undefined;
          const ms = await timeRuns(targets.get(n) as TargetModel, context, blockIds.slice(0, k), parents, o.repeats);
          acc.set(key, [...(acc.get(key) ?? []), ms]);
        }
      }
      const key = `${n}|single|1`;
      acc.set(key, [...(acc.get(key) ?? []), await timeRuns(unpadded.get(n) as TargetModel, context, blockIds.slice(0, 1), undefined, o.repeats)]);
    }
    if (llama) {
      for (const k of KS) {
        const times: number[] = [];
        for (let r = 0; r <= o.repeats; r++) { const ms = await llama.verify(context, blockIds.slice(0, k)); if (r > 0) times.push(ms); }
        const key = `llama.cpp|chain|${k}`;
        acc.set(key, [...(acc.get(key) ?? []), median(times)]);
      }
    }
  }
  for (const [key, v] of acc) {
    const [numerics, mask, k] = key.split('|') as [string, CostRow['mask'], string];
    cost.push({ numerics, mask, k: Number(k), ms: median(v), vs_step: 0, vs_single: 0 });
  }
  for (const c of cost) {
    const step = cost.find((x) => x.numerics === c.numerics && x.k === 1 && x.mask === 'chain')?.ms ?? c.ms;
    c.vs_step = c.ms / step;
    c.vs_single = c.ms / (cost.find((x) => x.numerics === c.numerics && x.mask === 'single')?.ms ?? step);
  }

  const exact: ExactRow[] = [];
  for (const n of names) {
    exact.push(...await exactness(targets.get(n) as TargetModel, sources.dev ?? [], n, true));
    exact.push(...await exactness(unpadded.get(n) as TargetModel, sources.dev ?? [], n, false));
  }
  for (const t of [...targets.values(), ...unpadded.values()]) await t.dispose();
  await llama?.close();
  // The tree-exact attention computes what its numerics do, slower: it is for trees, never the default.
  const { chosen, rule } = choose(quality, cost, names.filter((n) => !('attention' in NUMERICS[n])));
  return { bench: 'numerics', model: path.basename(o.modelPath), threads: o.threads || os.availableParallelism(), machine: machine(), window: o.window, windows: o.windows, quality, cost, exact, chosen, rule };
}

export function numericsTables(r: NumericsReport): string {
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  const q = ['| source | numerics | positions | perplexity | reference ppl | ppl change | top-1 agreement | mean abs logp diff |', '|---|---|---|---|---|---|---|---|',
    ...r.quality.map((x) => `| ${x.source} | ${x.numerics} | ${x.positions} | ${x.ppl.toFixed(3)} | ${x.ppl_ref.toFixed(3)} | ${x.ppl_change >= 0 ? '+' : ''}${pct(x.ppl_change)} | ${pct(x.top1_agreement)} | ${x.mean_abs_logp_diff.toFixed(4)} |`)];
  const numerics = [...new Set(r.cost.map((c) => c.numerics))];
  const label = { chain: 'chain', tree: 'tree', single: 'one row, single-row kernels (exact off)' };
  const c = ['| numerics | run | ' + KS.map((k) => `k=${k}`).join(' | ') + ' |', '|---|---|' + KS.map(() => '---|').join(''),
    ...numerics.flatMap((n) => (['chain', 'tree', 'single'] as const).map((m) => {
      const cells = KS.map((k) => { const x = r.cost.find((y) => y.numerics === n && y.mask === m && y.k === k); return x ? `${x.ms.toFixed(1)} (${x.vs_step.toFixed(2)}x / ${x.vs_single.toFixed(2)}x)` : '' ; });
      return cells.some(Boolean) ? `| ${n} | ${label[m]} | ${cells.join(' | ')} |` : '';
    }).filter(Boolean))];
  const e = ['| numerics | single rows | mask | rows | identical to the row decoded alone | max abs logit diff |', '|---|---|---|---|---|---|',
    ...r.exact.map((x) => `| ${x.numerics} | ${x.exact ? 'padded (exact)' : 'single-row kernels'} | ${x.mask} | ${x.rows} | ${x.identical} | ${x.max_abs_diff.toExponential(2)} |`)];
  return [`${r.machine}; ${r.model}, ${r.threads} threads; windows of ${r.window} tokens.`, '', '### Quality against the fp32 reference (teacher-forced)', '', ...q, '',
    '### ms per target run over k rows after a 300-token context (greedy outputs; median of 3 interleaved rounds of medians; a / b = vs the exact one-token step (padded to 2 rows) / vs the single-row-kernel step)', '', ...c, '',
    '### Exactness: a block\'s rows against the same rows decoded one token at a time', '', ...e, '',
    `Default chosen: **${r.chosen}** (${r.rule}).`].join('\n');
}
