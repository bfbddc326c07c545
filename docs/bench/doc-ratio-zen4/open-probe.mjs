// A just-opened file that fits one prompt: the real language server (dist/server.js of each ROOTS
// checkout, alternating), auto drafting, dev-split files of 1,500-3,000 characters (they fit the
// 1,024-token budget) in several languages, each opened as a fresh document. VS Code opens a file
// with the cursor at (0, 0) and the extension sends prism/prefill ('active') there; the user reads
// PAUSE ms, clicks at the end of a line in the file's second half (prism/prefill 'rest', 100 ms
// later, as the extension does for a click), and VS Code asks there 300 ms after the click.
// ms from VS Code's request to the reply, and the prompt tokens computed for it.
//   npx tsc -p . && node scripts/bundle.mjs && ROOTS=/work/main,/tmp/base node docs/bench/doc-ratio-zen4/open-probe.mjs
import { createRequire } from 'node:module';
const roots = (process.env.ROOTS ?? new URL('../../..', import.meta.url).pathname).split(',');
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const PAUSES = (process.env.PAUSES ?? '1000,3000').split(',').map(Number);
const N = Number(process.env.FILES ?? 8);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mod = (root, p) => createRequire(`${root}/package.json`)(p);
const { DidOpenTextDocumentNotification, InlineCompletionRequest } = mod(roots[0], 'vscode-languageserver-protocol/node');
const { devFiles, sharedDataDir } = mod(roots[0], './out/server/bench/data.js');
const all = devFiles(sharedDataDir(roots[0]), 400, { minBytes: 1500, maxBytes: 3000 });
const langs = ['python', 'go', 'typescript', 'c_cpp', 'java', 'rust', 'javascript'];
const files = [];
for (let i = 0; files.length < N && i < 50; i++) for (const l of langs) { const f = all.filter((x) => x.lang === l)[i]; if (f && files.length < N) files.push(f); }
console.log(JSON.stringify({ files: files.map((f) => `${f.lang} ${f.repo}/${f.path} (${f.content.length} chars)`), pauses_ms: PAUSES, roots }));
const rows = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const root of (round % 2 ? [...roots].reverse() : roots)) {
    const { startLspServer, stopLspServer } = mod(root, './out/server/bench/lsp-client.js');
    const { PREFILL } = mod(root, './out/common/protocol.js');
    const s = await startLspServer({ draft: { mode: 'auto' }, languages: { '*': true } });
    const warm = 'file:///probe/warmup.py';
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
    await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
    for (const pause of PAUSES) {
      for (const [i, f] of files.entries()) {
        const uri = `file:///probe/r${round}-p${pause}-${i}.${f.path.split('.').pop()}`;
        const lines = f.content.split('\n');
        // The last line in the second half with code on it.
        let line = Math.floor(lines.length * 0.75);
        while (line > lines.length / 2 && lines[line].trim().length === 0) line--;
        await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: f.lang, version: 1, text: f.content } });
        await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line: 0, character: 0 }, reason: 'active' });
        await sleep(pause);
        await sleep(100);
        await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line, character: lines[line].length }, reason: 'rest' });
        await sleep(200);
        const before = s.logs.length;
        const t0 = performance.now();
        await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line, character: lines[line].length }, context: { triggerKind: 2 } });
        const ms = Math.round(performance.now() - t0);
        await sleep(1500); // what runs on in the background ends
        const log = s.logs.slice(before).find((l) => /^completion:/.test(l)) ?? '';
        const m = /completion: (\d+) prompt tokens \((\d+) reused\)/.exec(log);
        (rows[root] ??= []).push({ round, pause, lang: f.lang, ms, prompt: m ? Number(m[1]) : -1, computed: m ? Number(m[1]) - Number(m[2]) : -1 });
      }
    }
    await stopLspServer(s);
    console.log(JSON.stringify({ round, root, rows: rows[root].filter((r) => r.round === round) }));
  }
}
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
for (const root of roots) {
  for (const pause of PAUSES) {
    const r = rows[root].filter((x) => x.pause === pause);
    console.log(`${root} read ${pause} ms, click, ask 300 ms later: ms p50 ${q(r.map((x) => x.ms), 0.5)} p90 ${q(r.map((x) => x.ms), 0.9)} max ${q(r.map((x) => x.ms), 1)}; computed tokens p50 ${q(r.map((x) => x.computed), 0.5)} max ${q(r.map((x) => x.computed), 1)}; all ms ${r.map((x) => x.ms).join(' ')}`);
  }
}
