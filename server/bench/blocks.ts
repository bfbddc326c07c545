// Blocks after Enter, as a user writes new code: at lines that open a block (`:` or `{` at the end,
// the next line indented deeper) in dev-split files, the block's body is taken out and the cursor
// put on the new, indented line, the prompt prefilled first (as when the user has been editing
// there). Two language servers, prism.progressive on and off, get the same documents and
// complete each block in turn (alternating which goes first): time to the first ghost text and to
// the whole block, and whether both end with the same block (time budgets may cut them apart).
// `--sites lines`: the same at long lines cut after their `= ` or `return ` (one line to complete,
// which the first-line budget may cut: on, it is finished when the user pauses).
import * as path from 'node:path';
import { DidOpenTextDocumentNotification, InlineCompletionRequest, type InlineCompletionItem } from 'vscode-languageserver-protocol';
import { CONTINUATION, type ContinuationParams, PREFILL, STATS } from '../../common/protocol';
import type { DraftMode } from '../../common/settings';
import { projectRoot } from '../paths';
import { devFiles, folderFiles, sharedDataDir } from './data';
import { startLspServer, stopLspServer } from './lsp-client';
import { q } from './trace';

export interface BlockOptions {
  files: number;
  /** Block positions per file at most. */
  perFile: number;
  dir?: string;
  modelPath?: string;
  threads?: number;
  mode: DraftMode;
  /** Blocks after Enter (blockSites), or long lines cut after `= ` / `return ` (lineSites). */
  sites?: 'blocks' | 'lines';
  progress: (fraction: number, what: string) => void;
}

/** One block position: the document with the body taken out, the cursor on the new line. */
export interface BlockSite { name: string; lang: string; before: string; after: string }

export interface BlockSample {
  site: string;
  /** progressive on: request to the reply (the first line, or the whole block), and to the whole block. */
  on_first_ms: number;
  on_block_ms: number;
  /** Whether the block came in two parts (a first-line reply, then prism/continuation). */
  two_parts: boolean;
  /** progressive off: request to the reply (the whole block). */
  off_ms: number;
  /** Both settings ended with the same text (time budgets may cut them apart: prism.timeBudgetMs, firstLineBudgetMs). */
  same: boolean;
  on_text: string;
  off_text: string;
  lines: number;
}

export interface BlockReport {
  mode: DraftMode;
  sites?: 'blocks' | 'lines';
  samples: BlockSample[];
  on_first_ms: { p50: number; p95: number };
  on_block_ms: { p50: number; p95: number };
  off_ms: { p50: number; p95: number };
  two_parts: number;
  same: number;
}

const indentOf = (l: string): number => (/^[ \t]*/.exec(l)?.[0] ?? '').replace(/\t/g, '    ').length;

/**
 * Block positions in a file: from 30% of the way in, a line ending in `:` or `{` whose next
 * non-empty line is indented deeper; the body (the following lines indented deeper) is removed
 * and the cursor sits on a new line at the body's indentation. At most `max`, spread out.
 */
export function blockSites(name: string, lang: string, content: string, max: number): BlockSite[] {
  const lines = content.split('\n');
  const out: BlockSite[] = [];
  for (let i = Math.floor(lines.length * 0.3); i < lines.length - 2 && out.length < max; i++) {
    const l = lines[i] as string;
    if (!/[:{]\s*$/.test(l) || l.trim().startsWith('#') || l.trim().startsWith('//')) continue;
    const next = lines.findIndex((x, j) => j > i && x.trim().length > 0);
    if (next < 0 || indentOf(lines[next] as string) <= indentOf(l)) continue;
    let end = next;
    while (end < lines.length && ((lines[end] as string).trim().length === 0 || indentOf(lines[end] as string) > indentOf(l))) end++;
    while (end > next && (lines[end - 1] as string).trim().length === 0) end--; // blank lines after the body stay
    const body = (lines[next] as string).slice(0, (lines[next] as string).length - (lines[next] as string).trimStart().length);
    out.push({ name: `${name}:${i + 1}`, lang, before: `${lines.slice(0, i + 1).join('\n')}\n${body}`, after: `\n${lines.slice(end).join('\n')}` });
    i = end + 20; // the next site well after this block
  }
  return out;
}

/**
 * Line positions in a file: from 30% of the way in, a line (not a comment) cut after its first
 * ` = ` or `return ` with at least 24 characters of it left (what the user is about to write);
 * the rest of the line is taken out, the cursor at the cut (one line to complete). At most `max`,
 * spread out.
 */
export function lineSites(name: string, lang: string, content: string, max: number): BlockSite[] {
  const lines = content.split('\n');
  const out: BlockSite[] = [];
  for (let i = Math.floor(lines.length * 0.3); i < lines.length - 1 && out.length < max; i++) {
    const l = lines[i] as string;
    const t = l.trim();
    if (/^(#|\/\/|\*|\/\*)/.test(t)) continue;
    const m = /(?<=\S) = |(?<=^\s*)return /.exec(l);
    if (!m) continue;
    const cut = m.index + m[0].length;
    if (l.trimEnd().length - cut < 24) continue;
    const before = lines.slice(0, i).join('\n');
    out.push({ name: `${name}:${i + 1}`, lang, before: `${before}${i > 0 ? '\n' : ''}${l.slice(0, cut)}`, after: `\n${lines.slice(i + 1).join('\n')}` });
    i += 20;
  }
  return out;
}

export async function benchBlocks(o: BlockOptions): Promise<BlockReport> {
  const files = o.dir ? folderFiles(path.resolve(o.dir), o.files * 3) : devFiles(sharedDataDir(projectRoot()), o.files * 3, { minBytes: 3000, maxBytes: 40000 });
  const lines = o.sites === 'lines';
  const sites = files.flatMap((f) => (lines ? lineSites : blockSites)(f.path, f.lang || 'plaintext', f.content, o.perFile)).slice(0, o.files * o.perFile);
  if (sites.length === 0) throw new Error(lines ? `no line to complete in ${o.dir ?? 'the dev split'}: bench-blocks --sites lines needs lines with ' = ' or 'return ' and 24 characters after it` : `no block to complete in ${o.dir ?? 'the dev split'}: bench-blocks needs lines that end in ':' or '{' with an indented body`);
  const base = { modelPath: o.modelPath ?? '', threads: o.threads ?? 0, draft: { mode: o.mode }, languages: { '*': true } };
  // One server per setting, given the same documents in the same order: their prompt windows and
  // caches evolve alike, so both complete the same prompts (one waits while the other works).
  const servers = { on: await startLspServer({ ...base, progressive: true }), off: await startLspServer({ ...base, progressive: false }) };
  const rests = new Map<string, (p: ContinuationParams) => void>();
  servers.on.conn.onNotification(CONTINUATION, (p: ContinuationParams) => rests.get(p.textDocument.uri)?.(p));
  const text = (r: InlineCompletionItem[] | { items: InlineCompletionItem[] } | null): string => {
    const first = (r === null ? [] : Array.isArray(r) ? r : r.items)[0];
    return first && typeof first.insertText === 'string' ? first.insertText : '';
  };
  const samples: BlockSample[] = [];
  try {
    for (const s of Object.values(servers)) {
      // Load the model before the clock starts.
      const warm = 'file:///bench/warmup.py';
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
      await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 2 } });
    }
    /** One request at the site: ms to the reply, ms to the whole block, the final text. */
    const ask = async (on: boolean, uri: string, site: BlockSite): Promise<{ replyMs: number; blockMs: number; text: string; twoParts: boolean }> => {
      const { conn } = on ? servers.on : servers.off;
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: site.lang, version: 1, text: site.before + site.after } });
      const lines = site.before.split('\n');
      const position = { line: lines.length - 1, character: (lines.at(-1) as string).length };
      // The user has been editing here: the prompt is in the KV cache (the extension's prefill on a resting cursor).
      const prefills = (await conn.sendRequest(STATS)).prefills;
      await conn.sendNotification(PREFILL, { textDocument: { uri }, position, reason: 'rest' });
      for (const end = Date.now() + 30_000; (await conn.sendRequest(STATS)).prefills === prefills && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
      const before = await conn.sendRequest(STATS);
      const block = new Promise<{ t: number; text: string }>((resolve) => { rests.set(uri, (p) => resolve({ t: performance.now(), text: p.insertText })); });
      const t0 = performance.now();
      const reply = text(await conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position, context: { triggerKind: 2 } }));
      const replyMs = performance.now() - t0;
      // A first-line reply is followed by the block (the server counts such replies) or by nothing,
      // when the block turned out to be that line: then the reply was the whole block. A line its
      // budget cut is finished after the pause (counted when scheduled and when done, sent or not).
      const after = await conn.sendRequest(STATS);
      const cut = on && after.linesCut > before.linesCut;
      if (!(on && after.firstLines > before.firstLines) && !cut) return { replyMs, blockMs: replyMs, text: reply, twoParts: false };
      const finished = cut
        ? (async (): Promise<undefined> => { for (const end = Date.now() + 30_000; (await conn.sendRequest(STATS)).lineFinishes === before.lineFinishes && Date.now() < end;) await new Promise((r) => setTimeout(r, 20)); await new Promise((r) => setTimeout(r, 50)); })()
        : new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000));
      const done = await Promise.race([block, finished]);
      return done ? { replyMs, blockMs: done.t - t0, text: done.text, twoParts: true } : { replyMs, blockMs: replyMs, text: reply, twoParts: false };
    };
    for (const [k, site] of sites.entries()) {
      const uri = `file:///bench/block-${k}-${path.basename(site.name.split(':')[0] as string)}`;
      const got: Partial<Record<'on' | 'off', Awaited<ReturnType<typeof ask>>>> = {};
      for (const on of k % 2 === 0 ? [true, false] : [false, true]) got[on ? 'on' : 'off'] = await ask(on, uri, site);
      const on = got.on as Awaited<ReturnType<typeof ask>>;
      const off = got.off as Awaited<ReturnType<typeof ask>>;
      samples.push({ site: site.name, on_first_ms: on.replyMs, on_block_ms: on.blockMs, two_parts: on.twoParts, off_ms: off.replyMs, same: on.text === off.text, on_text: on.text, off_text: off.text, lines: off.text.split('\n').length });
      o.progress((k + 1) / sites.length, `blocks: ${k + 1}/${sites.length}`);
    }
  } finally {
    // PRISM_BENCH_LOGS=1: each language server's log (its completions, cut and finished lines) on stderr, to read why.
    if (process.env.PRISM_BENCH_LOGS) for (const [k, s] of Object.entries(servers)) for (const l of s.logs) console.error(`${k}: ${l}`);
    await stopLspServer(servers.on);
    await stopLspServer(servers.off);
  }
  return {
    mode: o.mode, sites: lines ? 'lines' : 'blocks', samples,
    on_first_ms: { p50: q(samples.map((s) => s.on_first_ms), 0.5), p95: q(samples.map((s) => s.on_first_ms), 0.95) },
    on_block_ms: { p50: q(samples.map((s) => s.on_block_ms), 0.5), p95: q(samples.map((s) => s.on_block_ms), 0.95) },
    off_ms: { p50: q(samples.map((s) => s.off_ms), 0.5), p95: q(samples.map((s) => s.off_ms), 0.95) },
    two_parts: samples.filter((s) => s.two_parts).length,
    same: samples.filter((s) => s.same).length,
  };
}

export function blocksTable(r: BlockReport): string {
  const n = r.samples.length;
  const two = r.samples.filter((s) => s.two_parts);
  const p = (xs: number[]): string => `${q(xs, 0.5).toFixed(0)} / ${q(xs, 0.95).toFixed(0)}`;
  const what = r.sites === 'lines' ? 'line' : 'block';
  return [
    `| positions (${r.mode}) | first ghost text, progressive on: p50 / p95 ms | whole ${what}, progressive on | whole ${what}, progressive off | ${what}s in two parts | same final text |`,
    '|---|---|---|---|---|---|',
    `| all ${n} | ${p(r.samples.map((s) => s.on_first_ms))} | ${p(r.samples.map((s) => s.on_block_ms))} | ${p(r.samples.map((s) => s.off_ms))} | ${two.length} | ${r.same} of ${n} |`,
    `| the ${two.length} in two parts | ${p(two.map((s) => s.on_first_ms))} | ${p(two.map((s) => s.on_block_ms))} | ${p(two.map((s) => s.off_ms))} | ${two.length} | ${two.filter((s) => s.same).length} of ${two.length} |`,
  ].join('\n');
}
