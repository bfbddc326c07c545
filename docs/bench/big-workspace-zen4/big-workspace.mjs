// A big workspace: the language server's resident memory while its datastore is built, and how
// long completions asked meanwhile take. FOLDER gets the shared corpus's files (~6 MB of each of
// seven languages, 41.5 MB; MAKE=1 writes them, under their repository paths), the server indexes
// it (prism.datastore.maxMB, default 16) while a completion is asked every 0.5 s at the end of a
// Python file (models/prism/model.py's first 6,000 characters). RSS is read every 50 ms.
// SERVER picks the server bundle (another build's dist/server.js). Not a test.
//   npx tsc -p . && node scripts/bundle.mjs && MAKE=1 node docs/bench/big-workspace-zen4/big-workspace.mjs /tmp/bigws
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const P = require('vscode-languageserver-protocol/node');
const { serverEnv } = require(path.join(ROOT, 'out', 'common', 'server-env.js'));
const { sharedDataDir } = require(path.join(ROOT, 'out', 'server', 'bench', 'data.js'));
const ws = path.resolve(process.argv[2] ?? '/tmp/bigws');
const maxMB = Number(process.argv[3] ?? 16);
if (process.env.MAKE) {
  fs.rmSync(ws, { recursive: true, force: true });
  for (const lang of ['python', 'c_cpp', 'go', 'java', 'javascript', 'rust', 'typescript']) {
    let n = 0;
    for (const line of fs.readFileSync(path.join(sharedDataDir(ROOT), 'corpus', `${lang}.jsonl`), 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line);
      const f = path.join(ws, r.repo, r.path);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, r.content);
      n += r.content.length;
      if (n > 6e6) break;
    }
  }
}
const proc = spawn(process.execPath, [process.env.SERVER ?? path.join(ROOT, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: serverEnv(process.env) });
const conn = P.createProtocolConnection(new P.StreamMessageReader(proc.stdout), new P.StreamMessageWriter(proc.stdin));
const t0 = Date.now();
const logs = [];
conn.onNotification('prism/log', (p) => { logs.push(p.line); if (/datastore|loaded/.test(p.line)) console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${p.line}`); });
conn.onNotification('prism/status', () => {});
conn.onRequest('workspace/configuration', () => [{ datastore: { enable: true, maxMB } }]);
conn.listen();
const rss = () => Number((fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/) ?? [0, 0])[1]) / 1024;
await conn.sendRequest(P.InitializeRequest.type, { processId: process.pid, rootUri: `file://${ws}`, workspaceFolders: [{ uri: `file://${ws}`, name: 'ws' }], capabilities: { workspace: { configuration: true } }, initializationOptions: { settings: { datastore: { enable: true, maxMB } } } });
await conn.sendNotification(P.InitializedNotification.type, {});
const uri = 'file:///tmp/typed.py';
const text = fs.readFileSync(path.join(ROOT, 'models', 'prism', 'model.py'), 'utf8').slice(0, 6000);
await conn.sendNotification(P.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'python', version: 1, text } });
const lines = text.split('\n');
const pos = { line: lines.length - 1, character: lines.at(-1).length };
let peak = 0;
const poll = setInterval(() => { try { peak = Math.max(peak, rss()); } catch { /* ended */ } }, 50);
const lat = [];
for (let i = 0; i < 60; i++) {
  const t = Date.now();
  await conn.sendRequest(P.InlineCompletionRequest.type, { textDocument: { uri }, position: pos, context: { triggerKind: 2 } });
  lat.push(Date.now() - t);
  console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: completion ${Date.now() - t} ms, RSS ${rss().toFixed(0)} MiB`);
  await new Promise((r) => setTimeout(r, 500));
  if (logs.some((l) => /datastore: .*ready/.test(l)) && i > 20) break;
}
clearInterval(poll);
const after = lat.slice(1); // the first: the model's load and a cold prompt
console.log(JSON.stringify({ peak_rss_mib: Math.round(peak), final_rss_mib: Math.round(rss()), slowest_after_first_ms: Math.max(...after), over_500_ms: after.filter((x) => x > 500).length, datastore: logs.filter((l) => /datastore/.test(l)) }));
await conn.sendRequest('shutdown');
await conn.sendNotification('exit');
