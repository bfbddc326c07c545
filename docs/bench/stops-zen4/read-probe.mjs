// Files opened to read between two completions in one file: the real language server (dist/server.js
// of each ROOTS checkout, alternating), auto drafting, prism.cacheDocuments at its default (2).
// A dev file of 8-40 KB is opened, its cursor (a line end at 75% of it) warmed, and a completion
// asked there (the user types in it); then two short dev files (1,500-3,000 characters: each warmed
// whole when it becomes active) are opened and read for 2 s each; then the user comes back to the
// first file: prism/prefill 'active' at its cursor, as the extension sends on the tab switch, and
// VS Code asks there BACK ms later. ms from the request to the reply, and tokens computed for it.
//   npx tsc -p . && node scripts/bundle.mjs && ROOTS=/work/main,/tmp/base node docs/bench/stops-zen4/read-probe.mjs
import { createRequire } from 'node:module';
const roots = (process.env.ROOTS ?? new URL('../../..', import.meta.url).pathname).split(',');
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const N = Number(process.env.TRIPLES ?? 6);
const BACK = Number(process.env.BACK ?? 300);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mod = (root, p) => createRequire(`${root}/package.json`)(p);
const { DidOpenTextDocumentNotification, InlineCompletionRequest } = mod(roots[0], 'vscode-languageserver-protocol/node');
const { devFiles, sharedDataDir } = mod(roots[0], './out/server/bench/data.js');
const longs = devFiles(sharedDataDir(roots[0]), 600, { minBytes: 8000, maxBytes: 40000 });
const shorts = devFiles(sharedDataDir(roots[0]), 600, { minBytes: 1500, maxBytes: 3000 });
const langs = ['python', 'go', 'typescript', 'java', 'c_cpp', 'rust'];
const triples = [];
for (let i = 0; triples.length < N && i < 40; i++) {
  const l = langs[i % langs.length];
  const a = longs.filter((x) => x.lang === l)[Math.floor(i / langs.length)];
  const [b, c] = shorts.filter((x) => x.lang === l).slice(2 * Math.floor(i / langs.length), 2 * Math.floor(i / langs.length) + 2);
  if (a && b && c) triples.push({ a, b, c });
}
console.log(JSON.stringify({ triples: triples.map((t) => [t.a, t.b, t.c].map((f) => `${f.lang} ${f.repo}/${f.path} (${f.content.length})`)), back_ms: BACK, roots }));
const ext = (f) => f.path.split('.').pop();
const rows = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const root of (round % 2 ? [...roots].reverse() : roots)) {
    const { startLspServer, stopLspServer } = mod(root, './out/server/bench/lsp-client.js');
    const { PREFILL } = mod(root, './out/common/protocol.js');
    const s = await startLspServer({ draft: { mode: 'auto' }, languages: { '*': true } });
    const warm = 'file:///probe/warmup.py';
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
    await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
    for (const [i, { a, b, c }] of triples.entries()) {
      const uri = (f, tag) => `file:///probe/r${round}-${i}-${tag}.${ext(f)}`;
      const lines = a.content.split('\n');
      let line = Math.floor(lines.length * 0.75);
      while (line > lines.length / 2 && lines[line].trim().length === 0) line--;
      const at = { line, character: lines[line].length };
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(a, 'a'), languageId: a.lang, version: 1, text: a.content } });
      await s.conn.sendNotification(PREFILL, { textDocument: { uri: uri(a, 'a') }, position: at, reason: 'rest' });
      await sleep(2500);
      await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: uri(a, 'a') }, position: at, context: { triggerKind: 2 } });
      await sleep(1500);
      for (const [f, tag] of [[b, 'b'], [c, 'c']]) {
        await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(f, tag), languageId: f.lang, version: 1, text: f.content } });
        await s.conn.sendNotification(PREFILL, { textDocument: { uri: uri(f, tag) }, position: { line: 0, character: 0 }, reason: 'active' });
        await sleep(2000);
      }
      await s.conn.sendNotification(PREFILL, { textDocument: { uri: uri(a, 'a') }, position: at, reason: 'active' });
      await sleep(BACK);
      const before = s.logs.length;
      const t0 = performance.now();
      await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: uri(a, 'a') }, position: at, context: { triggerKind: 2 } });
      const ms = Math.round(performance.now() - t0);
      await sleep(1500);
      const log = s.logs.slice(before).find((l) => /^completion:/.test(l)) ?? '';
      const m = /completion: (\d+) prompt tokens \((\d+) reused\)/.exec(log);
      (rows[root] ??= []).push({ round, lang: a.lang, ms, prompt: m ? Number(m[1]) : -1, computed: m ? Number(m[1]) - Number(m[2]) : -1 });
    }
    await stopLspServer(s);
    console.log(JSON.stringify({ round, root, rows: rows[root].filter((r) => r.round === round) }));
  }
}
const q = (a, p) => { const x = [...a].sort((u, v) => u - v); return x[Math.min(x.length - 1, Math.floor(p * x.length))]; };
for (const root of roots) {
  const r = rows[root];
  console.log(JSON.stringify({ root, back_in_the_first_file_ms: { p50: q(r.map((x) => x.ms), 0.5), p90: q(r.map((x) => x.ms), 0.9) }, tokens_computed: { p50: q(r.map((x) => x.computed), 0.5), max: Math.max(...r.map((x) => x.computed)) }, n: r.length }));
}
