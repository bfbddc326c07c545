// A document's own chars per token: the real language server (dist/server.js of each ROOTS
// checkout, alternating), auto drafting, dev-split files of several languages opened one after
// another (as a user moves between files). Each file is opened twice, as a fresh document:
//   warm: the cursor rests ~6,000 characters in (prism/prefill), the user reads 3 s, then VS Code
//         asks there, and three more times as the user types a line (a, then b, then Enter);
//   cold: VS Code asks at once after the open (no warm-up), ~9,000 characters in (a prompt that
//         shares nothing with the warm copy's: the engine would take its cache over).
// Per request: ms from VS Code's request to the reply, the prompt's tokens and how many were
// reused (the server's log). The budget is prism.contextTokens (1,024).
//   npx tsc -p . && node scripts/bundle.mjs && ROOTS=/work/main,/tmp/base node docs/bench/doc-ratio-zen4/density-probe.mjs
import { createRequire } from 'node:module';
const roots = (process.env.ROOTS ?? new URL('../../..', import.meta.url).pathname).split(',');
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const PER_LANG = Number(process.env.PER_LANG ?? 2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mod = (root, p) => createRequire(`${root}/package.json`)(p);
const { DidOpenTextDocumentNotification, DidChangeTextDocumentNotification, InlineCompletionRequest } = mod(roots[0], 'vscode-languageserver-protocol/node');
const { devFiles, sharedDataDir } = mod(roots[0], './out/server/bench/data.js');
const all = devFiles(sharedDataDir(roots[0]), 400, { minBytes: 12000, maxBytes: 40000 });
const langs = ['python', 'go', 'typescript', 'c_cpp', 'java', 'rust'];
const files = langs.flatMap((l) => all.filter((f) => f.lang === l).slice(0, PER_LANG));
// Interleave the languages, as a user who moves between a backend and its client.
const order = [];
for (let i = 0; i < PER_LANG; i++) for (const l of langs) { const f = files.filter((x) => x.lang === l)[i]; if (f) order.push(f); }
const lineAt = (text, at) => (text.slice(0, text.indexOf('\n', at) + 1).match(/\n/g) ?? []).length;
console.log(JSON.stringify({ files: order.map((f) => `${f.lang} ${f.repo}/${f.path}`), roots }));
const rows = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const root of (round % 2 ? [...roots].reverse() : roots)) {
    const { startLspServer, stopLspServer } = mod(root, './out/server/bench/lsp-client.js');
    const { PREFILL } = mod(root, './out/common/protocol.js');
    const s = await startLspServer({ draft: { mode: 'auto' }, languages: { '*': true } });
    const warm = 'file:///probe/warmup.py';
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
    await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
    const ask = async (tag, f, uri, line, character) => {
      const before = s.logs.length;
      const t0 = performance.now();
      await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line, character }, context: { triggerKind: 2 } });
      const ms = Math.round(performance.now() - t0);
      await sleep(300);
      const log = s.logs.slice(before).find((l) => /^completion:/.test(l)) ?? '';
      const m = /completion: (\d+) prompt tokens \((\d+) reused\)/.exec(log);
      (rows[root] ??= []).push({ round, tag, lang: f.lang, ms, prompt: m ? Number(m[1]) : -1, reused: m ? Number(m[2]) : -1 });
    };
    for (const [i, f] of order.entries()) {
      const ext = f.path.split('.').pop();
      const line = lineAt(f.content, 6000);
      const lines = f.content.split('\n');
      // warm
      let uri = `file:///probe/r${round}-${i}-warm.${ext}`;
      let text = f.content;
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang, version: 1, text } });
      await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line, character: 0 }, reason: 'rest' });
      await sleep(3000);
      await ask('warm-first', f, uri, line, 0);
      // Typed at the cursor: a, b, Enter (each a change, then VS Code asks).
      const o = lines.slice(0, line).join('\n').length + (line > 0 ? 1 : 0);
      let version = 1;
      for (const [k, [tag, ins, l, c]] of [['warm-type-a', 'a', line, 1], ['warm-type-b', 'b', line, 2], ['warm-enter', '\n', line + 1, 0]].entries()) {
        text = text.slice(0, o + k) + ins + text.slice(o + k);
        version++;
        await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
        await ask(tag, f, uri, l, c);
      }
      // cold
      uri = `file:///probe/r${round}-${i}-cold.${ext}`;
      await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang, version: 1, text: f.content } });
      await ask('cold-first', f, uri, lineAt(f.content, 9000), 0);
      await sleep(1000);
    }
    await stopLspServer(s);
    console.log(JSON.stringify({ round, root, rows: rows[root].filter((r) => r.round === round) }));
  }
}
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
for (const root of roots) {
  for (const tag of ['warm-first', 'warm-type-a', 'warm-type-b', 'warm-enter', 'cold-first']) {
    const r = rows[root].filter((x) => x.tag === tag);
    const computed = r.map((x) => x.prompt - x.reused);
    console.log(`${root} ${tag}: ms p50 ${q(r.map((x) => x.ms), 0.5)} p90 ${q(r.map((x) => x.ms), 0.9)}; prompt tokens min ${q(r.map((x) => x.prompt), 0)} p50 ${q(r.map((x) => x.prompt), 0.5)} max ${q(r.map((x) => x.prompt), 1)}; computed p50 ${q(computed, 0.5)} max ${q(computed, 1)}`);
  }
  for (const lang of langs) {
    const r = rows[root].filter((x) => x.lang === lang && x.tag === 'cold-first');
    if (r.length) console.log(`${root} ${lang} cold prompt tokens: ${r.map((x) => x.prompt).join(' ')}; ms ${r.map((x) => x.ms).join(' ')}`);
  }
}
