// A file's first keystroke: a short first prompt (PromptBudget.first, the default; s256: a quarter
// of the budget, PRISM_FIRST_SHARE=0.25) vs the whole budget at once (PRISM_FIRST_SHARE=0). The real language server (dist/server.js) per arm. In each
// of N long dev-split files (two per language at most), the cursor rests at the end of a line at
// 40% of the file (the extension's prism/prefill, reason 'rest'); OPEN_MS later (the user reads, then
// types) Enter and the next line's indentation arrive as one change, a completion is asked 30 ms
// after it: the first ghost text. Then the rest of that line as one change (typed or pasted) and a
// completion, a 2.5 s pause, and the next line's Enter and a completion: the prompt typing then uses. Arms alternate on / off / off / on, or as ARMS says. Prints per arm and
// OPEN_MS: the first completion's latency p50 / max and prompt tokens computed, the next one's
// latency and prompt size, the server's peak RSS; with OUT=DIR, each arm's server log in DIR.
// Needs `npm run build` (dist/) and `npx tsc -p .` (out/).
import { cpus } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { root, require } from '../hybrid-setup.mjs';
const { startLspServer, stopLspServer } = require('./out/server/bench/lsp-client.js');
const { devFiles, sharedDataDir } = require('./out/server/bench/data.js');
const P = require('vscode-languageserver-protocol/node');
const { PREFILL } = require('./out/common/protocol.js');

const N = Number(process.argv[2] ?? 8);
const OPEN = (process.env.OPEN_MS ?? '300,1500').split(',').map(Number);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const files = [];
for (const f of devFiles(sharedDataDir(root), 90, { minBytes: 15000, maxBytes: 60000 })) {
  if (f.content.split('\n').length > 300 && files.filter((g) => g.lang === f.lang).length < 2 && files.length < N) files.push(f);
}
const pos = (text) => ({ line: (text.match(/\n/g) ?? []).length, character: text.length - (text.lastIndexOf('\n') + 1) });
const pct = (xs, q) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN; };
const parse = (l) => { const m = l && /completion: (\d+) prompt tokens \((\d+) reused\)/.exec(l); return m ? { prompt: Number(m[1]), computed: Number(m[1]) - Number(m[2]) } : { prompt: NaN, computed: NaN }; };

let armNo = 0;
async function arm(name, env) {
  const server = await startLspServer({ languages: { '*': true } }, { env: { ...process.env, ...env } });
  const { conn, logs } = server;
  server.proc.on('exit', (code, sig) => { if (!stopping) { console.error(`server exited (${code ?? sig}); its last lines:\n${logs.slice(-15).join('\n')}`); process.exit(1); } });
  let stopping = false;
  if (process.env.VERBOSE) conn.onNotification('prism/log', (p) => console.error('LOG', p.line));
  const warm = 'file:///bench/warmup.py';
  await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
  await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
  const rows = [];
  for (const open of OPEN) {
    const first = [], next = [];
    for (const [fi, f] of files.entries()) {
      const lines = f.content.split('\n');
      let at = Math.floor(lines.length * 0.4);
      while (at < lines.length - 3 && (lines[at + 1] ?? '').trim() === '') at++; // a line whose next one has text
      let before = lines.slice(0, at + 1).join('\n');
      const after = '\n' + lines.slice(at + 1).join('\n');
      const uri = `file:///bench/${open}-${fi}-${f.path.split('/').pop()}`;
      let version = 1;
      await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang || 'plaintext', version, text: before + after } });
      await conn.sendNotification(PREFILL, { textDocument: { uri }, position: pos(before), reason: 'rest' });
      await sleep(open);
      for (const [k, out] of [[1, first], [2, next]]) {
        // Enter at the end of line at+k-1 (VS Code's: the line break and the next line's indentation).
        const indent = /^[ \t]*/.exec(lines[at + k] ?? '')?.[0] ?? '';
        const p = pos(before);
        before += '\n' + indent;
        version++;
        await conn.sendNotification(P.DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range: { start: p, end: p }, text: '\n' + indent }] });
        await sleep(30);
        const n0 = logs.length;
        const t = performance.now();
        const r = await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri }, position: pos(before), context: { triggerKind: 2 } });
        const ms = performance.now() - t;
        const items = r === null ? [] : Array.isArray(r) ? r : r.items;
        out.push({ ms, n0, text: items[0]?.insertText ?? '' });
        if (k === 1) {
          // The user accepts nothing and types the real line, then pauses.
          const rest = (lines[at + 1] ?? '').slice(indent.length);
          const q = pos(before);
          before += rest;
          version++;
          await conn.sendNotification(P.DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range: { start: q, end: q }, text: rest }] });
          await sleep(30);
          await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri }, position: pos(before), context: { triggerKind: 2 } });
          await sleep(2500);
        }
      }
      // Its log line comes when its block is done (replies come with the first line).
      await sleep(1500);
      for (const x of [first.at(-1), next.at(-1)]) Object.assign(x, parse(logs.slice(x.n0).find((l) => l.startsWith('completion:'))));
      await conn.sendNotification(P.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
      await sleep(200);
    }
    const row = (xs) => ({ p50: Math.round(pct(xs.map((x) => x.ms), 0.5)), max: Math.round(Math.max(...xs.map((x) => x.ms))), computed: xs.map((x) => x.computed), prompt: xs.map((x) => x.prompt), empty: xs.filter((x) => !x.text).length });
    rows.push({ openMs: open, first: row(first), next: row(next), firstMs: first.map((x) => Math.round(x.ms)), nextMs: next.map((x) => Math.round(x.ms)) });
  }
  const rssMiB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  armNo++;
  if (process.env.OUT) writeFileSync(`${process.env.OUT}/${armNo}-${name}.log`, logs.filter((l) => /^(completion|prefill|auto)/.test(l)).join('\n') + '\n');
  stopping = true;
  await stopLspServer(server);
  return { name, rows, rssMiB: Math.round(rssMiB) };
}

console.log(`# ${cpus().length} x ${cpus()[0]?.model}; ${files.length} files, Enter OPEN_MS ${OPEN.join(' / ')} ms after the cursor rests: ${files.map((f) => f.path).join(', ')}`);
const ENV = { on: {}, off: { PRISM_FIRST_SHARE: '0' }, s256: { PRISM_FIRST_SHARE: '0.25' } };
for (const name of (process.env.ARMS ?? 'on,off,off,on').split(',')) {
  const r = await arm(name, ENV[name]);
  console.log(JSON.stringify(r));
}
