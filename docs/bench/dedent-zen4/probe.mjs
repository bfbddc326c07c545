// Enter after a statement: VS Code keeps the line's indentation, and the completion is asked
// there. Arm "editor indent" (before): the model made to spell that indentation (token healing;
// Completer hook ownIndent: false). Arm "own indent" (now): the prompt ends at the line's start,
// the model writes its own indentation and the item replaces the editor's where it differs.
// Each reply applied to the document; the cursor's line scored against the file's real line
// (with its indentation): exact, indentation right, content right, edit similarity; split by
// whether the real line dedents. Positions: lines of dev-split files whose line before has code
// and opens no block (no `{ : ( [ =>` at its end, no comment). No first-line budget (a line cut
// where time ran out would say nothing about its indentation). Needs `npx tsc -p .` (out/).
// Usage: node docs/bench/dedent-zen4/probe.mjs [FILES] [PER_FILE]   (DUMP=1: every line as JSON)
import { cpus } from 'node:os';
import { require } from '../hybrid-setup.mjs';
import { indentOf, probeCases } from './cases.mjs';
const { EngineClient } = require('./out/server/engine/client.js');
const { Completer } = require('./out/server/lsp/completer.js');
const { DEFAULT_SETTINGS } = require('./out/common/settings.js');
const { languageOf } = require('./out/server/lsp/workspace.js');
const { loadOptions } = require('./out/server/cli.js');
const { editSimilarity } = require('./out/server/bench/quality.js');

const FILES = Number(process.argv[2] ?? 30);
const PER = Number(process.argv[3] ?? 4);
const cases = probeCases(FILES, PER);
const engine = await EngineClient.start(loadOptions({ threads: '2' }), () => undefined);
const never = { isCancellationRequested: false, onCancellationRequested: () => undefined };
const arms = { 'editor indent': [], 'own indent': [] };
const OWN = { 'editor indent': false, 'own indent': true };
for (const [n, c] of cases.entries()) {
  for (const arm of Object.keys(arms)) {
    let seen;
    const completer = new Completer(async () => engine, { status: () => undefined, log: () => undefined, modelPath: () => '', firstShare: 0, ownIndent: OWN[arm], explain: (e) => { seen = e; } });
    // No first-line budget: a line cut where time ran out would say nothing about its indentation.
    await completer.applySettings({ ...DEFAULT_SETTINGS, firstLineBudgetMs: 0 });
    const text = c.head + c.ws + c.after;
    // The server sees Enter: the line break and the editor's indentation typed at the line before's end.
    const doc = { uri: `file:///bench/${c.file}`, languageId: languageOf(c.file) ?? 'plaintext' };
    completer.documentChanged(doc, () => c.head.slice(0, -1) + c.after);
    completer.documentChanged(doc, () => text);
    const items = await completer.complete({ uri: `file:///bench/${c.file}`, languageId: languageOf(c.file) ?? 'plaintext', version: 1, text }, { offset: c.head.length + c.ws.length, triggerKind: 2 }, never, () => 1);
    const it = items[0];
    const shown = it?.insertText ?? '';
    const applied = it ? text.slice(0, it.start) + it.insertText + text.slice(it.end) : text;
    const line = applied.slice(c.head.length).split('\n')[0].trimEnd();
    arms[arm].push({ kind: c.kind, empty: shown.trim() === '', replaced: it !== undefined && it.start < c.head.length + c.ws.length, exact: line === c.real, indent: indentOf(line) === indentOf(c.real), content: line.trim() === c.real.trim(), sim: editSimilarity(line, c.real), line, real: c.real, file: c.file, raw: seen?.raw ?? '' });
  }
  if ((n + 1) % 20 === 0) console.error(`${n + 1}/${cases.length}`);
}
await engine.dispose();
console.log(`CPU: ${cpus()[0]?.model}, ${cases.length} positions (${FILES} files x ${PER}): dedent ${cases.filter((c) => c.kind === 'dedent').length}, same ${cases.filter((c) => c.kind === 'same').length}, deeper ${cases.filter((c) => c.kind === 'deeper').length}`);
console.log('| arm | real line | n | exact | indentation right | content right | edit similarity | empty | indentation replaced |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [arm, rs] of Object.entries(arms)) {
  for (const kind of ['dedent', 'same', 'deeper', 'all']) {
    const s = rs.filter((r) => kind === 'all' || r.kind === kind);
    if (s.length === 0) continue;
    const cnt = (k) => s.filter((r) => r[k]).length;
    console.log(`| ${arm} | ${kind} | ${s.length} | ${cnt('exact')} | ${cnt('indent')} | ${cnt('content')} | ${(s.reduce((a, r) => a + r.sim, 0) / s.length).toFixed(3)} | ${cnt('empty')} | ${cnt('replaced')} |`);
  }
}
if (process.env.DUMP) for (let k = 0; k < cases.length; k++) console.log(JSON.stringify({ kind: cases[k].kind, real: cases[k].real, editor: arms['editor indent'][k].line, own: arms['own indent'][k].line, ownRaw: arms['own indent'][k].raw.slice(0, 80) }));
