// After a member access: the real language server (dist/server.js), auto drafting, dev-split files.
// At each position right after `name.` (or `).`, `].`), the document is opened without the last
// CHARS characters before the dot and the dot, the cursor's prompt warmed (as a resting cursor
// is), then those characters and the dot are typed back 120 ms apart through the client's own
// decision path (common/inline-flow.ts: cache, adaptive debounce, cancellation), and the typist
// stops after the dot. ms from the dot's keystroke to the ghost text, with the client asking at
// the shortest wait after a member access (memberMin, the default now) and at the typing rhythm's
// wait (before), alternating per position on one server.
//   npx tsc -p . && node scripts/bundle.mjs && node docs/bench/stops-zen4/member-probe.mjs
import { createRequire } from 'node:module';
const root = new URL('../../..', import.meta.url).pathname;
const req = createRequire(`${root}/package.json`);
const { DidOpenTextDocumentNotification, DidChangeTextDocumentNotification, InlineCompletionRequest, CancellationTokenSource } = req('vscode-languageserver-protocol/node');
const { devFiles, sharedDataDir } = req('./out/server/bench/data.js');
const { startLspServer, stopLspServer } = req('./out/server/bench/lsp-client.js');
const { PREFILL } = req('./out/common/protocol.js');
const { InlineFlow } = req('./out/common/inline-flow.js');
const { stopKey } = req('./out/common/debounce.js');
const N = Number(process.env.POSITIONS ?? 24);
const CHARS = 6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const langs = ['python', 'typescript', 'go', 'java', 'javascript', 'rust', 'c_cpp'];
const all = devFiles(sharedDataDir(root), 600, { minBytes: 3000, maxBytes: 40000 });
const positions = [];
for (let i = 0; positions.length < N && i < 80; i++) {
  for (const l of langs) {
    const f = all.filter((x) => x.lang === l)[i];
    if (!f || positions.length >= N) continue;
    // The first member access in the file's second half whose line has code before it.
    const re = /[A-Za-z_)\]]\.(?=[A-Za-z_])/g;
    re.lastIndex = Math.floor(f.content.length / 2);
    const m = re.exec(f.content);
    if (m) positions.push({ f, dot: m.index + 1 });
  }
}
const s = await startLspServer({ draft: { mode: 'auto' }, languages: { '*': true } });
const warmUri = 'file:///probe/warmup.py';
await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warmUri, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warmUri }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
const pos = (t) => { const lines = t.split('\n'); return { line: lines.length - 1, character: lines[lines.length - 1].length }; };
const rows = [];
for (const [i, { f, dot }] of positions.entries()) {
  for (const memberMin of i % 2 ? [false, true] : [true, false]) {
    const uri = `file:///probe/m${i}-${memberMin ? 'min' : 'rhythm'}.${f.path.split('.').pop()}`;
    let before = f.content.slice(0, dot - CHARS);
    const typed = f.content.slice(dot - CHARS, dot + 1);
    const after = f.content.slice(dot + 1);
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang, version: 1, text: before + after } });
    await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: pos(before), reason: 'rest' });
    await sleep(2500);
    const flow = new InlineFlow((x) => x.insertText, { now: () => performance.now() });
    flow.setDebounce('auto', true, memberMin);
    let version = 1;
    let inflight;
    let result;
    for (const ch of typed) {
      const p = pos(before);
      const stop = stopKey(before.slice(-64), ch);
      before += ch;
      version++;
      const tKey = performance.now();
      flow.keystroke(stop);
      inflight?.cancel();
      await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range: { start: p, end: p }, text: ch }] });
      const cts = new CancellationTokenSource();
      inflight = cts;
      const at = pos(before);
      const isDot = stop === 'member';
      const done = flow.provide({ point: { uri, before, after }, automatic: true }, cts.token, async (token) => {
        const r = await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: at, context: { triggerKind: 2 } }, token);
        return r === null ? null : Array.isArray(r) ? r : r.items;
      }).then((r) => ({ r, ms: performance.now() - tKey }), () => ({ r: { kind: 'error' }, ms: -1 }));
      if (isDot) result = await done;
      else await sleep(120);
    }
    const text = result.r.kind === 'cache' ? result.r.items[0] : result.r.kind === 'server' ? result.r.items[0]?.insertText : undefined;
    rows.push({ i, lang: f.lang, memberMin, kind: result.r.kind, ms: Math.round(result.ms), shown: Boolean(text), text: (text ?? '').slice(0, 40), line: typed.trim() });
    console.log(JSON.stringify(rows.at(-1)));
    await sleep(1500); // what runs on in the background ends
  }
}
await stopLspServer(s);
const q = (a, p) => { const x = [...a].sort((u, v) => u - v); return x[Math.min(x.length - 1, Math.floor(p * x.length))]; };
for (const memberMin of [true, false]) {
  const r = rows.filter((x) => x.memberMin === memberMin && x.shown);
  console.log(JSON.stringify({ wait: memberMin ? 'shortest (25 ms) after a member access' : "the typing rhythm's", shown: `${r.length} of ${rows.filter((x) => x.memberMin === memberMin).length}`, p50_ms: q(r.map((x) => x.ms), 0.5), p95_ms: q(r.map((x) => x.ms), 0.95), mean_ms: Math.round(r.reduce((a, x) => a + x.ms, 0) / r.length) }));
}
