// The remote backend against a real llama.cpp server: llama-cpp-python's OpenAI-compatible server
// (scripts/llama-server.sh builds it once into the user cache; the test command does that first)
// serving the default GGUF on the loopback.
// - completions through the language server equal what the server itself returns for the same
//   prompt (greedy), cut to the line as every single-line completion is;
// - cancellation reaches the server: the server runs one request at a time and is started with
//   interrupt_requests off, so a short request sent right after a cancelled long one finishes
//   quickly only if the long one was really aborted;
// - 8 editors (8 language servers) typing at once: every request is answered or cancelled within
//   its bound, and no reply carries ghost text for a document version that has moved on.
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  CancellationTokenSource, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, InlineCompletionRequest,
  type InlineCompletionItem,
} from 'vscode-languageserver-protocol/node';
import { type LspServer, startLspServer, stopLspServer } from '../../server/bench/lsp-client';
import { defaultModel, ROOT } from '../helpers';

const MAX_TOKENS = 400;
const SETTINGS = (url: string): Record<string, unknown> => ({ backend: 'remote', remote: { url, api: 'auto', timeoutMs: 60_000 }, maxTokens: MAX_TOKENS, timeBudgetMs: 30_000, firstLineBudgetMs: 0 });

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
}

/** The server's own answer for a prompt (greedy, not streamed), and how long it took. */
async function direct(url: string, prompt: string, maxTokens: number, stop: string[] = []): Promise<{ text: string; tokens: number; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt, max_tokens: maxTokens, temperature: 0, stop }) });
  assert.equal(r.status, 200);
  const j = await r.json() as { choices: { text: string }[]; usage: { completion_tokens: number } };
  return { text: j.choices[0]?.text ?? '', tokens: j.usage.completion_tokens, ms: performance.now() - t0 };
}

const items = (r: InlineCompletionItem[] | { items: InlineCompletionItem[] } | null): InlineCompletionItem[] => (r === null ? [] : Array.isArray(r) ? r : r.items);
const posOf = (text: string): { line: number; character: number } => ({ line: (text.match(/\n/g) ?? []).length, character: text.length - (text.lastIndexOf('\n') + 1) });

describe('remote backend against llama.cpp (llama-cpp-python server)', () => {
  let proc: ChildProcess;
  let serverErr = '';
  let url = '';
  before(async () => {
    const built = spawnSync('bash', [path.join(ROOT, 'scripts', 'llama-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    assert.equal(built.status, 0, 'scripts/llama-server.sh builds the server');
    const py = built.stdout.trim().split('\n').at(-1) as string;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = spawn(py, ['-m', 'llama_cpp.server', '--model', defaultModel(), '--host', '127.0.0.1', '--port', String(port), '--n_ctx', '2048',
      '--n_threads', '2', '--interrupt_requests', 'False', '--verbose', 'False'], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (d: Buffer) => { serverErr = (serverErr + d.toString()).slice(-4000); });
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`llama_cpp.server exited: ${serverErr}`);
      const ok = await fetch(`${url}/v1/models`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`llama_cpp.server did not come up in 120 s: ${serverErr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  after(() => { proc?.kill(); });
  // A server that died mid-test shows up as "fetch failed": say why instead.
  afterEach(() => {
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) throw new Error(`llama_cpp.server died (${proc.signalCode ?? `exit ${proc.exitCode}`}): ${serverErr.slice(-400)}`);
  });

  it('completions equal what the server returns for the same prompt, cut to the line', async () => {
    const s = await startLspServer(SETTINGS(url));
    try {
      const docs = [
        'import os\n\n\ndef read_config(path):\n    with open(path) as f:\n        return ',
        'function add(a, b) {\n  return a + b;\n}\n\nfunction multiply(a, b) {\n  return ',
        'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        self.',
      ];
      for (const [i, text] of docs.entries()) {
        const uri = `file:///w/eq${i}.${text.startsWith('function') ? 'js' : 'py'}`;
        await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: text.startsWith('function') ? 'javascript' : 'python', version: 1, text } });
        const got = items(await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: posOf(text), context: { triggerKind: 2 } }));
        const want = (await direct(url, text, MAX_TOKENS, ['\n'])).text.split('\n')[0]?.trimEnd() ?? '';
        assert.deepEqual(got.map((x) => x.insertText), want ? [want] : [], `prompt ${i}`);
      }
      assert.ok(s.logs.some((l) => /\/infill is not available .*HTTP 404/.test(l)), 'auto found no /infill here');
      assert.ok(s.logs.some((l) => /completing with .*\/v1\/completions$/.test(l)));
    } finally {
      await stopLspServer(s);
    }
  });

  it('cancellation reaches the server: the aborted request stops generating', async () => {
    const text = `# ${Array.from({ length: 30 }, (_x, i) => i + 1).join(', ')}, `; // greedy counts on for all 400 tokens
    const full = await direct(url, text, MAX_TOKENS, ['\n']);
    assert.ok(full.tokens >= 300 && full.ms > 1000, `the long request runs long enough to tell (${full.tokens} tokens in ${full.ms.toFixed(0)} ms)`);
    const s = await startLspServer(SETTINGS(url));
    try {
      const uri = 'file:///w/long.py';
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
      const cts = new CancellationTokenSource();
      const pending = s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: posOf(text), context: { triggerKind: 2 } }, cts.token).then(items, () => 'cancelled' as const);
      await new Promise((r) => setTimeout(r, 400));
      cts.cancel();
      const got = await pending;
      assert.ok(got === 'cancelled' || got.length === 0, 'a cancelled request shows nothing');
      const short = await direct(url, 'x = ', 4);
      assert.ok(short.ms < full.ms / 3, `a request right after the cancelled one waited ${short.ms.toFixed(0)} ms; the long one alone takes ${full.ms.toFixed(0)} ms`);
    } finally {
      await stopLspServer(s);
    }
  });

  it('8 editors typing at once: every request answered or cancelled, no stale ghost text', async (t) => {
    const lines = ['    total = sum(', '    result = compute(', '    name = user.', '    items.append(', '    count += len(', '    path = os.path.join(', '    data = json.', '    logger.info('];
    const finals: { editor: number; final: unknown[]; want: string }[] = [];
    const editors: LspServer[] = await Promise.all(lines.map(() => startLspServer({ ...SETTINGS(url), maxTokens: 24 })));
    try {
      const results = await Promise.all(editors.map(async (s, e) => {
        const uri = `file:///w/editor${e}.py`;
        let text = 'def step(values, x, user, items, value, batch, root, name, raw):\n';
        let version = 1;
        await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version, text } });
        // As VS Code does: a reply is shown only if its request was not cancelled meanwhile.
        const outcomes: { sentAt: number; answered: boolean; shown: boolean; discarded: boolean; versionThen: number; versionAtReply: number; ms: number }[] = [];
        const pending: Promise<void>[] = [];
        let inflight: CancellationTokenSource | undefined;
        for (const ch of lines[e] as string) {
          const p = posOf(text);
          text += ch;
          version++;
          inflight?.cancel();
          await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range: { start: p, end: p }, text: ch }] });
          const cts = new CancellationTokenSource();
          inflight = cts;
          const versionThen = version;
          const t0 = performance.now();
          pending.push(s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: posOf(text), context: { triggerKind: 2 } }, cts.token).then(
            (r) => {
              const has = items(r).length > 0;
              outcomes.push({ sentAt: t0, answered: true, shown: has && !cts.token.isCancellationRequested, discarded: has && cts.token.isCancellationRequested, versionThen, versionAtReply: version, ms: performance.now() - t0 });
            },
            () => { outcomes.push({ sentAt: t0, answered: false, shown: false, discarded: false, versionThen, versionAtReply: version, ms: performance.now() - t0 }); },
          ));
          await new Promise((r) => setTimeout(r, 60 + ((e * 7 + text.length * 13) % 90)));
        }
        await Promise.race([Promise.all(pending), new Promise((_r, reject) => setTimeout(() => reject(new Error(`editor ${e}: requests still open after 60 s`)), 60_000))]);
        // The user stops typing: the ghost text for the final text is the server's own completion of it.
        const final = items(await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: posOf(text), context: { triggerKind: 2 } })).map((x) => x.insertText);
        const want = (await direct(url, text, 24, ['\n'])).text.split('\n')[0]?.trimEnd() ?? '';
        finals.push({ editor: e, final, want });
        return outcomes;
      }));
      const all = results.flat();
      assert.equal(all.length, lines.reduce((n, l) => n + l.length, 0), 'every request settled');
      const stale = all.filter((o) => o.shown && o.versionAtReply !== o.versionThen);
      assert.deepEqual(stale, [], 'no ghost text for a version that has moved on');
      const last = results.map((o) => o.reduce((a, b) => (b.sentAt > a.sentAt ? b : a)));
      assert.ok(last.every((o) => o.answered), 'the last request of every editor was answered');
      for (const f of finals) assert.deepEqual(f.final, f.want ? [f.want] : [], `editor ${f.editor}: the final ghost text is the server's completion (${editors[f.editor]?.logs.slice(-3).join(' | ')})`);
      assert.ok(finals.filter((f) => f.want).length >= 4, `most final texts have a completion: ${JSON.stringify(finals)}`);
      const ms = all.map((o) => o.ms).sort((a, b) => a - b);
      t.diagnostic(`8 editors: ${all.length} requests while typing, ${all.filter((o) => o.answered).length} answered (${all.filter((o) => o.shown).length} shown, ${all.filter((o) => o.discarded).length} arrived after their cancellation and were dropped), ${all.filter((o) => !o.answered).length} cancelled; settle time p50 ${ms[Math.floor(ms.length / 2)]?.toFixed(0)} ms, max ${ms.at(-1)?.toFixed(0)} ms`);
    } finally {
      await Promise.all(editors.map((s) => stopLspServer(s)));
    }
  });
});
