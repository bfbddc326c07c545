// The typing-trace benchmark: what a user feels. The real language server (dist/server.js) runs
// as a child process; a simulated editor opens real dev-split files, removes the text after a
// cursor and types it back character by character (jittered speed, pauses at line ends), and asks
// for completions through the extension's own decision flow (common/inline-flow.ts: suggestion
// cache, adaptive debounce, each request cancelled by the next keystroke, as VS Code does).
// Each file is opened the way the extension does it: prism/prefill for the cursor (the document
// became active), a reading pause, then typing. Rows per draft mode, with and without that
// prefill when asked (`comparePrefill`): the first reply in a just-opened file (asked at the cursor
// after the reading pause, before typing) against the replies while typing,
// request -> ghost text latency (p50/p95/p99; single-line and all),
// keystroke -> ghost text, cache hits, cancelled requests, prompt tokens reused vs recomputed,
// server CPU time per accepted character, server memory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type CancellationToken, CancellationTokenSource, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, InlineCompletionRequest,
  type InlineCompletionItem,
} from 'vscode-languageserver-protocol/node';
import { stopKey } from '../../common/debounce';
import { flowKey, InlineFlow } from '../../common/inline-flow';
import { AutoCloser } from './auto-close';
import { CONTINUATION, PREFILL, STATS } from '../../common/protocol';
import type { DraftMode, RemoteApi } from '../../common/settings';
import { commonPrefix } from '../engine/draft-tree';
import { Rng } from '../engine/sampler';
import { cursorContext } from '../lsp/completer';
import { lineMode } from '../lsp/shape';
import { projectRoot } from '../paths';
import { cursorOffsets, devFiles, folderFiles, sharedDataDir } from './data';
import { startLspServer, stopLspServer } from './lsp-client';

export interface TraceOptions {
  modelPath?: string;
  modes: DraftMode[];
  files: number;
  /** Characters typed per file. */
  chars: number;
  msPerChar: number;
  pauseMs: number;
  /** How often the typist pauses after a member access (0-1; absent: as after any key, 0.12). */
  memberPause?: number;
  dir?: string;
  threads?: number;
  /** Prompt budgets (prism.contextTokens) to type with, each a row per mode; undefined: the default setting. */
  contextTokens?: number[];
  /** Documents kept in the KV cache (prism.cacheDocuments) to type with, each a row per mode; undefined: the default setting. */
  cacheDocuments?: number[];
  /** Completion time budgets (prism.timeBudgetMs) to type with, each a row per mode; undefined: the default setting. */
  timeBudgetsMs?: number[];
  /** First-line time budgets (prism.firstLineBudgetMs, 0: none) to type with, each a row per mode; undefined: the default setting. */
  firstLineBudgetsMs?: number[];
  /** Also type with chains that grow up to this depth (prism.draft.grow), a row per mode. */
  grow?: number;
  /** The client's wait after Enter (DebounceOptions.newlineMin: 'min', the default, or the typing rhythm's), each a row per mode. */
  enterWaits?: EnterWait[];
  /** The client's wait after a member access ('.', '->', '::'; DebounceOptions.memberMin: 'min', the default, or the typing rhythm's), each a row per mode. */
  memberWaits?: EnterWait[];
  /** Type Enter as VS Code does with auto-indent: the line break and the next line's indentation in one change. */
  autoIndent?: boolean;
  /** Type as VS Code does with its auto-closing pairs: an opener's closer added after the cursor, a closer it added stepped over (server/bench/auto-close.ts). */
  autoClose?: boolean;
  /** Rows with prism.progressive on and off (absent: the server's default). */
  progressive?: boolean[];
  /** Also run every mode without the prefill on opening (the first-request comparison). */
  comparePrefill?: boolean;
  /** How long the user looks at a just-opened file before the first completion (ms). */
  openPauseMs: number;
  /** Also type against a remote server (the language server's remote backend): a row 'remote'. */
  remote?: { url: string; model: string; api: RemoteApi; apiKey?: string };
  progress: (fraction: number, message: string) => void;
}

export type EnterWait = 'min' | 'rhythm';

export interface TraceRow {
  mode: string;
  /** The client's wait after Enter when the run set it. */
  enter_wait?: EnterWait;
  /** The client's wait after a member access when the run set it. */
  member_wait?: EnterWait;
  /** Enter typed with the next line's indentation in one change (TraceOptions.autoIndent). */
  auto_indent?: boolean;
  /** Typed with VS Code's auto-closing pairs (TraceOptions.autoClose). */
  auto_close?: boolean;
  /** With auto-closing: keystrokes after which the editor's closers stood after the cursor, and how many of them the client's cache answered. */
  auto_closed_keys?: { keys: number; cache: number };
  /** Keystroke to ghost text for the server replies to requests made right after Enter. */
  after_enter_ms?: { p50: number; p95: number; n: number };
  /** Keystroke to ghost text for the server replies to requests made right after a member access. */
  after_member_ms?: { p50: number; p95: number; n: number };
  /** Member-access keystrokes and what became of their requests: the cache answered, cancelled (or not asked), nothing to show, shown. */
  member_requests?: { keys: number; cache: number; cancelled: number; empty: number; shown: number };
  /** prism.progressive when the run set it. */
  progressive?: boolean;
  /**
   * Replies that held a completion's beginning and whose whole came after them (prism.progressive,
   * prism/continuation): keystroke to the whole, all of them and those right after Enter.
   */
  whole_ms?: { p50: number; p95: number; n: number };
  after_enter_whole_ms?: { p50: number; p95: number; n: number };
  /** The prompt budget (prism.contextTokens) when the run set one; absent: the default. */
  context_tokens?: number;
  /** prism.cacheDocuments when the run set it. */
  cache_documents?: number;
  /** The completion time budget (prism.timeBudgetMs) when the run set one; absent: the default. */
  time_budget_ms?: number;
  /** prism.firstLineBudgetMs when the run set it. */
  first_line_budget_ms?: number;
  /** prism.draft.grow when the run set it. */
  grow?: number;
  /** Whether each file's cursor was prefilled when it was opened (prism/prefill). */
  prefill: boolean;
  /** p50 over files of the first reply after opening the file, and p50 of the later replies. */
  first_reply_ms: number;
  later_reply_ms: number;
  /** p50 of the later replies in the same line mode (one line, or a block) as their file's first request. */
  later_same_kind_reply_ms: number;
  /** Each file's first reply (ms), in file order, and the same request sent again right after it. */
  first_replies_ms: number[];
  first_repeats_ms: number[];
  /** p50 over files of first reply / the same request again (1.0: the first request is not cold). */
  first_over_repeat: number;
  keystrokes: number;
  requests: number;
  replies: number;
  cancelled: number;
  cache_hits: number;
  cache_hit_rate: number;
  latency_ms: { p50: number; p95: number; p99: number };
  single_line_latency_ms: { p50: number; p95: number; p99: number; n: number };
  keystroke_to_ghost_ms: { p50: number; p95: number };
  /**
   * Keystrokes answered with ghost text (from the cache or a server reply that came before the
   * next key), those whose ghost text begins with the character the typist types next, and how
   * many of those the cache answered. Unlike accepted_chars, which sums every server reply's
   * right characters (the same characters again in each reply that repeats them), each key counts once.
   */
  ghost_keys?: { shown: number; right: number; right_from_cache: number };
  prompt_tokens: number;
  reused_tokens: number;
  accepted_chars: number;
  suggestions_fully_right: number;
  cpu_s: number;
  cpu_ms_per_accepted_char: number;
  server_rss_peak_mib: number;
  /**
   * Remote rows: the server's own request latency (the HTTP request as the language server saw it)
   * p50 over the replies, and our overhead: ghost-text latency minus that, per reply, p50 / p95.
   */
  remote_server_ms?: { p50: number; p95: number };
  remote_overhead_ms?: { p50: number; p95: number; n: number };
  /** Server CPU while idle for 3 s after the trace (share of one core). */
  idle_cpu_pct: number;
  latencies: number[];
}

/** The p-quantile of xs (0 for none). */
export const q = (xs: number[], p: number): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of a process, all its threads. */
function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

export async function benchTrace(o: TraceOptions): Promise<TraceRow[]> {
  const files = (o.dir ? folderFiles(path.resolve(o.dir), o.files * 3) : devFiles(sharedDataDir(projectRoot()), o.files * 3, { minBytes: 3000, maxBytes: 40000 }))
    .filter((f) => f.content.length > (o.dir ? 800 : 2000)).slice(0, o.files);
  if (files.length === 0) throw new Error(`no source file of 800 B to 200 KB under ${o.dir ?? 'the dev split'} to type into; point --dir at a folder with code`);
  const rows: TraceRow[] = [];
  const contexts = o.contextTokens ?? [undefined];
  const kept = o.cacheDocuments ?? [undefined];
  const budgets = o.timeBudgetsMs ?? [undefined];
  const firstLines = o.firstLineBudgetsMs ?? [undefined];
  const enterWaits = o.enterWaits ?? [undefined];
  const memberWaits = o.memberWaits ?? [undefined];
  const progressives = o.progressive ?? [undefined];
  type Run = { mode: DraftMode | 'remote'; prefill: boolean; context?: number; cacheDocs?: number; budget?: number; firstLine?: number; grow?: number; enterWait?: EnterWait; memberWait?: EnterWait; progressive?: boolean };
  const runs: Run[] = progressives.flatMap((progressive) => memberWaits.flatMap((memberWait) => enterWaits.flatMap((enterWait) => contexts.flatMap((context) => kept.flatMap((cacheDocs) => budgets.flatMap((budget) => firstLines.flatMap((firstLine) => o.modes.flatMap((mode): Run[] =>
    (o.comparePrefill ? [{ mode, prefill: true, context, cacheDocs, budget, firstLine, enterWait, memberWait, progressive }, { mode, prefill: false, context, cacheDocs, budget, firstLine, enterWait, memberWait, progressive }] : [{ mode, prefill: true, context, cacheDocs, budget, firstLine, enterWait, memberWait, progressive }])))))))));
  if (o.grow) runs.push(...o.modes.filter((m) => m !== 'none').map((mode): Run => ({ mode, prefill: true, grow: o.grow })));
  if (o.remote) runs.push({ mode: 'remote', prefill: true });
  for (const [mi, { mode, prefill, context, cacheDocs, budget, firstLine, grow, enterWait, memberWait, progressive }] of runs.entries()) {
    const rng = new Rng(1); // the same typing in every mode
    const rnd = (): number => rng.next();
    const settings = mode === 'remote' && o.remote
      ? { backend: 'remote', remote: { url: o.remote.url, model: o.remote.model, api: o.remote.api }, languages: { '*': true } }
      : { modelPath: o.modelPath ?? '', threads: o.threads ?? 0, draft: { mode, ...(grow ? { grow } : {}) }, languages: { '*': true }, ...(context !== undefined ? { contextTokens: context } : {}), ...(cacheDocs !== undefined ? { cacheDocuments: cacheDocs } : {}), ...(budget !== undefined ? { timeBudgetMs: budget } : {}), ...(firstLine !== undefined ? { firstLineBudgetMs: firstLine } : {}), ...(progressive !== undefined ? { progressive: progressive } : {}) };
    const env = o.remote?.apiKey ? { ...process.env, PRISM_REMOTE_API_KEY: o.remote.apiKey } : undefined;
    const server = await startLspServer(settings, { env });
    const { conn, proc } = server;
    const pid = proc.pid as number;
    // Load the model before the clock starts (a user's first request pays this once).
    const warm = 'file:///bench/warmup.py';
    await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
    await conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
    const stats0 = await conn.sendRequest(STATS);
    const cpu0 = cpuSeconds(pid);
    const flow = new InlineFlow<InlineCompletionItem>((i) => (typeof i.insertText === 'string' ? i.insertText : i.insertText.value), { now: () => performance.now() });
    flow.setDebounce('auto', enterWait !== 'rhythm', memberWait !== 'rhythm');
    const lat: number[] = [];
    const afterEnter: number[] = [];
    const afterMember: number[] = [];
    /** What became of the requests right after a member access. */
    const members = { keys: 0, cache: 0, cancelled: 0, empty: 0, shown: 0 };
    const single: number[] = [];
    const keyToGhost: number[] = [];
    const firstReplies: number[] = [];
    const laterReplies: number[] = [];
    const laterSameKind: number[] = [];
    const firstRepeats: number[] = [];
    const serverMs: number[] = [];
    const overhead: number[] = [];
    const wholes: number[] = [];
    const enterWholes: number[] = [];
    /** Replies with text by their request's key, for the whole that may follow (prism/continuation). */
    const shown = new Map<string, { tKey: number; remaining: string; text: string; enter: boolean }>();
    conn.onNotification(CONTINUATION, (p) => {
      const key = flowKey(p.textDocument.uri, p.textDocument.version, p.position.line, p.position.character);
      // What the extension does: cache the whole at the request's point (the next keystroke that
      // types through the reply is served from it), and show it.
      if (!flow.continued(key, p.insertText, p.replace ?? 0, p.before ?? 0)) return;
      const r = shown.get(key);
      if (!r) return;
      const now = performance.now();
      wholes.push(now - r.tKey);
      if (r.enter) enterWholes.push(now - r.tKey);
      // The user reads the whole in place of the reply: count what more of it is right.
      const k1 = commonPrefix(r.text, r.remaining);
      const k2 = commonPrefix(p.insertText, r.remaining);
      if (k1 < r.text.length) return; // the reply was already wrong where the user types on
      acceptedChars += k2 - k1;
      if (k2 < p.insertText.length) fullyRight--;
    });
    /** The server latency the language server reported for the reply to a request sent when `since` statuses had come. */
    const pairServer = (since: number, latencyMs: number): void => {
      const st = server.statuses.slice(since).reverse().find((x) => x.serverMs !== undefined);
      if (st?.serverMs === undefined) return;
      serverMs.push(st.serverMs);
      overhead.push(latencyMs - st.serverMs);
    };
    /** Keystrokes after which the editor's closers stood after the cursor (or that stepped over one), and the cache's answers to them. */
    const closed = { keys: 0, cache: 0 };
    /** Keystrokes answered with ghost text, and those whose ghost text begins with the next character typed (from the cache among them). */
    const ghostKeys = { shown: 0, right: 0, rightFromCache: 0 };
    let keystrokes = 0, requests = 0, replies = 0, cancelled = 0, hits = 0, acceptedChars = 0, fullyRight = 0;
    for (const [fi, f] of files.entries()) {
      const at = cursorOffsets(f.content, 1, f.path.length + 7)[0] as number;
      const start = f.content.lastIndexOf('\n', at) + 1;
      let endAhead = start;
      while (endAhead < f.content.length && endAhead - start < o.chars) endAhead = (f.content.indexOf('\n', endAhead) + 1) || f.content.length;
      let end = Math.min(endAhead, start + o.chars);
      // With auto-closing pairs the typed text ends at a line's end, so that the cursor's line has
      // nothing after it, as where people type new code (before a word, VS Code closes nothing).
      if (o.autoClose) {
        const last = f.content.lastIndexOf('\n', end - 1);
        const first = f.content.indexOf('\n', start);
        const cut = last > start ? last : first < 0 ? f.content.length : first;
        if (cut > start) end = cut;
      }
      const ahead = f.content.slice(start, end);
      let before = f.content.slice(0, start);
      let after = f.content.slice(start + ahead.length);
      const closer = new AutoCloser();
      const uri = `file:///bench/${fi}-${path.basename(f.path)}`;
      let version = 1;
      await conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang || 'plaintext', version, text: before + after } });
      let inflight: CancellationTokenSource | undefined;
      let pending = 0;
      let firstDone = false;
      const firstSingle = lineMode(cursorContext(before + after, before.length)) === 'single';
      const pos = (text: string): { line: number; character: number } => {
        const line = (text.match(/\n/g) ?? []).length;
        return { line, character: text.length - (text.lastIndexOf('\n') + 1) };
      };
      // The document became active (the extension sends prism/prefill), the user reads a moment,
      // then asks for a completion at the cursor before typing: the first reply in the file.
      if (prefill) await conn.sendNotification(PREFILL, { textDocument: { uri }, position: pos(before) });
      await sleep(o.openPauseMs);
      const firstAsk = await flow.provide({ point: { uri, before, after }, automatic: true }, new CancellationTokenSource().token, async (token) => {
        requests++;
        const r = await conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: pos(before), context: { triggerKind: 2 } }, token as CancellationToken);
        return r === null ? null : Array.isArray(r) ? r : r.items;
      });
      if (firstAsk.kind === 'server') {
        replies++;
        firstReplies.push(firstAsk.latencyMs);
        // The same request once more, straight to the server (no client cache): what this very
        // completion costs warm, so the first reply's cold cost is measured like for like.
        const t = performance.now();
        requests++;
        await conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: pos(before), context: { triggerKind: 2 } });
        firstRepeats.push(performance.now() - t);
      }
      firstDone = true;
      for (let i = 0; i < ahead.length; i++) {
        let typed = ahead[i] as string;
        if (o.autoIndent && typed === '\n') {
          // VS Code's Enter: the line break and the next line's indentation as one change.
          const indent = /^[ \t]*/.exec(ahead.slice(i + 1))?.[0] ?? '';
          typed += indent;
          i += indent.length;
        }
        const ch = typed[0] as string;
        const p = pos(before);
        const stop = stopKey(before.slice(-64), typed);
        // VS Code's auto-closing (TraceOptions.autoClose): the closer it adds, the one it steps over.
        const lineRest = ahead.slice(i - typed.length + 1).split('\n')[0] as string;
        const step = o.autoClose ? closer.type(ch, before, after, lineRest) : { replaced: 0, text: ch };
        const text = typed + step.text.slice(1);
        before += typed;
        after = step.text.slice(1) + after.slice(step.replaced);
        const closedKey = o.autoClose === true && (closer.closers > 0 || step.replaced > 0);
        if (closedKey) closed.keys++;
        version++;
        keystrokes++;
        const tKey = performance.now();
        // What VS Code does on a keystroke: the change, the open request cancelled, a new one.
        flow.keystroke(stop);
        if (stop === 'member') members.keys++;
        inflight?.cancel();
        await conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range: { start: p, end: { line: p.line, character: p.character + step.replaced } }, text }] });
        const cts = new CancellationTokenSource();
        inflight = cts;
        const snapshot = before;
        const at = pos(before);
        const single1 = lineMode(cursorContext(before + after, before.length)) === 'single';
        let asked = false;
        const since = server.statuses.length;
        pending++;
        const key = flowKey(uri, version, at.line, at.character);
        flow.provide({ point: { uri, before, after }, automatic: true, key }, cts.token, async (token) => {
          asked = true;
          requests++;
          const r = await conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: at, context: { triggerKind: 2 } }, token as CancellationToken);
          return r === null ? null : Array.isArray(r) ? r : r.items;
        }).then((r) => {
          // The ghost text this key shows: the cache's rest or the server's first item ('' for none).
          const first = r.kind === 'server' ? r.items[0] : undefined;
          const ghost = r.kind === 'cache' ? r.items[0] ?? '' : first && typeof first.insertText === 'string' ? first.insertText : '';
          // What it is measured against: the file from where it starts (an item that replaces the
          // typed indentation with the model's starts before the cursor).
          const back = r.kind === 'cache' ? r.before?.[0] ?? 0 : first?.range ? Math.max(0, at.character - first.range.start.character) : 0;
          const remaining = snapshot.slice(snapshot.length - back) + ahead.slice(snapshot.length - start);
          if (stop === 'member') members[r.kind === 'cache' ? 'cache' : r.kind !== 'server' ? 'cancelled' : ghost ? 'shown' : 'empty']++;
          if (ghost) {
            ghostKeys.shown++;
            if (remaining.length > 0 && ghost[0] === remaining[0]) { ghostKeys.right++; if (r.kind === 'cache') ghostKeys.rightFromCache++; }
          }
          if (r.kind === 'cache') {
            hits++;
            if (closedKey) closed.cache++;
            keyToGhost.push(0);
          } else if (r.kind === 'cancelled') {
            if (asked) cancelled++;
          } else if (r.kind === 'server') {
            replies++;
            (firstDone ? laterReplies : firstReplies).push(r.latencyMs);
            if (firstDone && single1 === firstSingle) laterSameKind.push(r.latencyMs);
            firstDone = true;
            const text = ghost;
            if (!text) return;
            lat.push(r.latencyMs);
            pairServer(since, r.latencyMs);
            if (single1) single.push(r.latencyMs);
            keyToGhost.push(performance.now() - tKey);
            if (ch === '\n') afterEnter.push(performance.now() - tKey);
            if (stop === 'member') afterMember.push(performance.now() - tKey);
            shown.set(key, { tKey, remaining, text, enter: ch === '\n' });
            const k = commonPrefix(text, remaining);
            acceptedChars += k;
            if (k === text.length) fullyRight++;
          }
        }, () => { cancelled++; }).finally(() => { pending--; if (inflight === cts) inflight = undefined; });
        // The next keystroke: jittered typing speed, a pause after a line.
        // About 1 keystroke in 8 is followed by a short pause (reading, thinking); after a member
        // access as often, or as often as o.memberPause says (the same random draws either way).
        const gap = o.msPerChar * (0.6 + 0.8 * rnd()) + (ch === '\n' && rnd() < 0.6 ? o.pauseMs : rnd() < (stop === 'member' && o.memberPause !== undefined ? o.memberPause : 0.12) ? 0.6 * o.pauseMs : 0);
        await sleep(gap);
      }
      const deadline = performance.now() + 10_000;
      while (pending > 0 && performance.now() < deadline) await sleep(20);
      o.progress((mi + (fi + 1) / files.length) / runs.length, `typing trace (${mode}${prefill ? '' : ', no prefill'}${context !== undefined ? `, ${context}-token prompts` : ''}): file ${fi + 1}/${files.length}`);
    }
    const stats = await conn.sendRequest(STATS);
    const cpu = cpuSeconds(pid) - cpu0;
    await sleep(1000);
    const idle0 = cpuSeconds(pid);
    await sleep(3000);
    const idleCpu = (100 * (cpuSeconds(pid) - idle0)) / 3;
    const rss = peakRssMiB(pid);
    await stopLspServer(server);
    // PRISM_BENCH_LOGS=1: the language server's log (prefills, policy) on stderr, to read why.
    if (process.env.PRISM_BENCH_LOGS) for (const l of server.logs) console.error(`server: ${l}`);
    rows.push({
      mode, ...(enterWait !== undefined ? { enter_wait: enterWait } : {}), ...(memberWait !== undefined ? { member_wait: memberWait } : {}), after_member_ms: { p50: q(afterMember, 0.5), p95: q(afterMember, 0.95), n: afterMember.length }, member_requests: members, ...(o.autoIndent ? { auto_indent: true } : {}), ...(o.autoClose ? { auto_close: true, auto_closed_keys: closed } : {}), after_enter_ms: { p50: q(afterEnter, 0.5), p95: q(afterEnter, 0.95), n: afterEnter.length }, ...(progressive !== undefined ? { progressive } : {}), whole_ms: { p50: q(wholes, 0.5), p95: q(wholes, 0.95), n: wholes.length }, after_enter_whole_ms: { p50: q(enterWholes, 0.5), p95: q(enterWholes, 0.95), n: enterWholes.length }, ...(context !== undefined ? { context_tokens: context } : {}), ...(cacheDocs !== undefined ? { cache_documents: cacheDocs } : {}), ...(budget !== undefined ? { time_budget_ms: budget } : {}), ...(firstLine !== undefined ? { first_line_budget_ms: firstLine } : {}), ...(grow ? { grow } : {}), prefill, first_reply_ms: q(firstReplies, 0.5), first_replies_ms: firstReplies.map((x) => Math.round(x)), first_repeats_ms: firstRepeats.map((x) => Math.round(x)),
      first_over_repeat: q(firstReplies.map((x, i) => x / (firstRepeats[i] ?? x)), 0.5), later_reply_ms: q(laterReplies, 0.5), later_same_kind_reply_ms: q(laterSameKind, 0.5), keystrokes, requests, replies, cancelled, cache_hits: hits, cache_hit_rate: hits / keystrokes,
      latency_ms: { p50: q(lat, 0.5), p95: q(lat, 0.95), p99: q(lat, 0.99) },
      single_line_latency_ms: { p50: q(single, 0.5), p95: q(single, 0.95), p99: q(single, 0.99), n: single.length },
      keystroke_to_ghost_ms: { p50: q(keyToGhost, 0.5), p95: q(keyToGhost, 0.95) },
      ghost_keys: { shown: ghostKeys.shown, right: ghostKeys.right, right_from_cache: ghostKeys.rightFromCache },
      prompt_tokens: stats.promptTokens - stats0.promptTokens, reused_tokens: stats.reusedTokens - stats0.reusedTokens,
      accepted_chars: acceptedChars, suggestions_fully_right: fullyRight, cpu_s: cpu,
      cpu_ms_per_accepted_char: acceptedChars ? (1000 * cpu) / acceptedChars : 0, server_rss_peak_mib: rss, idle_cpu_pct: idleCpu, latencies: lat,
      ...(mode === 'remote' ? { remote_server_ms: { p50: q(serverMs, 0.5), p95: q(serverMs, 0.95) }, remote_overhead_ms: { p50: q(overhead, 0.5), p95: q(overhead, 0.95), n: overhead.length } } : {}),
    });
  }
  return rows;
}

const whole = (b: TraceRow['whole_ms']): string => (b && b.n > 0 ? `${b.p50.toFixed(0)} / ${b.p95.toFixed(0)} (${b.n})` : '-');

export function traceTable(rows: TraceRow[]): string {
  const lines = [
    '| draft mode | prefill on open | first reply in a file p50 ms (later p50; later of the same kind p50) | first reply / the same request again (p50) | keystrokes | requests (cancelled) | cache hits | ghost latency p50 / p95 / p99 ms | single-line p50 ms (n) | keystroke to ghost p50 ms | prompt tokens reused | accepted chars (fully right) | CPU ms / accepted char | server RSS peak MiB | idle CPU |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const remote = rows.filter((r) => r.remote_overhead_ms);
  for (const r of rows) {
    lines.push(`| ${r.mode}${r.context_tokens !== undefined ? ` (${r.context_tokens}-token prompts)` : ''}${r.cache_documents !== undefined ? ` (${r.cache_documents} document${r.cache_documents === 1 ? '' : 's'} cached)` : ''}${r.time_budget_ms !== undefined ? ` (${r.time_budget_ms} ms budget)` : ''}${r.first_line_budget_ms !== undefined ? ` (first line ${r.first_line_budget_ms ? `${r.first_line_budget_ms} ms` : 'unbounded'})` : ''}${r.grow ? ` (chains grow to ${r.grow})` : ''}${r.enter_wait !== undefined ? ` (after Enter: ${r.enter_wait === 'min' ? 'the shortest wait' : 'the typing rhythm\'s wait'})` : ''}${r.member_wait !== undefined ? ` (after a member access: ${r.member_wait === 'min' ? 'the shortest wait' : 'the typing rhythm\'s wait'})` : ''}${r.auto_indent ? ' (Enter with auto-indent)' : ''}${r.auto_close ? ` (auto-closing pairs${r.auto_closed_keys ? `: ${r.auto_closed_keys.cache} of ${r.auto_closed_keys.keys} keys with closers after the cursor from the cache` : ''})` : ''}${r.progressive !== undefined ? ` (progressive ${r.progressive ? 'on' : 'off'})` : ''} | ${r.prefill ? 'yes' : 'no'} | ${r.first_reply_ms.toFixed(0)} (${r.later_reply_ms.toFixed(0)}; ${r.later_same_kind_reply_ms.toFixed(0)}) | ${r.first_over_repeat.toFixed(2)}x | ${r.keystrokes} | ${r.requests} (${r.cancelled}) | ${(100 * r.cache_hit_rate).toFixed(0)}% | ${r.latency_ms.p50.toFixed(0)} / ${r.latency_ms.p95.toFixed(0)} / ${r.latency_ms.p99.toFixed(0)} | ${r.single_line_latency_ms.p50.toFixed(0)} (${r.single_line_latency_ms.n}) | ${r.keystroke_to_ghost_ms.p50.toFixed(0)} | ${r.prompt_tokens ? ((100 * r.reused_tokens) / r.prompt_tokens).toFixed(0) : 0}% of ${r.prompt_tokens} | ${r.accepted_chars} (${r.suggestions_fully_right}) | ${r.cpu_ms_per_accepted_char.toFixed(1)} | ${r.server_rss_peak_mib.toFixed(0)} | ${r.idle_cpu_pct.toFixed(1)}% |`);
  }
  const keyed = rows.filter((r) => r.ghost_keys);
  if (keyed.length > 0) {
    lines.push('', '| row | keystrokes answered with ghost text | ... that begins with the next character typed (from the cache) |', '|---|---|---|');
    for (const r of keyed) {
      const g = r.ghost_keys as NonNullable<TraceRow['ghost_keys']>;
      lines.push(`| ${r.mode}${r.auto_close ? ' (auto-closing pairs)' : ''} | ${g.shown} of ${r.keystrokes} | ${g.right} (${g.right_from_cache}) |`);
    }
  }
  const enter = rows.filter((r) => r.after_enter_ms && r.after_enter_ms.n > 0);
  if (enter.length > 0) {
    lines.push('', '| row | after Enter: keystroke to ghost p50 / p95 ms (server replies) | after Enter: keystroke to the whole p50 / p95 ms (replies in two parts) |', '|---|---|---|');
    for (const r of enter) lines.push(`| ${r.mode}${r.enter_wait !== undefined ? ` (${r.enter_wait} wait)` : ''}${r.progressive !== undefined ? ` (progressive ${r.progressive ? 'on' : 'off'})` : ''} | ${r.after_enter_ms?.p50.toFixed(0)} / ${r.after_enter_ms?.p95.toFixed(0)} (${r.after_enter_ms?.n}) | ${whole(r.after_enter_whole_ms)} |`);
  }
  const member = rows.filter((r) => r.after_member_ms && r.after_member_ms.n > 0);
  if (member.length > 0) {
    lines.push('', '| row | after a member access (\'.\', \'->\', \'::\'): keystroke to ghost p50 / p95 ms (n server replies) | member keystrokes: the cache answered / cancelled / nothing / shown |', '|---|---|---|');
    for (const r of member) {
      const m = r.member_requests;
      lines.push(`| ${r.mode}${r.member_wait !== undefined ? ` (${r.member_wait} wait)` : ''}${r.progressive !== undefined ? ` (progressive ${r.progressive ? 'on' : 'off'})` : ''} | ${r.after_member_ms?.p50.toFixed(0)} / ${r.after_member_ms?.p95.toFixed(0)} (${r.after_member_ms?.n}) | ${m ? `${m.keys}: ${m.cache} / ${m.cancelled} / ${m.empty} / ${m.shown}` : '-'} |`);
    }
  }
  const parts = rows.filter((r) => r.whole_ms && r.whole_ms.n > 0);
  if (parts.length > 0) {
    lines.push('', '| row | replies in two parts: keystroke to the whole p50 / p95 ms (n) |', '|---|---|');
    for (const r of parts) lines.push(`| ${r.mode}${r.progressive !== undefined ? ` (progressive ${r.progressive ? 'on' : 'off'})` : ''} | ${whole(r.whole_ms)} |`);
  }
  if (remote.length > 0) {
    lines.push('', '| remote row | ghost latency p50 ms | server request p50 / p95 ms | our overhead p50 / p95 ms (n) |', '|---|---|---|---|');
    for (const r of remote) {
      const o = r.remote_overhead_ms as NonNullable<TraceRow['remote_overhead_ms']>;
      lines.push(`| ${r.mode} | ${r.latency_ms.p50.toFixed(0)} | ${r.remote_server_ms?.p50.toFixed(0)} / ${r.remote_server_ms?.p95.toFixed(0)} | ${o.p50.toFixed(1)} / ${o.p95.toFixed(1)} (${o.n}) |`);
    }
  }
  return lines.join('\n');
}
