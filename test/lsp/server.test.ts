// The real language server (dist/server.js) as a child process, spoken to over stdio with the
// LSP node protocol connection: inline completions equal the engine's greedy text cut to the line
// or the block (the rule spelled out here, not the server's own shaping code);
// incremental document sync; cancellation and superseded requests; error replies; a missing
// model, huge and binary files reported as one line.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CancellationTokenSource, DidChangeConfigurationNotification, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, DidOpenNotebookDocumentNotification, DidOpenTextDocumentNotification, InlineCompletionRequest,
  type InlineCompletionItem, type ResponseError,
} from 'vscode-languageserver-protocol/node';
import { type LspServer, startLspServer, stopLspServer } from '../../server/bench/lsp-client';
import { Engine } from '../../server/engine/engine';
import { TargetModel } from '../../server/engine/target';
import { CONTINUATION, type ContinuationParams, PREFILL, STATS, type StatusParams } from '../../common/protocol';
import { defaultModel } from '../helpers';

type Server = LspServer;

async function startServer(settings: Record<string, unknown>): Promise<Server> {
  const s = await startLspServer(settings);
  assert.equal(s.init.capabilities.inlineCompletionProvider, true);
  assert.equal(s.init.capabilities.textDocumentSync, 2, 'incremental sync');
  return s;
}

const stopServer = stopLspServer;

const open = (s: Server, uri: string, text: string, languageId = 'python'): Promise<void> =>
  s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });

const ask = (s: Server, uri: string, line: number, character: number, token?: CancellationTokenSource): Promise<InlineCompletionItem[] | null | { items: InlineCompletionItem[] }> =>
  s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line, character }, context: { triggerKind: 2 } }, token?.token);

const items = (r: Awaited<ReturnType<typeof ask>>): InlineCompletionItem[] => (r === null ? [] : Array.isArray(r) ? r : r.items);

/** Waits until a status notification satisfies `f` (the server sends them as it goes). */
async function statusWhere(s: Server, f: (p: StatusParams) => boolean, timeoutMs = 120_000): Promise<StatusParams> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hit = s.statuses.find(f);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no status notification matched within ${timeoutMs} ms; got ${JSON.stringify(s.statuses.slice(-5))}`);
}

// No time budgets: the replies compared below must not depend on how busy the machine is.
// Blocks come whole in one reply here; the progressive reply has its own test.
const SETTINGS = { draft: { mode: 'ngram', depth: 4 }, timeBudgetMs: 30000, firstLineBudgetMs: 0, maxTokens: 48, progressive: false };

describe('language server over LSP (real model)', () => {
  let s: Server;
  let engine: Engine;
  let target: TargetModel;
  before(async () => {
    target = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu' });
    engine = new Engine(target);
    s = await startServer(SETTINGS);
  });
  after(async () => { await stopServer(s); await target.dispose(); });

  it('starts with the environment the extension gives it (a fixed malloc mmap threshold)', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const { readFile } = await import('node:fs/promises');
    const environ = (await readFile(`/proc/${s.proc.pid}/environ`, 'utf8')).split('\0');
    assert.ok(environ.includes('MALLOC_MMAP_THRESHOLD_=131072'), environ.filter((v) => v.startsWith('MALLOC')).join(' ') || 'no MALLOC_ variable');
  });

  /**
   * What the server must answer at the end of `text`: the engine's greedy continuation (token
   * healing on, as the server has it), cut to the rest of the line after code on the line, or, on
   * an empty indented line, to the block at that indentation (up to the first line indented less,
   * or two blank lines), trailing spaces and blank lines dropped.
   */
  async function expected(text: string, block: boolean): Promise<string> {
    const r = await engine.complete({ prompt: text, maxTokens: SETTINGS.maxTokens, heal: true });
    if (!block) return r.text.split('\n')[0]?.trimEnd() ?? '';
    const indent = text.length - text.lastIndexOf('\n') - 1;
    const lines = r.text.split('\n\n\n')[0]?.split('\n') ?? [];
    const end = lines.findIndex((l, i) => i > 0 && l.trim() !== '' && l.length - l.trimStart().length < indent);
    return lines.slice(0, end < 0 ? lines.length : end).map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '');
  }

  const doc = 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n    if n < 2:\n        return n\n    return ';

  it('answers textDocument/inlineCompletion with the engine\'s greedy completion, shaped', async () => {
    await open(s, 'file:///w/fib.py', doc);
    const got = items(await ask(s, 'file:///w/fib.py', 4, 11));
    const want = await expected(doc, false);
    assert.ok(want.length > 0, 'the model completes this line');
    assert.equal(got.length, 1, 'one item for an automatic trigger');
    assert.equal(got[0]?.insertText, want);
    assert.deepEqual(got[0]?.range, { start: { line: 4, character: 11 }, end: { line: 4, character: 11 } });
  });

  it('a document with Windows line ends is completed as the same text with LF ones: the same items at the same positions, no \\r', async () => {
    const uri = 'file:///w/crlf.py';
    await open(s, uri, doc.replace(/\n/g, '\r\n'));
    const line = items(await ask(s, uri, 4, 11));
    assert.equal(line[0]?.insertText, await expected(doc, false));
    assert.deepEqual(line[0]?.range, { start: { line: 4, character: 11 }, end: { line: 4, character: 11 } });
    // A block after a def line, typed on with CRLF line ends (what VS Code sends on Windows).
    const more = 'fib(n - 1)\n\n\ndef factorial(n):\n    ';
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 4, character: 11 }, end: { line: 4, character: 11 } }, text: more.replace(/\n/g, '\r\n') }],
    });
    const block = items(await ask(s, uri, 8, 4));
    const want = await expected(doc + more, true);
    assert.ok(want.includes('\n'), `a block after a def line: ${JSON.stringify(want)}`);
    assert.equal(block[0]?.insertText, want);
    assert.deepEqual(block[0]?.range, { start: { line: 8, character: 4 }, end: { line: 8, character: 4 } });
  });

  it('a notebook cell is completed with the code and markdown cells above it as context (markdown as comments, other languages left out), at the cell\'s own positions', async () => {
    assert.deepEqual((s.init.capabilities as { notebookDocumentSync?: unknown }).notebookDocumentSync, { notebookSelector: [{ notebook: '*', cells: [{ language: '*' }] }] });
    const nb = 'file:///w/analysis.ipynb';
    const cell = (i: number): string => `vscode-notebook-cell:/w/analysis.ipynb#W${i}sZmlsZQ%3D%3D`;
    const cells = [
      { uri: cell(0), languageId: 'markdown', text: '# Fibonacci numbers\r\n\r\nEach is the sum of the two before it.\r\n' },
      { uri: cell(1), languageId: 'python', text: doc.replace(/return $/, 'return fibonacci(n - 1) + fibonacci(n - 2)') },
      { uri: cell(2), languageId: 'r', text: 'x <- 1' },
      { uri: cell(3), languageId: 'markdown', text: '  \n' },
      { uri: cell(4), languageId: 'markdown', text: 'The first ten:' },
      { uri: cell(5), languageId: 'python', text: 'for i in range(10):\n    print(' },
    ];
    await s.conn.sendNotification(DidOpenNotebookDocumentNotification.type, {
      notebookDocument: { uri: nb, notebookType: 'jupyter-notebook', version: 1, cells: cells.map((c) => ({ kind: (c.languageId === 'markdown' ? 1 : 2) as 1 | 2, document: c.uri })) },
      cellTextDocuments: cells.map((c) => ({ uri: c.uri, languageId: c.languageId, version: 1, text: c.text })),
    });
    const got = items(await ask(s, cell(5), 1, 10));
    // An empty markdown cell adds nothing; CRLF in a cell is LF.
    const want = await expected(`# # Fibonacci numbers\n#\n# Each is the sum of the two before it.\n\n${cells[1]?.text}\n\n# The first ten:\n\n${cells[5]?.text}`, false);
    assert.ok(want.length > 0, 'the model completes this line');
    assert.equal(got[0]?.insertText, want);
    assert.deepEqual(got[0]?.range, { start: { line: 1, character: 10 }, end: { line: 1, character: 10 } });
  });

  it('keeps documents in sync through incremental edits', async () => {
    const uri = 'file:///w/sync.py';
    await open(s, uri, doc);
    await ask(s, uri, 4, 11);
    const before = await s.conn.sendRequest(STATS);
    // Rename the function and start another line after the return.
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [
        { range: { start: { line: 0, character: 4 }, end: { line: 0, character: 13 } }, text: 'fib' },
        { range: { start: { line: 4, character: 11 }, end: { line: 4, character: 11 } }, text: 'fib(n - 1) + fib(n - 2)\n\n\ndef factorial(n):\n    ' },
      ],
    });
    const now = doc.replace('fibonacci', 'fib') + 'fib(n - 1) + fib(n - 2)\n\n\ndef factorial(n):\n    ';
    const got = items(await ask(s, uri, 8, 4));
    const want = await expected(now, true);
    assert.ok(want.includes('\n'), `a block after a def line: ${JSON.stringify(want)}`);
    assert.equal(got[0]?.insertText ?? '', want);
    const stats = await s.conn.sendRequest(STATS);
    assert.ok(stats.reusedTokens > before.reusedTokens, 'the request after the edits reused the KV cache of the one before them');
  });

  it('progressive blocks: replies with a block\'s first line, then sends the whole block (prism/continuation)', async () => {
    const p = await startServer({ ...SETTINGS, progressive: true });
    try {
      const rests: ContinuationParams[] = [];
      p.conn.onNotification(CONTINUATION, (c: ContinuationParams) => { rests.push(c); });
      const uri = 'file:///w/progressive.py';
      const text = 'class Point:\n    def __init__(self, x, y):\n        ';
      await open(p, uri, text);
      const want = await expected(text, true);
      assert.ok(want.includes('\n'), `a block after a def line: ${JSON.stringify(want)}`);
      const got = items(await ask(p, uri, 2, 8));
      assert.equal(got[0]?.insertText, want.split('\n')[0]);
      const deadline = Date.now() + 60_000;
      while (rests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(rests, [{ textDocument: { uri, version: 1 }, position: { line: 2, character: 8 }, insertText: want }]);
      const stats = await p.conn.sendRequest(STATS);
      assert.equal(stats.firstLines, 1);
      assert.equal(stats.continuations, 1);
    } finally {
      await stopServer(p);
    }
  });

  it('at a line\'s end (an item written with Tab, or a line the user typed): the line break and the block after it', async () => {
    const uri = 'file:///w/next.py';
    const text = 'import os\n\n\ndef list_files(root):\n    names = []\n    for entry in os.scandir(root):\n        if entry.is_file():\n            ';
    await open(s, uri, text);
    const first = items(await ask(s, uri, 7, 12))[0];
    const line = first?.insertText as string;
    assert.ok(first && line.length > 0 && !line.includes('\n'), JSON.stringify(first));
    /**
     * The rule where the model ends the line: a line break, then the block from the next line on,
     * as after Enter on an empty line at that line's indentation (up to a line indented less, or
     * two empty lines).
     */
    const nextBlock = async (now: string): Promise<string> => {
      const r = await engine.complete({ prompt: now, maxTokens: SETTINGS.maxTokens, heal: true });
      const lines = (r.text.split('\n\n\n')[0] as string).split('\n');
      const content = lines.findIndex((l, i) => i > 0 && l.trim() !== '');
      assert.ok(lines[0]?.trim() === '' && content > 0, `the model ends the line here: ${JSON.stringify(r.text)}`);
      const indent = (l: string): number => l.length - l.trimStart().length;
      const end = lines.findIndex((l, i) => i > content && l.trim() !== '' && indent(l) < indent(lines[content] as string));
      return [...lines.slice(0, content).map(() => ''), ...lines.slice(content, end < 0 ? lines.length : end)].map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '');
    };
    // Tab: VS Code writes the item and asks again at its end.
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: first.range as never, text: line }] });
    const want = await nextBlock(text + line);
    assert.deepEqual(items(await ask(s, uri, 7, 12 + line.length)).map((i) => i.insertText), [want]);
    // The user's own line instead, typed to its end: the same rule.
    const own = 'print(entry.path)';
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line: 7, character: 12 }, end: { line: 7, character: 12 + line.length } }, text: own }] });
    const wantOwn = await nextBlock(text + own);
    assert.deepEqual(items(await ask(s, uri, 7, 12 + own.length)).map((i) => i.insertText), [wantOwn]);
  });

  it('Enter after a function\'s last statement: the model writes the line\'s indentation, and its `}` replaces the editor\'s', async () => {
    const uri = 'file:///w/area.ts';
    const text = '// Geometry helpers.\nexport function area(w: number, h: number): number {\n  const result = w * h;\n  return result;';
    await open(s, uri, text);
    // Enter: VS Code writes the line break and the line before's two spaces in one change.
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 3, character: 16 }, end: { line: 3, character: 16 } }, text: '\n  ' }] });
    // The rule: the greedy text from the line's start (the prompt without the editor's
    // indentation), its first line at the model's indentation, the block up to a line indented
    // less or two empty lines, 12 lines at most, the last line dropped where the token budget cut it.
    const r = await engine.complete({ prompt: `${text}\n`, maxTokens: SETTINGS.maxTokens, heal: true });
    const lines = (r.text.split('\n\n\n')[0] as string).split('\n');
    if (r.finishReason === 'length' && !r.text.includes('\n\n\n')) lines.pop();
    const indent = (l: string): number => l.length - l.trimStart().length;
    assert.equal(lines[0], '}', `the model closes the function at column 0 here: ${JSON.stringify(r.text)}`);
    const end = lines.findIndex((l, i) => i > 0 && l.trim() !== '' && indent(l) < indent(lines[0] as string));
    const want = lines.slice(0, end < 0 ? lines.length : end).slice(0, 12).map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '');
    const got = items(await ask(s, uri, 4, 2));
    assert.deepEqual(got.map((i) => [i.insertText, i.range]), [[want, { start: { line: 4, character: 0 }, end: { line: 4, character: 2 } }]]);
    // The same two spaces typed one at a time (the latest change a space): the model spells them.
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line: 4, character: 1 }, end: { line: 4, character: 2 } }, text: '' }] });
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 4 }, contentChanges: [{ range: { start: { line: 4, character: 1 }, end: { line: 4, character: 1 } }, text: ' ' }] });
    const typed = items(await ask(s, uri, 4, 2));
    assert.ok(typed.every((i) => i.range?.start.character === 2), `at the cursor: ${JSON.stringify(typed)}`);
  });

  it('stops a cancelled request and a superseded one; the newest gets its answer', async () => {
    const uri = 'file:///w/cancel.py';
    const text = 'class Stack:\n    def __init__(self):\n        ';
    await open(s, uri, text);
    const before = await s.conn.sendRequest(STATS);
    const cts = new CancellationTokenSource();
    const first = ask(s, uri, 2, 8, cts);
    cts.cancel();
    const r1 = await first.then((r) => items(r), (e: ResponseError<unknown>) => { assert.equal(e.code, -32800); return []; });
    assert.deepEqual(r1, []);
    // Two in a row: the second supersedes the first.
    const a = ask(s, uri, 2, 8);
    const b = ask(s, uri, 2, 8);
    const [ra, rb] = await Promise.all([a, b]);
    assert.deepEqual(items(ra), [], 'the superseded request answers nothing');
    assert.equal(items(rb)[0]?.insertText ?? '', await expected(text, true));
    const after = await s.conn.sendRequest(STATS);
    assert.ok(after.cancelled >= before.cancelled + 2, `cancelled ${after.cancelled - before.cancelled}`);
  });

  it('keeps a document\'s prompt while another is used, and frees it when the document closes', async () => {
    const a = 'file:///w/keep_a.py', b = 'file:///w/keep_b.py';
    const textA = 'import os\n\n\ndef list_python_files(root):\n    out = []\n    for name in os.listdir(root):\n        ';
    const textB = 'class Counter:\n    def __init__(self):\n        self.n = 0\n\n    def add(self, k):\n        ';
    await open(s, a, textA);
    await open(s, b, textB);
    const reusedBy = async (uri: string, line: number, character: number): Promise<{ reused: number; prompt: number }> => {
      const before = await s.conn.sendRequest(STATS);
      await ask(s, uri, line, character);
      const after = await s.conn.sendRequest(STATS);
      return { reused: after.reusedTokens - before.reusedTokens, prompt: after.promptTokens - before.promptTokens };
    };
    await reusedBy(a, 6, 8);
    await reusedBy(b, 5, 8);
    const back = await reusedBy(a, 6, 8);
    assert.ok(back.prompt > 20 && back.reused >= back.prompt - 1, `back to a: ${back.reused} of ${back.prompt} prompt tokens reused`);
    await reusedBy(b, 5, 8);
    await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: a } });
    await open(s, a, textA);
    const reopened = await reusedBy(a, 6, 8);
    assert.ok(reopened.reused < reopened.prompt / 2, `closed, a's cache is gone: ${reopened.reused} of ${reopened.prompt} reused`);
  });

  it('prefills a document that becomes active, so its first completion reuses the cache', async () => {
    const uri = 'file:///w/warm.py';
    const text = `${doc.replace('fibonacci', 'lucas')}lucas(n - 1) + lucas(n - 2)\n\n\ndef lucas_list(k):\n    return [lucas(i) for i in `;
    await open(s, uri, text);
    const lines = text.split('\n');
    const at = { line: lines.length - 1, character: (lines.at(-1) as string).length };
    const before = await s.conn.sendRequest(STATS);
    await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: at });
    const deadline = Date.now() + 60_000;
    let st = before;
    while (st.prefills === before.prefills && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      st = await s.conn.sendRequest(STATS);
    }
    assert.equal(st.prefills, before.prefills + 1, 'the prefill ran to its end');
    assert.ok(st.prefillTokens > before.prefillTokens, 'it computed the new prompt');
    const got = items(await ask(s, uri, at.line, at.character));
    const after = await s.conn.sendRequest(STATS);
    const prompt = after.promptTokens - st.promptTokens;
    const reused = after.reusedTokens - st.reusedTokens;
    assert.ok(prompt > 20 && reused >= prompt - 2, `the completion reused ${reused} of ${prompt} prompt tokens`);
    assert.equal(got[0]?.insertText ?? '', await expected(text, false));
    // Unknown documents and bad parameters are ignored (a notification has no reply).
    await s.conn.sendNotification(PREFILL, { textDocument: { uri: 'file:///w/never.py' }, position: at });
    await s.conn.sendNotification(PREFILL, {} as never);
    assert.equal((await s.conn.sendRequest(STATS)).prefills, st.prefills);
  });

  it('replies with an error to malformed requests and to unknown documents', async () => {
    await assert.rejects(ask(s, 'file:///w/never-opened.py', 0, 0), (e: ResponseError<unknown>) => e.code === -32602 && /document not open: file:\/\/\/w\/never-opened.py; send textDocument\/didOpen first/.test(e.message));
    await assert.rejects(s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: 'file:///w/fib.py' } } as never), (e: ResponseError<unknown>) => e.code === -32602 && /needs textDocument.uri and a position/.test(e.message));
  });

  it('gives no completion in huge or binary files and says why once', async () => {
    await open(s, 'file:///w/huge.py', 'x = 1\n'.repeat(200_000));
    assert.deepEqual(items(await ask(s, 'file:///w/huge.py', 3, 0)), []);
    const st = await statusWhere(s, (p) => /huge.py is 1.2 MB, over prism.maxFileBytes \(1.0 MB\)/.test(p.message ?? ''));
    assert.match(st.message ?? '', /raise the setting to allow them/);
    await open(s, 'file:///w/blob.py', 'abc\u0000def\n');
    assert.deepEqual(items(await ask(s, 'file:///w/blob.py', 0, 3)), []);
    await statusWhere(s, (p) => p.message === 'blob.py looks binary (it contains NUL characters): no completions in it');
  });

  it('skips disabled languages', async () => {
    await open(s, 'file:///w/notes.md', '# Notes\n\nThe ', 'markdown');
    const before = await s.conn.sendRequest(STATS);
    assert.deepEqual(items(await ask(s, 'file:///w/notes.md', 2, 4)), []);
    const after = await s.conn.sendRequest(STATS);
    assert.equal(after.completed, before.completed);
    assert.equal(after.empty, before.empty, 'nothing was generated');
  });
});

describe('language server with a missing model', () => {
  it('answers nothing and reports one actionable line', async () => {
    const s = await startServer({ modelPath: '/nonexistent/model.gguf' });
    try {
      await open(s, 'file:///w/a.py', 'x = ');
      assert.deepEqual(items(await ask(s, 'file:///w/a.py', 0, 4)), []);
      const st = await statusWhere(s, (p) => p.state === 'error');
      assert.equal(st.message, 'model not found: /nonexistent/model.gguf; set prism.modelPath to a Llama-family GGUF file');
    } finally {
      await stopServer(s);
    }
  });
});

describe('language server: a settings change that reloads the engine while it runs', () => {
  it('lets the run under way stop before the old engine goes (the server lives on), and serves the next request with the new one', async () => {
    const s = await startServer(SETTINGS);
    let exited: number | string | null = null;
    s.proc.once('exit', (code, signal) => { exited = code ?? signal; });
    try {
      const uri = 'file:///w/long.py';
      const text = Array.from({ length: 120 }, (_, i) => `def step_${i}(values, scale=${i}):\n    return [v * scale + ${i} for v in values]\n`).join('') + 'def step_120(values, scale=120):\n    return ';
      await open(s, uri, text);
      await ask(s, 'file:///w/long.py', 0, 4); // the model loaded
      const end = { line: 240, character: 11 };
      // A completion whose prompt (~2,000 tokens) takes seconds to compute; the reload comes inside it.
      const asking = ask(s, uri, end.line, end.character).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 300));
      await s.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { prism: { ...SETTINGS, numerics: 'fp32' } } });
      const first = await asking;
      assert.ok(!(first instanceof Error), `the request under way got a reply: ${String(first)}`);
      const again = items(await ask(s, uri, end.line, end.character));
      assert.ok(String(again[0]?.insertText ?? '').length > 0, 'the new engine answers');
      assert.equal(exited, null, 'the server is still running');
      assert.ok(s.logs.some((l) => /numerics fp32/.test(l)), 'it reloaded in the new numerics');
    } finally {
      if (exited === null) await stopServer(s);
    }
  });
});
