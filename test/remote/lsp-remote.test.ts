// The language server with each backend, as a child process over stdio:
// - the default (local) opens no network connection at all: no connect and no UDP socket use
//   from any thread (a preload records every attempt), and no TCP/UDP socket in /proc; and
//   onnxruntime's native telemetry uploader (which no JS hook sees) never starts: it would keep a
//   device id and its queued events under $XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime;
// - the remote backend sends the document's prefix and suffix, shapes the reply exactly as local
//   completions are shaped, reports the server and its latency in the status, turns a refused
//   key into one status line, and aborts the HTTP request when a newer request supersedes it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type CancellationTokenSource, DidChangeTextDocumentNotification, DidOpenTextDocumentNotification, InlineCompletionRequest,
  type InlineCompletionItem,
} from 'vscode-languageserver-protocol/node';
import { type LspServer, startLspServer, stopLspServer } from '../../server/bench/lsp-client';
import { telemetryEnv } from '../helpers';
import { CONTINUATION, type ContinuationParams, PREFILL, STATS } from '../../common/protocol';
import { FakeServer, sse } from './fake-server';

const GUARD = path.join(__dirname, 'net-guard.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-net-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function start(settings: Record<string, unknown>, name: string, env: NodeJS.ProcessEnv = {}, asIs = false): Promise<{ s: LspServer; netLog: string }> {
  const netLog = path.join(tmp, `${name}.jsonl`);
  fs.writeFileSync(netLog, '');
  const s = await startLspServer(settings, { execArgv: ['--require', GUARD], env: { ...process.env, PRISM_NET_LOG: netLog, ...env }, asIs });
  return { s, netLog };
}

const attempts = (netLog: string): { what: string; detail: unknown }[] =>
  fs.readFileSync(netLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { what: string; detail: unknown });

/** TCP and UDP sockets (any address) the process holds now, from /proc. */
function inetSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const found: string[] = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const rows = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1);
    for (const row of rows) {
      const cols = row.trim().split(/\s+/);
      if (cols[9] && inodes.has(cols[9])) found.push(`${table} ${cols[1]} -> ${cols[2]}`);
    }
  }
  return found;
}

const ask = async (s: LspServer, uri: string, line: number, character: number, token?: CancellationTokenSource): Promise<InlineCompletionItem[]> => {
  const r = await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line, character }, context: { triggerKind: 2 } }, token?.token);
  return r === null ? [] : Array.isArray(r) ? r : r.items;
};

describe('backends over LSP', () => {
  it('the default settings open no network connection (local model, completions served) and start no telemetry', async () => {
    // onnxruntime would start its telemetry here (telemetryEnv), and the server starts without the
    // extension's environment (as another editor would start it), so the server's own setting is
    // what is tested.
    const cache = path.join(tmp, 'xdg-cache');
    const { s, netLog } = await start({}, 'default', telemetryEnv(cache), true);
    try {
      const uri = 'file:///w/a.py';
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text: 'import os\n\ndef main():\n    path = os.' } });
      const during = new Set<string>();
      const probe = setInterval(() => { for (const x of inetSockets(s.proc.pid as number)) during.add(x); }, 50);
      const got = await ask(s, uri, 3, 14);
      clearInterval(probe);
      const stats = await s.conn.sendRequest(STATS);
      assert.equal(stats.modelLoaded, true, 'the local model served the request');
      assert.equal(stats.errors, 0);
      assert.ok(Array.isArray(got));
      assert.deepEqual(attempts(netLog), [], 'no connect and no UDP socket use');
      assert.deepEqual([...during], [], 'no TCP/UDP socket while completing');
      assert.equal(fs.existsSync(path.join(cache, 'Microsoft')), false, 'no onnxruntime telemetry store');
    } finally {
      await stopLspServer(s);
    }
  });

  it('remote: sends prefix and suffix, shapes the reply like local completions, reports the server and its latency', async () => {
    const fake = await new FakeServer((_seen, res) => sse(res, [{ content: 'environ.get("HOME")\nprint(path)\n', stop: true }])).start();
    const { s, netLog } = await start({ backend: 'remote', remote: { url: fake.url, api: 'infill' } }, 'remote', { PRISM_REMOTE_API_KEY: 'sk-lsp-test' });
    try {
      const uri = 'file:///w/b.py';
      const text = 'import os\n\ndef main():\n    path = os.\n    return path\n';
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
      const got = await ask(s, uri, 3, 14);
      assert.deepEqual(got.map((x) => x.insertText), ['environ.get("HOME")'], 'code before the cursor: the rest of the line only');
      const sent = fake.seen[0];
      assert.equal(sent?.body.input_prefix, 'import os\n\ndef main():\n    path = os.');
      assert.equal(sent?.body.input_suffix, '\n    return path\n');
      assert.equal(sent?.headers.authorization, 'Bearer sk-lsp-test', 'the key from the environment');
      const st = s.statuses.find((p) => p.serverMs !== undefined);
      assert.ok(st && st.serverMs !== undefined && st.lastLatencyMs !== undefined && st.serverMs <= st.lastLatencyMs + 1, JSON.stringify(st));
      assert.ok(s.statuses.some((p) => p.backend === fake.url));
      assert.ok(!s.logs.some((l) => l.includes('sk-lsp-test')), 'the key is never logged');
      const stats = await s.conn.sendRequest(STATS);
      assert.equal(stats.completed, 1);
      // A completion in another document carries the first one's lines around its cursor as extra context.
      const other = 'file:///w/c.py';
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: other, languageId: 'python', version: 1, text: 'x = os.' } });
      await ask(s, other, 0, 7);
      assert.deepEqual(fake.seen[1]?.body.input_extra, [{ filename: '/w/b.py', text }]);
      // A document that becomes active: a one-token request with its prompt warms the server's cache.
      await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line: 3, character: 14 } });
      for (let i = 0; i < 100 && fake.seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(fake.seen[2]?.body.n_predict, 1);
      assert.equal(fake.seen[2]?.body.input_prefix, 'import os\n\ndef main():\n    path = os.');
      for (let i = 0; i < 100 && (await s.conn.sendRequest(STATS)).prefills < 1; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal((await s.conn.sendRequest(STATS)).prefills, 1);
      const seen = attempts(netLog).filter((a) => a.what === 'connect');
      assert.ok(seen.length >= 1 && seen.every((a) => (a.detail as { host?: string }).host === '127.0.0.1'), `the guard sees the loopback connection: ${JSON.stringify(seen)}`);
    } finally {
      await stopLspServer(s);
      await fake.stop();
    }
  });

  it('remote: a block replies with its first line as it streams in, and the whole block follows (prism/continuation)', async () => {
    const fake = await new FakeServer((_seen, res) => sse(res, [{ content: '    y = 1\n', stop: false }, { content: '    return y\n', stop: false }, { content: '', stop: true }], 150)).start();
    const { s } = await start({ backend: 'remote', remote: { url: fake.url, api: 'infill' } }, 'progressive');
    try {
      const rests: ContinuationParams[] = [];
      s.conn.onNotification(CONTINUATION, (p: ContinuationParams) => { rests.push(p); });
      const uri = 'file:///w/d.py';
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text: 'def f():\n    ' } });
      assert.deepEqual((await ask(s, uri, 1, 4)).map((x) => x.insertText), ['y = 1']);
      assert.deepEqual(rests, [], 'the rest is still streaming');
      for (let i = 0; i < 100 && rests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(rests, [{ textDocument: { uri, version: 1 }, position: { line: 1, character: 4 }, insertText: 'y = 1\n    return y' }], s.logs.join(' / '));
      // Token healing: the prompt went without the cursor's indentation, and the reply spelled it again.
      assert.equal(fake.seen[0]?.body.input_prefix, 'def f():\n');
    } finally {
      await stopLspServer(s);
      await fake.stop();
    }
  });

  it('remote: a newer request aborts the older HTTP request; a refused key is one status line', async () => {
    let n = 0;
    const fake = await new FakeServer(async (seen, res) => {
      n++;
      if (seen.body.input_prefix === 'deny') { res.writeHead(401).end('bad key'); return; }
      await sse(res, Array.from({ length: 40 }, (_x, i) => ({ content: `+ v${i} `, stop: false })).concat([{ content: '', stop: true }]), n === 1 ? 50 : 0);
    }).start();
    const { s } = await start({ backend: 'remote', remote: { url: fake.url, api: 'infill' } }, 'supersede');
    try {
      const uri = 'file:///w/c.py';
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text: 'a = ' } });
      const first = ask(s, uri, 0, 4);
      await new Promise((r) => setTimeout(r, 150));
      await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: 'a = 1' }] });
      const second = await ask(s, uri, 0, 5);
      assert.deepEqual(await first, [], 'the superseded request shows nothing');
      assert.equal(second[0]?.insertText, Array.from({ length: 40 }, (_x, i) => `+ v${i}`).join(' '));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(fake.seen[0]?.abortedByClient, true, 'the first HTTP request was aborted');
      await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ text: 'deny' }] });
      assert.deepEqual(await ask(s, uri, 0, 4), []);
      const err = s.statuses.filter((p) => p.state === 'error').at(-1);
      assert.match(err?.message ?? '', /refused the request \(HTTP 401: bad key\); set the API key with "PRISM: Set Remote API Key"$/);
    } finally {
      await stopLspServer(s);
      await fake.stop();
    }
  });
});
