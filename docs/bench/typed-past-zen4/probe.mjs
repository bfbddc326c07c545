// Typing past a block's ghost text: the real language server, two builds alternating (the
// server bundles in BUILDS, copied over dist/server.js for each arm, the original put back at the
// end; the engine is the same). In
// each of N dev-split files the cursor rests at the end of a line at 40% of the file (prism/prefill
// 'rest'), 1.5 s later Enter and the next line's indentation arrive as one change and a completion
// is asked 30 ms after it (a block: its first line replies, the rest decodes on). READ_MS after
// the reply the user types the real line's first character; where it is not the ghost text's
// first character (the user left the ghost text), a completion is asked DEBOUNCE_MS after it, as
// the extension asks after a keystroke. Prints per arm: that request's latency (p50 / p90 / max),
// the server's CPU ms from the keystroke to its reply, and how many blocks the server stopped.
//   npm run build && npx tsc -p . && BUILDS=/tmp/dist-new,/tmp/dist-old node docs/bench/typed-past-zen4/probe.mjs [N]
import { cpus } from 'node:os';
import { copyFileSync, readFileSync } from 'node:fs';
import { root, require } from '../hybrid-setup.mjs';
const { startLspServer, stopLspServer } = require('./out/server/bench/lsp-client.js');
const { devFiles, sharedDataDir } = require('./out/server/bench/data.js');
const P = require('vscode-languageserver-protocol/node');
const { PREFILL } = require('./out/common/protocol.js');

const N = Number(process.argv[2] ?? 16);
const READ_MS = Number(process.env.READ_MS ?? 150);
const DEBOUNCE_MS = Number(process.env.DEBOUNCE_MS ?? 100);
const BUILDS = (process.env.BUILDS ?? '').split(',').filter(Boolean);
if (BUILDS.length === 0) throw new Error('set BUILDS=DIR,DIR: folders holding a server.js bundle each');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const files = devFiles(sharedDataDir(root), 200, { minBytes: 4000, maxBytes: 60000 }).filter((f) => f.content.split('\n').length > 80).slice(0, N);
const pos = (text) => ({ line: (text.match(/\n/g) ?? []).length, character: text.length - (text.lastIndexOf('\n') + 1) });
const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN; };
const cpuMs = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };

async function arm(build) {
  copyFileSync(`${build}/server.js`, `${root}/dist/server.js`);
  const server = await startLspServer({ languages: { '*': true } }, { env: process.env });
  const { conn, logs } = server;
  const warm = 'file:///bench/warmup.py';
  await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
  await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
  const left = [], followed = [];
  for (const [fi, f] of files.entries()) {
    const lines = f.content.split('\n');
    let at = Math.floor(lines.length * 0.4);
    while (at < lines.length - 3 && (lines[at + 1] ?? '').trim() === '') at++;
    let before = lines.slice(0, at + 1).join('\n');
    const after = '\n' + lines.slice(at + 1).join('\n');
    const uri = `file:///bench/${fi}-${f.path.split('/').pop()}`;
    let version = 1;
    await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang || 'plaintext', version, text: before + after } });
    await conn.sendNotification(PREFILL, { textDocument: { uri }, position: pos(before), reason: 'rest' });
    await sleep(1500);
    const indent = /^[ \t]*/.exec(lines[at + 1] ?? '')?.[0] ?? '';
    let p = pos(before);
    before += '\n' + indent;
    await conn.sendNotification(P.DidChangeTextDocumentNotification.type, { textDocument: { uri, version: ++version }, contentChanges: [{ range: { start: p, end: p }, text: '\n' + indent }] });
    await sleep(30);
    const r = await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri }, position: pos(before), context: { triggerKind: 2 } });
    const ghost = (r === null ? [] : Array.isArray(r) ? r : r.items)[0]?.insertText ?? '';
    await sleep(READ_MS);
    const ch = (lines[at + 1] ?? '').slice(indent.length, indent.length + 1);
    if (ghost && ch) {
      const n0 = logs.length;
      const c0 = cpuMs(server.proc.pid);
      p = pos(before);
      before += ch;
      await conn.sendNotification(P.DidChangeTextDocumentNotification.type, { textDocument: { uri, version: ++version }, contentChanges: [{ range: { start: p, end: p }, text: ch }] });
      await sleep(DEBOUNCE_MS);
      const t = performance.now();
      await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri }, position: pos(before), context: { triggerKind: 2 } });
      const ms = performance.now() - t;
      const cpu = cpuMs(server.proc.pid) - c0;
      const stopped = logs.slice(n0).some((l) => l.startsWith('typed past the ghost text'));
      (ghost.startsWith(ch) ? followed : left).push({ ms, cpu, stopped });
    }
    await sleep(1500);
    await conn.sendNotification(P.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    await sleep(200);
  }
  await stopLspServer(server);
  const row = (xs) => ({ n: xs.length, p50: Math.round(pct(xs.map((x) => x.ms), 0.5)), p90: Math.round(pct(xs.map((x) => x.ms), 0.9)), max: Math.round(Math.max(...xs.map((x) => x.ms))), cpuP50: Math.round(pct(xs.map((x) => x.cpu), 0.5)), cpuSum: xs.reduce((s, x) => s + x.cpu, 0), stopped: xs.filter((x) => x.stopped).length, ms: xs.map((x) => Math.round(x.ms)) });
  return { build, left: row(left), followed: row(followed) };
}

console.log(`# ${cpus().length} x ${cpus()[0]?.model}; ${files.length} files; the keystroke ${READ_MS} ms after the first reply, its request ${DEBOUNCE_MS} ms after it`);
const original = readFileSync(`${root}/dist/server.js`);
try {
  for (const build of [...BUILDS, ...BUILDS.slice().reverse()]) console.log(JSON.stringify(await arm(build)));
} finally {
  (await import('node:fs')).writeFileSync(`${root}/dist/server.js`, original);
}
