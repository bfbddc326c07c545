// A file opened at its top and then the cursor sent to its end (Ctrl+End), Enter 1.5 s later, as
// in the hand session's TypeScript step, through the language server (dist/server.js), alone or
// with a busy process beside it (started by the caller). Prints the Enter's completion latency per
// file (6 dev-split TypeScript files of zod, the same ones in every run).
//   npx tsc -p . && node scripts/bundle.mjs && node docs/bench/move-chunk-zen4/probe.mjs LABEL
//   (PRISM_WARM_CHUNK / PRISM_MOVE_CHUNK in the environment pick the chunks; docs/bench/spin-server-zen4/hog.js beside it for the busy case)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const P = require('vscode-languageserver-protocol/node');
const { serverEnv } = require(path.join(ROOT, 'out', 'common', 'server-env.js'));
const { sharedDataDir } = require(path.join(ROOT, 'out', 'server', 'bench', 'data.js'));
const label = process.argv[2] ?? '?';
// Dev-split TypeScript files of 5-12K characters, cut at a line ending in `{` past 60% of the file.
const files = [];
for (const line of fs.readFileSync(path.join(sharedDataDir(ROOT), 'corpus', 'typescript.jsonl'), 'utf8').split('\n')) {
  if (!line || files.length >= 6) continue;
  const r = JSON.parse(line);
  if (r.repo !== 'colinhacks/zod' || r.content.length < 5000 || r.content.length > 12000) continue;
  const lines = r.content.split('\n');
  const at = lines.findIndex((l, i) => i > lines.length * 0.6 && /^ {2,4}\S.*\{\s*$/.test(l));
  if (at < 0) continue;
  files.push({ name: r.path, text: lines.slice(0, at + 1).join('\n'), indent: lines[at].match(/^\s*/)[0] + '  ' });
}
const proc = spawn(process.execPath, [path.join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: serverEnv(process.env) });
const conn = P.createProtocolConnection(new P.StreamMessageReader(proc.stdout), new P.StreamMessageWriter(proc.stdin));
const logs = [];
conn.onNotification('prism/log', (p) => logs.push(p.line));
conn.onNotification('prism/status', () => {});
conn.onRequest('workspace/configuration', () => [{}]);
conn.listen();
await conn.sendRequest(P.InitializeRequest.type, { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: { workspace: { configuration: true } } });
await conn.sendNotification(P.InitializedNotification.type, {});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The model loads on a first request elsewhere.
await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri: 'file:///tmp/warm0.ts', languageId: 'typescript', version: 1, text: 'const a = 1;\n' } });
await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri: 'file:///tmp/warm0.ts' }, position: { line: 1, character: 0 }, context: { triggerKind: 2 } });
await sleep(1000);
const out = [];
for (const [i, f] of files.entries()) {
  const uri = `file:///tmp/w${i}.ts`;
  const lines = f.text.split('\n');
  const end = { line: lines.length - 1, character: lines.at(-1).length };
  await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text: f.text } });
  await conn.sendNotification('prism/prefill', { textDocument: { uri }, position: { line: 0, character: 0 }, reason: 'active' });
  await sleep(850);
  await conn.sendNotification('prism/prefill', { textDocument: { uri }, position: end, reason: 'rest' });
  await sleep(1500);
  await conn.sendNotification(P.DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: end, end }, text: '\n' + f.indent }] });
  const t = performance.now();
  const r = await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri }, position: { line: end.line + 1, character: f.indent.length }, context: { triggerKind: 2 } });
  out.push(Math.round(performance.now() - t));
  await sleep(2500); // the block's rest, then quiet
}
console.log(JSON.stringify({ label, chunk: process.env.PRISM_WARM_CHUNK ?? 'default', enter_ms: out, files: files.map((f) => f.name) }));
console.error(logs.filter((l) => /prefill:|completion:/.test(l)).slice(-40).join('\n'));
await conn.sendRequest('shutdown');
await conn.sendNotification('exit');
