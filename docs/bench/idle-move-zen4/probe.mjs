// The prompt's start moved while the user pauses (Completer.scheduleIdleMove) vs on the keystroke
// that outgrows it (PRISM_IDLE_MOVE_MS=0). The real language server (dist/server.js) per arm; in
// each of N long dev-split files, from a line at 40% of it, the file's next 80 lines are typed
// back a line at a time (each line one change, as an accepted line or a paste), a completion
// asked 80 ms after each, 150 ms between lines and a 2.5 s pause (PAUSE_MS) after every 5th.
// Arms alternate on / off / off / on, or as ARMS says (comma-separated: on, off; nospare: the move
// computed into the cache typing uses, PRISM_MOVE_SPARE=0; chunk256: warm-ups in 256-row chunks,
// PRISM_WARM_CHUNK=256; old: both, as on 2026-12-06 before the spare); with OUT=DIR, each arm's
// server log lines in DIR. Prints, per arm: request latency p50 / p95 / max, the completions that computed
// more than 64 prompt tokens (the moved prompts) with their latencies, the warm-ups that moved a
// start, and the server's peak RSS. Needs `npm run build` (dist/) and `npx tsc -p .` (out/).
import { cpus } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { root, require } from '../hybrid-setup.mjs';
const { startLspServer, stopLspServer } = require('./out/server/bench/lsp-client.js');
const { devFiles, sharedDataDir } = require('./out/server/bench/data.js');
const P = require('vscode-languageserver-protocol/node');
const { PREFILL } = require('./out/common/protocol.js');

const N = Number(process.argv[2] ?? 4);
const PAUSE_MS = Number(process.env.PAUSE_MS ?? 2500); // after every 5th line
const LINES = 80;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// One file per language (the first long one of each shard).
const files = [];
for (const f of devFiles(sharedDataDir(root), 70, { minBytes: 15000, maxBytes: 60000 })) {
  if (f.content.split('\n').length > 300 && !files.some((g) => g.lang === f.lang) && files.length < N) files.push(f);
}
const pos = (text) => ({ line: (text.match(/\n/g) ?? []).length, character: text.length - (text.lastIndexOf('\n') + 1) });
const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN; };

let armNo = 0;
async function arm(name, env) {
  const server = await startLspServer({ languages: { '*': true } }, { env: { ...process.env, ...env } });
  const { conn, logs } = server;
  const warm = 'file:///bench/warmup.py';
  await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
  await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
  const lat = [];
  const moved = [];
  for (const [fi, f] of files.entries()) {
    const lines = f.content.split('\n');
    const from = Math.floor(lines.length * 0.4);
    let before = lines.slice(0, from).join('\n') + '\n';
    const typed = lines.slice(from, from + LINES);
    const after = lines.slice(from + LINES).join('\n');
    const uri = `file:///bench/${fi}-${f.path.split('/').pop()}`;
    let version = 1;
    await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang || 'plaintext', version, text: before + after } });
    await conn.sendNotification(PREFILL, { textDocument: { uri }, position: pos(before), reason: 'rest' });
    await sleep(4000);
    for (const [i, line] of typed.entries()) {
      const p = pos(before);
      before += line + '\n';
      version++;
      await conn.sendNotification(P.DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range: { start: p, end: p }, text: line + '\n' }] });
      await sleep(80);
      const n0 = logs.length;
      const t = performance.now();
      await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri }, position: pos(before), context: { triggerKind: 2 } });
      const ms = performance.now() - t;
      lat.push(ms);
      const line2 = logs.slice(n0).find((l) => l.startsWith('completion:'));
      const m = line2 && /completion: (\d+) prompt tokens \((\d+) reused\)/.exec(line2);
      if (m && Number(m[1]) - Number(m[2]) > 64) moved.push({ file: fi, line: i, ms: Math.round(ms), computed: Number(m[1]) - Number(m[2]), prompt: Number(m[1]) });
      await sleep(i % 5 === 4 ? PAUSE_MS : 150);
    }
    await conn.sendNotification(P.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }
  const idleMoves = logs.filter((l) => /start moved while the user paused/.test(l));
  const rssMiB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  armNo++;
  if (process.env.OUT) writeFileSync(`${process.env.OUT}/${armNo}-${name}.log`, logs.filter((l) => /^(completion|prefill|auto)/.test(l)).join('\n') + '\n');
  await stopLspServer(server);
  return { name, requests: lat.length, p50: Math.round(pct(lat, 0.5)), p95: Math.round(pct(lat, 0.95)), max: Math.round(Math.max(...lat)), over500: lat.filter((x) => x > 500).length, recomputed: moved, idleMoves, rssMiB: Math.round(rssMiB) };
}

console.log(`# ${cpus().length} x ${cpus()[0]?.model}; ${N} files x ${LINES} lines, a ${PAUSE_MS} ms pause after every 5th: ${files.map((f) => f.path).join(', ')}`);
const ENV = { on: {}, off: { PRISM_IDLE_MOVE_MS: '0' }, nospare: { PRISM_MOVE_SPARE: '0' }, chunk256: { PRISM_WARM_CHUNK: '256' }, old: { PRISM_MOVE_SPARE: '0', PRISM_WARM_CHUNK: '256' } };
for (const name of (process.env.ARMS ?? 'on,off,off,on').split(',')) {
  const r = await arm(name, ENV[name]);
  console.log(JSON.stringify(r));
}
