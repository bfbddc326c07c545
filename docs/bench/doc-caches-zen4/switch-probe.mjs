// Coming back to a document: the real language server (dist/server.js), three dev-split files
// open, the user switches between them (the extension's prism/prefill as each becomes active),
// looks PAUSE ms, then VS Code asks for a completion at the cursor. ms from that request to the
// reply, first visits and returns apart, per prism.cacheDocuments value, alternating servers.
//   npx tsc -p . && node scripts/bundle.mjs && node docs/bench/doc-caches-zen4/switch-probe.mjs
//   (DOCS=1,2 PAUSE=500 ROUNDS=2 VISITS=0,1,0,1,...)
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../../package.json', import.meta.url));
const local = createRequire(import.meta.url);
const { DidOpenTextDocumentNotification, InlineCompletionRequest } = require('vscode-languageserver-protocol/node');
const { startLspServer, stopLspServer } = local('../../../out/server/bench/lsp-client.js');
const { devFiles, sharedDataDir } = local('../../../out/server/bench/data.js');
const { projectRoot } = local('../../../out/server/paths.js');
const { PREFILL } = local('../../../out/common/protocol.js');

const DOCS = (process.env.DOCS ?? '1,2').split(',').map(Number);
const PAUSE = Number(process.env.PAUSE ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const files = devFiles(sharedDataDir(projectRoot()), 40, { minBytes: 6000, maxBytes: 40000 }).filter((f) => /\.(py|ts|js|go|rs|java)$/.test(f.path));
const pick = [files.find((f) => f.path.endsWith('.py')), files.find((f) => /\.(ts|js)$/.test(f.path)), files.find((f) => /\.(go|rs|java)$/.test(f.path))].filter(Boolean);
// The cursor at a line start about 3,300 characters in (a ~1,000-token prompt), the text after it kept.
const docs = pick.map((f, i) => {
  const at = f.content.indexOf('\n', 3300) + 1;
  const before = f.content.slice(0, at);
  return { uri: `file:///probe/${i}-${f.path.split('/').pop()}`, lang: f.lang, text: f.content, line: (before.match(/\n/g) ?? []).length, name: `${f.repo}/${f.path}` };
});
// VISITS: which document becomes active, in order (default: three documents, returns to each).
const visits = (process.env.VISITS ?? '0,1,0,1,2,0,1,2,0,2,1,0').split(',').map(Number);
console.log(JSON.stringify({ files: docs.map((d) => d.name), pause_ms: PAUSE, visits }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const res = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const n of DOCS) {
    const s = await startLspServer({ draft: { mode: 'auto' }, languages: { '*': true }, cacheDocuments: n });
    const warm = 'file:///probe/warmup.py';
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
    await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
    for (const d of docs) await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: d.uri, languageId: d.lang, version: 1, text: d.text } });
    const seen = new Set();
    const out = (res[n] ??= { first: [], back: [] });
    for (const v of visits) {
      const d = docs[v];
      await s.conn.sendNotification(PREFILL, { textDocument: { uri: d.uri }, position: { line: d.line, character: 0 } });
      await sleep(PAUSE);
      const t0 = performance.now();
      await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: d.uri }, position: { line: d.line, character: 0 }, context: { triggerKind: 2 } });
      (seen.has(v) ? out.back : out.first).push(Math.round(performance.now() - t0));
      seen.add(v);
    }
    const rss = Math.round(Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${s.proc.pid}/status`, 'utf8'))[1]) / 1024);
    (out.rss ??= []).push(rss);
    const logs = s.logs.filter((l) => /^(completion|prefill)/.test(l)).map((l) => l.replace(/ \(prompt .*$/, ''));
    await stopLspServer(s);
    console.log(JSON.stringify({ round, cache_documents: n, server_rss_peak_mib: rss, first_ms: out.first.slice(-3), back_ms: out.back.slice(-9), log: logs.slice(-6) }));
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
for (const n of DOCS) console.log(`cacheDocuments ${n}: first visit p50 ${med(res[n].first)} ms (n ${res[n].first.length}), return p50 ${med(res[n].back)} ms, p90 ${[...res[n].back].sort((x, y) => x - y)[Math.floor(res[n].back.length * 0.9)]} ms (n ${res[n].back.length}), server RSS peak ${res[n].rss.join(' / ')} MiB`);
