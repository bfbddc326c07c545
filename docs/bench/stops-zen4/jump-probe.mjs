// Ctrl+End in a just-opened long file, then Enter: the real language server (dist/server.js), auto
// drafting, dev-split files of 8-80 KB. The file opens (prism/prefill 'active' at (0, 0)), a click
// near its top rests (prism/prefill 'rest' at line 21, 600 ms later), Ctrl+End 534 ms after that,
// whose warm-up is sent REST ms after the key (RESTS: 400, the rest after keys before; 100, the
// rest after a jump now), and Enter ENTER ms after the key: ms from VS Code's request to the
// reply, and the server's lines (tokens reused). Alternating per file on one server.
//   npx tsc -p . && node scripts/bundle.mjs && ENTER=1000,1500 FILES=6 node docs/bench/stops-zen4/jump-probe.mjs
import { createRequire } from 'node:module';
const root = process.env.ROOT ?? new URL('../../..', import.meta.url).pathname;
const ENTER = (process.env.ENTER ?? '1150').split(',').map(Number);
const RESTS = (process.env.RESTS ?? '400,100').split(',').map(Number);
const N = Number(process.env.FILES ?? 4);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const req = createRequire(`${root}/package.json`);
const { DidOpenTextDocumentNotification, DidChangeTextDocumentNotification, InlineCompletionRequest } = req('vscode-languageserver-protocol/node');
const { devFiles, sharedDataDir } = req('./out/server/bench/data.js');
const { startLspServer, stopLspServer } = req('./out/server/bench/lsp-client.js');
const { PREFILL } = req('./out/common/protocol.js');
const files = devFiles(sharedDataDir(root), 400, { minBytes: 8000, maxBytes: 80000 }).filter((f) => ['typescript', 'python', 'go', 'java'].includes(f.lang)).slice(0, N);
const s = await startLspServer({ draft: { mode: 'auto' }, languages: { '*': true } });
const warm = 'file:///probe/warmup.py';
await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
const rows = [];
for (const enter of ENTER) for (const [i, f] of files.entries()) for (const rest of (i % 2 ? [...RESTS].reverse() : RESTS)) {
  const uri = `file:///probe/e${enter}-${i}-${rest}.${f.path.split('.').pop()}`;
  const text = f.content.replace(/\s+$/, '');
  const lines = text.split('\n');
  const last = lines.length - 1;
  const t00 = performance.now();
  const before = s.logs.length;
  await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang, version: 1, text } });
  await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line: 0, character: 0 }, reason: 'active' });
  await sleep(600);
  await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line: 20, character: lines[20]?.length ?? 0 }, reason: 'rest' });
  await sleep(534); // Ctrl+End; its warm-up after the rest; Enter `enter` ms after the key
  await sleep(rest);
  await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line: last, character: lines[last].length }, reason: 'rest' });
  await sleep(enter - rest);
  const indent = /^\s*/.exec(lines[last])[0];
  await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: last, character: lines[last].length }, end: { line: last, character: lines[last].length } }, text: '\n' + indent }] });
  const t0 = performance.now();
  await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line: last + 1, character: indent.length }, context: { triggerKind: 2 } });
  const ms = Math.round(performance.now() - t0);
  await sleep(2500);
  const logs = s.logs.slice(before);
  const m = logs.map((l) => /completion: (\d+) prompt tokens \((\d+) reused\)/.exec(l)).find(Boolean);
  rows.push({ enter, rest, ms, reused: m ? Number(m[2]) : -1 });
  console.log(JSON.stringify({ enter, rest, file: `${f.lang} ${f.path} ${text.length}`, ms, logs: logs.map((l) => `${l}`.slice(0, 160)) }));
}
await stopLspServer(s);
const med = (a) => { const x = [...a].sort((u, v) => u - v); return x.length % 2 ? x[(x.length - 1) / 2] : (x[x.length / 2 - 1] + x[x.length / 2]) / 2; };
for (const enter of ENTER) for (const rest of RESTS) {
  const r = rows.filter((x) => x.enter === enter && x.rest === rest);
  console.log(JSON.stringify({ enter_after_key_ms: enter, warm_up_after_key_ms: rest, reply_ms: r.map((x) => x.ms), median_ms: med(r.map((x) => x.ms)), reused: r.map((x) => x.reused) }));
}
