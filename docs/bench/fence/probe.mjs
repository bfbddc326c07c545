// Does the ghost text close a Markdown code block? SmolLM2-135M-Instruct was tuned on chat
// answers whose code sits in ``` fences; at the end of what is written so far it may write the
// closing fence as if its answer were done. Positions: dev-split files of every language, cut at
// a line's end with nothing after it (a file being written top-down: the line typed, Enter; the
// editor's indentation kept), PER per file, each file's own end, and its first 5, 10 and 16
// lines (a new file; where the last of them has code), and files of a function's first two lines
// alone, the cursor indented or at column 0. KINDS=a,b: only these kinds. The server's own path
// (Completer: prompt, healing, engine, shaping), the reply as shown. Counted: replies with a line
// that is a fence (```, ```python, ...) and what is left when the reply is cut before that line.
// Needs `npx tsc -p .` (out/). Usage: node docs/bench/fence/probe.mjs [FILES] [PER] > OUT.jsonl
import { cpus } from 'node:os';
import { root, require } from '../hybrid-setup.mjs';
const { EngineClient } = require('./out/server/engine/client.js');
const { Completer } = require('./out/server/lsp/completer.js');
const { DEFAULT_SETTINGS } = require('./out/common/settings.js');
const { languageOf } = require('./out/server/lsp/workspace.js');
const { loadOptions } = require('./out/server/cli.js');
const { devFiles, sharedDataDir, cursorOffsets } = require('./out/server/bench/data.js');

const FILES = Number(process.argv[2] ?? 42);
const PER = Number(process.argv[3] ?? 2);
const FENCE = /^\s*```/;
const cases = [];
for (const f of devFiles(sharedDataDir(root), FILES, { minBytes: 1500, maxBytes: 40000 })) {
  const lines = f.content.split('\n');
  const starts = []; let o = 0; for (const l of lines) { starts.push(o); o += l.length + 1; }
  const end = f.content.trimEnd();
  const lastLine = end.slice(end.lastIndexOf('\n') + 1);
  cases.push({ file: f.path, kind: 'end of file', text: `${end}\n${/^[ \t]*/.exec(lastLine)[0]}` });
  // A new file: its first lines written (5 to 16 lines with code), Enter after the last.
  for (const n of [5, 10, 16]) {
    const head = lines.slice(0, n);
    const last = head[head.length - 1];
    if (head.filter((l) => l.trim()).length < 3 || !last || !last.trim()) continue;
    cases.push({ file: f.path, kind: 'a new file', text: `${head.join('\n')}\n${/^[ \t]*/.exec(last)[0]}` });
  }
  // A file with nothing but a function's first two lines (its header and first statement), Enter
  // after the statement (at the statement's indentation, and at column 0 as in the end-to-end test's
// scale.py), from each file's first two functions.
  let fns = 0;
  for (let i = 0; i + 1 < lines.length && fns < 2; i++) {
    const h = lines[i], b = lines[i + 1];
    if (!/^\s*(def |(export )?(async )?function |func |fn |pub fn |public |private |static )/.test(h) || !/[:{]\s*$/.test(h)) continue;
    if (!b || b.trim().length < 4 || /^\s*[}#/*]/.test(b) || b.trim().startsWith('"""')) continue;
    const ws = /^[ \t]*/.exec(h)[0];
    cases.push({ file: f.path, kind: 'a function alone', text: `${h.slice(ws.length)}\n${b.slice(ws.length)}\n${/^[ \t]*/.exec(b)[0].slice(ws.length)}` });
    cases.push({ file: f.path, kind: 'a function alone at column 0', text: `${h.slice(ws.length)}\n${b.slice(ws.length)}\n` });
    fns++;
  }
  let got = 0;
  for (const at of cursorOffsets(f.content, PER * 6, f.path.length + 7)) {
    if (got >= PER) break;
    let i = 0; while (i + 1 < lines.length && starts[i + 1] <= at) i++;
    const L = lines[i];
    if (!L || L.trim().length < 4 || i < 5) continue;
    cases.push({ file: f.path, kind: 'written so far', text: `${f.content.slice(0, starts[i] + L.length)}\n${/^[ \t]*/.exec(L)[0]}` });
    got++;
  }
}
if (process.env.KINDS) { const keep = process.env.KINDS.split(','); cases.splice(0, cases.length, ...cases.filter((c) => keep.includes(c.kind))); }
const engine = await EngineClient.start(loadOptions({ threads: '2' }), () => undefined);
const never = { isCancellationRequested: false, onCancellationRequested: () => undefined };
const completer = new Completer(async () => engine, { status: () => undefined, log: () => undefined, modelPath: () => '', firstShare: 0 });
// No first-line budget: the whole reply, as the user gets it when they pause.
await completer.applySettings({ ...DEFAULT_SETTINGS, firstLineBudgetMs: 0 });
const rows = [];
for (const [n, c] of cases.entries()) {
  const doc = { uri: `file:///bench/${n}/${c.file}`, languageId: languageOf(c.file) ?? 'plaintext', version: 1, text: c.text };
  completer.documentChanged(doc, () => c.text);
  const items = await completer.complete(doc, { offset: c.text.length, triggerKind: 2 }, never, () => 1);
  const shown = items[0]?.insertText ?? '';
  const lines = shown.split('\n');
  const at = lines.findIndex((l) => FENCE.test(l));
  const row = { file: c.file, lang: doc.languageId, kind: c.kind, shown, fence: at >= 0, fenceLine: at, cut: at >= 0 ? lines.slice(0, at).join('\n').replace(/\s+$/, '') : shown };
  rows.push(row);
  console.log(JSON.stringify(row));
  if ((n + 1) % 20 === 0) console.error(`${n + 1}/${cases.length}`);
}
await engine.dispose();
const by = (k) => [...new Set(rows.map((r) => r[k]))];
console.error(`CPU: ${cpus()[0]?.model}; ${rows.length} positions`);
for (const kind of by('kind')) {
  const s = rows.filter((r) => r.kind === kind);
  console.error(`${kind}: ${s.length} positions, ghost text ${s.filter((r) => r.shown.trim()).length}, with a fence line ${s.filter((r) => r.fence).length} (first line ${s.filter((r) => r.fenceLine === 0).length}); by language: ${by('lang').map((l) => `${l} ${s.filter((r) => r.lang === l && r.fence).length}/${s.filter((r) => r.lang === l).length}`).join(', ')}`);
}
