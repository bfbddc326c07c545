// A warm-up for a cursor the user has already left: the real language server (dist/server.js of
// each ROOTS checkout, alternating), a dev-split file open, auto drafting. The cursor rests at A
// (~1,000-token prompt: prism/prefill), then the user goes to B, a part of the file whose prompt
// shares nothing with A's, and either
//   rest-then-type: B rests too (prism/prefill) GAP ms after A, and VS Code asks at B PAUSE ms later;
//   type-at-once:   VS Code asks at B GAP ms after A's warm-up began;
//   other-document: B is another document, warmed and left; VS Code asks at A (cold), and GAP ms
//                   later, the user back in B, at B.
// ms from VS Code's request at B to the reply.
//   npx tsc -p . && node scripts/bundle.mjs && ROOTS=/work/main,/tmp/base node docs/bench/warm-moves-zen4/move-probe.mjs
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const roots = (process.env.ROOTS ?? new URL('../../..', import.meta.url).pathname).split(',');
const GAP = Number(process.env.GAP ?? 150);
const PAUSE = Number(process.env.PAUSE ?? 400);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mod = (root, p) => createRequire(`${root}/package.json`)(p);
const { DidOpenTextDocumentNotification, InlineCompletionRequest } = mod(roots[0], 'vscode-languageserver-protocol/node');
const { devFiles, sharedDataDir } = mod(roots[0], './out/server/bench/data.js');
const files = devFiles(sharedDataDir(roots[0]), 40, { minBytes: 12000, maxBytes: 40000 }).filter((f) => /\.(py|ts|js|go|rs|java)$/.test(f.path)).slice(0, 3);
const lineAt = (text, at) => (text.slice(0, text.indexOf('\n', at) + 1).match(/\n/g) ?? []).length;
const docs = files.map((f, i) => ({ uri: `file:///probe/${i}-${f.path.split('/').pop()}`, lang: f.lang, text: f.content, a: lineAt(f.content, 3300), b: lineAt(f.content, 10000), name: `${f.repo}/${f.path}` }));
console.log(JSON.stringify({ files: docs.map((d) => d.name), gap_ms: GAP, pause_ms: PAUSE, roots }));
const res = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const root of (round % 2 ? [...roots].reverse() : roots)) {
    const { startLspServer, stopLspServer } = mod(root, './out/server/bench/lsp-client.js');
    const { PREFILL } = mod(root, './out/common/protocol.js');
    const s = await startLspServer({ draft: { mode: 'auto' }, languages: { '*': true } });
    const warm = 'file:///probe/warmup.py';
    await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: warm, languageId: 'python', version: 1, text: 'def f(x):\n    return ' } });
    await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: warm }, position: { line: 1, character: 11 }, context: { triggerKind: 1 } });
    for (const [scenario, restAtB] of [['rest-then-type', true], ['type-at-once', false]]) {
      for (const d of docs) {
        // A fresh copy of the document each time: nothing of it cached.
        const uri = `${d.uri}-${scenario}`;
        await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: d.lang, version: 1, text: d.text } });
        await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line: d.a, character: 0 }, reason: 'rest' });
        await sleep(GAP);
        if (restAtB) {
          await s.conn.sendNotification(PREFILL, { textDocument: { uri }, position: { line: d.b, character: 0 }, reason: 'rest' });
          await sleep(PAUSE);
        }
        const t0 = performance.now();
        await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line: d.b, character: 0 }, context: { triggerKind: 2 } });
        ((res[root] ??= {})[scenario] ??= []).push(Math.round(performance.now() - t0));
        await sleep(1500); // whatever runs on in the background ends
      }
    }
    for (const d of docs) {
      const a = `${d.uri}-elsewhere-a`, b = `${d.uri}-elsewhere-b`;
      // B: the same file from ~7,000 characters on (a prompt of its own), warmed and left.
      const bText = d.text.slice(d.text.indexOf('\n', 7000) + 1);
      for (const [uri, text] of [[a, d.text], [b, bText]]) await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: d.lang, version: 1, text } });
      const bLine = lineAt(bText, 3300);
      await s.conn.sendNotification(PREFILL, { textDocument: { uri: b }, position: { line: bLine, character: 0 } });
      await sleep(3000);
      const atA = s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: a }, position: { line: d.a, character: 0 }, context: { triggerKind: 2 } });
      await sleep(GAP);
      const t0 = performance.now();
      await s.conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: b }, position: { line: bLine, character: 0 }, context: { triggerKind: 2 } });
      ((res[root] ??= {})['other-document'] ??= []).push(Math.round(performance.now() - t0));
      await atA;
      await sleep(1500);
    }
    const logs = s.logs.filter((l) => /^(completion|prefill)/.test(l)).map((l) => l.replace(/, (stop|time|length|cancelled), .*$/, ', $1'));
    await stopLspServer(s);
    console.log(JSON.stringify({ round, root, ms: res[root], log: logs.slice(-8) }));
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
for (const root of roots) for (const [k, v] of Object.entries(res[root])) console.log(`${root} ${k}: p50 ${med(v)} ms, all ${v.join(' ')}`);
