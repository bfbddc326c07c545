// The completion-quality benchmark: is the ghost text *right*? At cursor positions of dev-split
// files (or a folder), placed the way users trigger completions (after Enter at the line's
// indentation, after typing a few characters of a line, mid-line), the rest of the real line is
// removed and the language server's own path (the Completer: prompt, token healing, engine,
// shaping) completes it. Scored against the removed text: exact match and edit similarity of the
// suggestion's first line, and of the whole suggestion against the real text of as many lines.
// Rows: ours as shipped, ours without token healing, and node-llama-cpp on the same GGUF given the
// same prompt text and shaped by the same rules. Empty replies are counted by cause.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DEFAULT_SETTINGS, type Settings } from '../../common/settings';
import { EngineClient } from '../engine/client';
import type { WorkerLoadOptions } from '../engine/protocol';
import { Completer, cursorContext } from '../lsp/completer';
import { fencesAreOwn, type LineMode, lineMode, shapeCompletion } from '../lsp/shape';
import { languageOf } from '../lsp/workspace';
import { projectRoot } from '../paths';
import { cursorOffsets, devFiles, folderFiles, repoFiles, sharedDataDir, type SourceFile } from './data';
import { LlamaContender } from './llama';

export type PositionKind = 'after Enter' | 'typed a few characters' | 'mid-line' | InfillKind;
const KINDS: PositionKind[] = ['after Enter', 'typed a few characters', 'mid-line'];
export type InfillKind = 'HumanEval single-line' | 'HumanEval multi-line' | 'SAFIM block';
const INFILL_SETS: { kind: InfillKind; file: string }[] = [
  { kind: 'HumanEval single-line', file: 'human-eval-infilling/HumanEval-SingleLineInfilling.jsonl.gz' },
  { kind: 'HumanEval multi-line', file: 'human-eval-infilling/HumanEval-MultiLineInfilling.jsonl.gz' },
  { kind: 'SAFIM block', file: 'safim/block_completion.jsonl.gz' },
];

export interface QualityCase { file: string; kind: PositionKind; text: string; offset: number; line: string; following: string; repo?: string }

/** Positions in a file: a line of code is cut after its indentation, a few characters, or half. */
export function qualityCases(f: SourceFile, perKind: number): QualityCase[] {
  const out: QualityCase[] = [];
  const offsets = cursorOffsets(f.content, perKind * KINDS.length * 3, f.path.length + 11);
  let k = 0;
  for (const at of offsets) {
    const kind = KINDS[k % KINDS.length] as PositionKind;
    if (out.filter((c) => c.kind === kind).length >= perKind) { k++; continue; }
    const start = f.content.lastIndexOf('\n', at) + 1;
    let end = f.content.indexOf('\n', start);
    if (end < 0) end = f.content.length;
    const lineText = f.content.slice(start, end);
    const indent = (/^[ \t]*/.exec(lineText) as RegExpExecArray)[0].length;
    const code = lineText.slice(indent);
    if (code.trim().length < 8) continue; // blank or trivial lines say little
    const cut = kind === 'after Enter' ? indent : kind === 'typed a few characters' ? indent + Math.min(3, code.length - 4) : indent + Math.floor(code.length / 2);
    const before = f.content.slice(0, start + cut);
    const after = f.content.slice(end); // the rest of the line is removed; later lines stay
    out.push({ file: f.path, kind, text: before + after, offset: before.length, line: lineText.slice(cut), following: f.content.slice(end + 1), repo: f.repo });
    k++;
  }
  return out;
}

/**
 * Cases from the infilling sets: the reference middle is removed and the cursor put where it
 * starts, with the middle's leading indentation already typed (as the editor does after Enter).
 * Every k-th record of each set, so a small count spans it.
 */
export function infillCases(evalDir: string, perSet: number): QualityCase[] {
  const out: QualityCase[] = [];
  for (const set of INFILL_SETS) {
    const recs = zlib.gunzipSync(fs.readFileSync(path.join(evalDir, set.file))).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
    for (let i = 0; i < perSet && recs.length > 0; i++) {
      const r = recs[Math.floor((i * recs.length) / perSet)] as Record<string, string>;
      let prefix: string; let middle: string; let suffix: string; let file: string;
      if (set.kind === 'SAFIM block') {
        const e = (r.eval_prompt as string).replace(/\r\n/g, '\n');
        const at = e.indexOf('{{completion}}');
        prefix = e.slice(0, at); suffix = e.slice(at + '{{completion}}'.length); middle = (r.ground_truth as string).replace(/\r\n/g, '\n');
        file = `${r.task_id}.${({ python: 'py', java: 'java', cpp: 'cpp', csharp: 'cs' } as Record<string, string>)[r.lang as string] ?? 'txt'}`;
      } else {
        prefix = r.prompt as string; middle = r.canonical_solution as string; suffix = r.suffix as string; file = `${(r.task_id as string).replace(/\//g, '-')}.py`;
      }
      const indent = prefix.endsWith('\n') || prefix === '' ? (/^[ \t]*/.exec(middle) as RegExpExecArray)[0] : '';
      prefix += indent;
      middle = middle.slice(indent.length);
      const nl = middle.indexOf('\n');
      const line = nl < 0 ? middle : middle.slice(0, nl);
      const following = (nl < 0 ? '' : middle.slice(nl + 1)) + suffix;
      if (line.trim().length === 0) continue;
      out.push({ file, kind: set.kind, text: prefix + suffix, offset: prefix.length, line, following: following.replace(/^\n/, '') });
    }
  }
  return out;
}

/** 1 - Levenshtein distance / the longer length (1: equal; both empty: 1). */
export function editSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const n = a.length;
  const m = b.length;
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= n; i++) {
    const cur = [i];
    for (let j = 1; j <= m; j++) cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return 1 - (prev[m] as number) / Math.max(n, m);
}

export interface QualityRow {
  contender: string;
  kind: PositionKind | 'all';
  n: number;
  exact_first_line: number;
  edit_sim_first_line: number;
  edit_sim_whole: number;
  empty: number;
  /** Empty replies by cause. */
  empty_causes: Record<string, number>;
}

interface Scored { kind: PositionKind; exact: boolean; sim: number; simWhole: number; empty?: string; /** The case's index. */ at?: number }

function score(c: QualityCase, shown: string): Omit<Scored, 'empty'> {
  const first = shown.split('\n')[0] ?? '';
  const lines = shown.split('\n').length;
  const real = [c.line, ...c.following.split('\n')].slice(0, lines).join('\n');
  return { kind: c.kind, exact: first.trimEnd() === c.line.trimEnd(), sim: editSimilarity(first.trimEnd(), c.line.trimEnd()), simWhole: editSimilarity(shown.trimEnd(), real.trimEnd()) };
}

function rows(contender: string, scored: Scored[]): QualityRow[] {
  const kinds = [...new Set(scored.map((x) => x.kind))];
  return (['all', ...kinds] as const).map((kind) => {
    const s = kind === 'all' ? scored : scored.filter((x) => x.kind === kind);
    const causes: Record<string, number> = {};
    for (const x of s) if (x.empty) causes[x.empty] = (causes[x.empty] ?? 0) + 1;
    const mean = (f: (x: Scored) => number): number => (s.length ? s.reduce((a, x) => a + f(x), 0) / s.length : 0);
    return {
      contender, kind, n: s.length, exact_first_line: mean((x) => (x.exact ? 1 : 0)), edit_sim_first_line: mean((x) => x.sim),
      edit_sim_whole: mean((x) => x.simWhole), empty: mean((x) => (x.empty ? 1 : 0)), empty_causes: causes,
    };
  });
}

export interface QualityOptions {
  load: WorkerLoadOptions;
  files: number;
  perKind: number;
  dir?: string;
  /** dev-split files (default), or the infilling sets (HumanEval single/multi-line, SAFIM): perKind cases each. */
  source?: 'dev' | 'infill';
  /** Also a row in the other numerics (int8 activations and 8-bit LM head when the default is fp32). */
  numerics?: boolean;
  /**
   * Also a row with cross-file context (prism.crossFileContext): before each position, two other
   * files of the same repository were "viewed" (the lines around a cursor in each).
   */
  crossFile?: boolean;
  /** Also a row with the file's name in a comment line before the prefix (`// name.ts`). */
  nameHeader?: boolean;
  /** Also a row per prompt budget (prism.contextTokens) that differs from the default setting. */
  contextTokens?: number[];
  /**
   * Also a row without the first-line time budget: what the user sees after a pause, once a line
   * the budget cut is finished at rest (Completer.scheduleLineFinish decodes it so).
   */
  atRest?: boolean;
  llamaCpp: boolean;
  progress: (fraction: number, message: string) => void;
}

/** One empty reply, kept so its cause can be read: what the model said and what shaping made of it. */
export interface EmptyReply { contender: string; file: string; kind: PositionKind; cause: string; real: string; raw: string; finish: string }

/**
 * A contender against the first (ours as shipped) on the same positions: the mean difference of
 * the first line's edit similarity with its 95% interval (paired, normal approximation), and the
 * positions where only one of the two got the first line exactly right.
 */
export interface PairedRow { contender: string; n: number; sim_diff: number; sim_diff_ci95: number; exact_only_this: number; exact_only_shipped: number }

/** A position where cutting an unfinished line at a repeat (shape.ts cutOpenRun) changed what is shown. */
export interface CutRun { contender: string; file: string; kind: PositionKind; real: string; shown: string; uncut: string; finish: string }

export interface QualityReport { bench: 'quality'; model: string; cpu: string; positions: number; rows: QualityRow[]; paired?: PairedRow[]; empties: EmptyReply[]; cutRuns?: CutRun[] }

const RAW_DUMP = process.env.PRISM_BENCH_QUALITY_RAW;
const UNCUT = 'ours, unfinished lines not cut at a repeat (the same model text)';
const AT_REST = 'ours, no first-line budget (a cut line as finished at rest)';

/** Each contender's scores against the first's, position by position (arrays in case order). */
export function pairedRows(results: Map<string, { exact: boolean; sim: number; at?: number }[]>): PairedRow[] {
  const [first, ...others] = [...results.entries()];
  if (!first) return [];
  const base = new Map(first[1].map((x, i) => [x.at ?? i, x]));
  return others.map(([contender, all]) => {
    // Positions both contenders answered (a contender may skip some: node-llama-cpp without a prompt).
    const pairs = all.flatMap((x, i) => { const b = base.get(x.at ?? i); return b ? [[x, b] as const] : []; });
    const n = pairs.length;
    const d = pairs.map(([x, b]) => x.sim - b.sim);
    const mean = n ? d.reduce((a, x) => a + x, 0) / n : 0;
    const sd = n > 1 ? Math.sqrt(d.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
    let onlyThis = 0, onlyShipped = 0;
    for (const [x, b] of pairs) {
      if (x.exact && !b.exact) onlyThis++;
      if (b.exact && !x.exact) onlyShipped++;
    }
    return { contender, n, sim_diff: mean, sim_diff_ci95: n > 1 ? (1.96 * sd) / Math.sqrt(n) : 0, exact_only_this: onlyThis, exact_only_shipped: onlyShipped };
  });
}

export async function benchQuality(o: QualityOptions): Promise<QualityReport> {
  let cases: QualityCase[];
  if (o.source === 'infill' && !o.dir) {
    cases = infillCases(path.join(sharedDataDir(projectRoot()), 'eval'), o.perKind);
  } else {
    const files = o.dir ? folderFiles(path.resolve(o.dir), o.files * 2) : devFiles(sharedDataDir(projectRoot()), o.files * 2, { minBytes: 2000, maxBytes: 40000 });
    cases = files.flatMap((f) => qualityCases(f, o.perKind)).slice(0, o.files * o.perKind * KINDS.length);
  }
  if (cases.length === 0) throw new Error(`no lines of code to complete under ${o.dir ?? 'the dev split'}; point --dir at a folder with code`);
  const engine = await EngineClient.start(o.load, () => undefined);
  const int8 = o.numerics ? await EngineClient.start({ ...o.load, graph: { ...o.load.graph, accuracyLevel: 4, head: 'int8' } }, () => undefined) : undefined;
  const llama = o.llamaCpp ? await LlamaContender.start(o.load.modelPath, o.load.threads || os.availableParallelism()) : undefined;
  const results = new Map<string, Scored[]>();
  const add = (name: string, s: Scored): void => { results.set(name, [...(results.get(name) ?? []), s]); };
  const empties: EmptyReply[] = [];
  const cutRuns: CutRun[] = [];
  // Repository-level positions: the other files of each case's repository, for the cross-file row.
  const repoOf = new Map<string, SourceFile[]>();
  if (o.crossFile) {
    for (const f of repoFiles(sharedDataDir(projectRoot()), new Set(cases.map((c) => c.repo).filter((r): r is string => r !== undefined)))) {
      repoOf.set(f.repo, [...(repoOf.get(f.repo) ?? []), f]);
    }
  }
  // Each contender's prompt is the one typing sees after a pause (its start moved back to the
  // whole budget), but the first-prompt row's: a start placed where nothing is computed yet.
  const contenders: { name: string; settings: Settings; engine: EngineClient; viewOthers?: boolean; first?: boolean; uncut?: string; nameHeader?: boolean }[] = [
    { name: 'ours (as shipped: token healing)', settings: DEFAULT_SETTINGS, engine, uncut: UNCUT },
    { name: 'ours, a prompt\'s first keystroke (short start)', settings: DEFAULT_SETTINGS, engine, first: true },
    { name: 'ours without token healing', settings: { ...DEFAULT_SETTINGS, tokenHealing: false }, engine },
    ...(int8 ? [{ name: 'ours, int8 numerics (prism.numerics: int8)', settings: { ...DEFAULT_SETTINGS, numerics: 'int8' as const }, engine: int8 }] : []),
    ...(o.crossFile ? [{ name: 'ours + cross-file context (2 files of the repository viewed)', settings: { ...DEFAULT_SETTINGS, crossFileContext: true }, engine, viewOthers: true }] : []),
    ...(o.nameHeader ? [{ name: 'ours + the file\'s name in a comment line first', settings: DEFAULT_SETTINGS, engine, nameHeader: true }] : []),
    ...(o.contextTokens ?? []).filter((n) => n !== DEFAULT_SETTINGS.contextTokens).map((n) => ({ name: `ours, ${n}-token prompts (prism.contextTokens)`, settings: { ...DEFAULT_SETTINGS, contextTokens: n }, engine })),
    ...(o.atRest ? [{ name: AT_REST, settings: { ...DEFAULT_SETTINGS, firstLineBudgetMs: 0 }, engine, uncut: `${AT_REST}, ${UNCUT.slice(6)}` }] : []),
  ];
  try {
    for (const [i, c] of cases.entries()) {
      let prompt = '';
      for (const k of contenders) {
        let seen: { prompt: string; raw: string; shaped: string; finish: string; mode: LineMode } | undefined;
        const completer = new Completer(async () => k.engine, {
          status: () => undefined, log: () => undefined, modelPath: () => o.load.modelPath,
          explain: (e) => { seen = e; }, ...(k.first ? {} : { firstShare: 0 }), ...(k.nameHeader ? { nameHeader: true } : {}),
        });
        await completer.applySettings(k.settings);
        if (k.viewOthers && c.repo) {
          const others = (repoOf.get(c.repo) ?? []).filter((f) => f.path !== c.file).sort((a, b) => (a.path < b.path ? -1 : 1));
          for (let j = 0; j < 2 && others.length > 0; j++) {
            const f = others[(i * 7 + j * 13) % others.length] as SourceFile;
            completer.viewed(`file:///bench/${f.path}`, f.content, cursorOffsets(f.content, 1, i + j)[0] ?? 0);
          }
        }
        const items = await completer.complete({ uri: `file:///bench/${c.file}`, languageId: languageOf(c.file) ?? 'plaintext', version: 1, text: c.text }, { offset: c.offset, triggerKind: 2 }, { isCancellationRequested: false, onCancellationRequested: () => undefined }, () => 1);
        const shown = items[0]?.insertText ?? '';
        prompt = seen?.prompt ?? prompt;
        let empty: string | undefined;
        if (!shown) {
          if (!seen) empty = 'not asked (filters)';
          else if (seen.raw.trim() === '') empty = `model: no text before the stop (${seen.finish})`;
          else empty = 'shaping removed it';
          empties.push({ contender: k.name, file: c.file, kind: c.kind, cause: empty, real: c.line, raw: seen?.raw ?? '', finish: seen?.finish ?? '' });
        }
        add(k.name, { ...score(c, shown), empty, at: i });
        // PRISM_BENCH_QUALITY_RAW=FILE: each reply's model text, one JSON line, for shaping rules tried offline.
        if (RAW_DUMP && seen) fs.appendFileSync(RAW_DUMP, `${JSON.stringify({ contender: k.name, at: i, file: c.file, kind: c.kind, text: c.text, offset: c.offset, line: c.line, following: c.following.slice(0, 2000), raw: seen.raw, finish: seen.finish, mode: seen.mode, shown })}\n`);
        // The same model text shaped as before unfinished lines were cut at a repeat (no model run).
        if (k.uncut) {
          const uncut = seen ? shapeCompletion(seen.raw, cursorContext(c.text, c.offset), seen.mode, { keepFences: fencesAreOwn(languageOf(c.file) ?? 'plaintext', c.text) }) : '';
          add(k.uncut, { ...score(c, uncut), empty: uncut ? undefined : empty ?? 'shaping removed it', at: i });
          if (uncut !== shown) cutRuns.push({ contender: k.name, file: c.file, kind: c.kind, real: c.line, shown, uncut, finish: seen?.finish ?? '' });
        }
      }
      if (llama && prompt) {
        const r = await llama.run(prompt, DEFAULT_SETTINGS.maxTokens, 'plain');
        const cursor = cursorContext(c.text, c.offset);
        const shown = shapeCompletion(r.text, cursor, lineMode(cursor), { open: r.tokens >= DEFAULT_SETTINGS.maxTokens, keepFences: fencesAreOwn(languageOf(c.file) ?? 'plaintext', c.text) });
        const empty = shown ? undefined : r.text.trim() === '' ? 'model: no text' : 'shaping removed it';
        if (empty) empties.push({ contender: 'node-llama-cpp (same prompt, same shaping)', file: c.file, kind: c.kind, cause: empty, real: c.line, raw: r.text, finish: '' });
        add('node-llama-cpp (same prompt, same shaping)', { ...score(c, shown), empty, at: i });
      }
      o.progress((i + 1) / cases.length, `quality: position ${i + 1}/${cases.length}`);
    }
  } finally {
    await engine.dispose();
    await int8?.dispose();
    await llama?.close();
  }
  return {
    bench: 'quality', model: path.basename(o.load.modelPath), cpu: os.cpus()[0]?.model ?? 'unknown', positions: cases.length,
    rows: [...results.entries()].flatMap(([name, s]) => rows(name, s)), paired: pairedRows(results), empties, cutRuns,
  };
}

export function qualityTable(r: QualityReport): string {
  const lines = [
    '| contender | positions | n | exact first line | edit similarity first line | edit similarity whole | empty (causes) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const x of r.rows) {
    const causes = Object.entries(x.empty_causes).map(([k, v]) => `${k}: ${v}`).join('; ');
    lines.push(`| ${x.contender} | ${x.kind} | ${x.n} | ${(100 * x.exact_first_line).toFixed(0)}% | ${x.edit_sim_first_line.toFixed(3)} | ${x.edit_sim_whole.toFixed(3)} | ${(100 * x.empty).toFixed(0)}%${causes ? ` (${causes})` : ''} |`);
  }
  const first = r.rows[0]?.contender;
  if (r.paired?.length && first) {
    lines.push('', `Against ${first}, position by position:`, '', '| contender | positions | edit similarity first line, difference (95% interval) | first line exact: only this / only as shipped |', '|---|---|---|---|');
    for (const p of r.paired) {
      const sign = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
      lines.push(`| ${p.contender} | ${p.n} | ${sign(p.sim_diff)} (${sign(p.sim_diff - p.sim_diff_ci95)} to ${sign(p.sim_diff + p.sim_diff_ci95)}) | ${p.exact_only_this} / ${p.exact_only_shipped} |`);
    }
  }
  return lines.join('\n');
}

/** The positions where cutting an unfinished line at a repeat changed the ghost text: shown, and what it was. */
export function cutRunsList(r: QualityReport): string {
  const runs = r.cutRuns ?? [];
  if (runs.length === 0) return 'No unfinished line was cut at a repeat.';
  const q = (s: string): string => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s).replace(/\|/g, '\\|');
  return ['| contender | file | position | finish | real line | shown | not cut |', '|---|---|---|---|---|---|---|',
    ...runs.map((x) => `| ${x.contender} | ${x.file} | ${x.kind} | ${x.finish} | ${q(x.real)} | ${q(x.shown)} | ${q(x.uncut)} |`)].join('\n');
}

/** The empty replies of our contenders, one line each: where, why, the real line and the raw text. */
export function emptiesList(r: QualityReport): string {
  const ours = (r.empties ?? []).filter((e) => e.contender.startsWith('ours'));
  if (ours.length === 0) return 'No empty replies from our contenders.';
  const q = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s).replace(/\|/g, '\\|');
  return ['| contender | file | position | cause | real line | raw model text |', '|---|---|---|---|---|---|',
    ...ours.map((e) => `| ${e.contender} | ${e.file} | ${e.kind} | ${e.cause}${e.finish && !e.cause.includes(e.finish) ? ` (the model stopped: ${e.finish})` : ''} | \`${q(e.real)}\` | \`${q(e.raw)}\` |`)].join('\n');
}
