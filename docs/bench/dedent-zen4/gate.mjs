// The confidence of the model's own indentation after Enter (the probe's positions, probe.mjs):
// the own-indent prompt as the Completer builds it, its first token's logits, and the gap in
// nats between the model's first choice and the best token that agrees with the editor's
// indentation (0 where the first choice agrees). Joined with probe.mjs's DUMP lines (same
// positions, same order) it says what a gate "keep the editor's indentation unless the model's
// choice is at least MARGIN nats more likely" would have shown. Needs `npx tsc -p .` (out/).
// Usage: node docs/bench/dedent-zen4/gate.mjs FILES PER_FILE > gaps.jsonl
import { require } from '../hybrid-setup.mjs';
import { probeCases } from './cases.mjs';
const { EngineClient } = require('./out/server/engine/client.js');
const { Completer } = require('./out/server/lsp/completer.js');
const { DEFAULT_SETTINGS } = require('./out/common/settings.js');
const { languageOf } = require('./out/server/lsp/workspace.js');
const { loadOptions } = require('./out/server/cli.js');
const { TargetModel } = require('./out/server/engine/target.js');
const { Engine } = require('./out/server/engine/engine.js');
const { HealConstraint, healTail } = require('./out/server/engine/healing.js');
const { resolveModelPath } = require('./out/server/paths.js');

const FILES = Number(process.argv[2] ?? 30);
const PER = Number(process.argv[3] ?? 4);
const cases = probeCases(FILES, PER);
const client = await EngineClient.start(loadOptions({ threads: '2' }), () => undefined);
let asked;
const complete = client.complete.bind(client);
client.complete = (req, o) => { asked = req; return complete({ ...req, maxTokens: 1 }, o); };
const target = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu', threads: 2 });
const engine = new Engine(target);
const tok = target.tokenizer;
const never = { isCancellationRequested: false, onCancellationRequested: () => undefined };
for (const [n, c] of cases.entries()) {
  asked = undefined;
  const completer = new Completer(async () => client, { status: () => undefined, log: () => undefined, modelPath: () => '', firstShare: 0, ownIndent: true });
  await completer.applySettings({ ...DEFAULT_SETTINGS, firstLineBudgetMs: 0 });
  const text = c.head + c.ws + c.after;
  const doc = { uri: `file:///bench/${c.file}`, languageId: languageOf(c.file) ?? 'plaintext' };
  completer.documentChanged(doc, () => c.head.slice(0, -1) + c.after);
  completer.documentChanged(doc, () => text);
  await completer.complete({ ...doc, version: 1, text }, { offset: c.head.length + c.ws.length, triggerKind: 2 }, never, () => 1);
  if (!asked) { console.log(JSON.stringify({ n, kind: c.kind, skipped: true })); continue; }
  // The prompt as the engine runs it: healed (its last token, the line break, spelled again).
  const healed = asked.heal ? healTail(tok, engine.promptIds(asked)) : { ids: engine.promptIds(asked), bytes: new Uint8Array(0) };
  const own = new HealConstraint(tok, healed.bytes);
  const editor = new HealConstraint(tok, new Uint8Array([...healed.bytes, ...new TextEncoder().encode(c.ws)]));
  const cache = target.newCache();
  let r;
  for (let s = 0; s < healed.ids.length; s += 128) r = await target.extend(cache, healed.ids.slice(s, s + 128), { logits: true });
  // Step on while the model's choice agrees with the editor's indentation; the gap where it leaves it.
  const spelled = [];
  let out = { gap: 0, pFirst: 1, pEditor: 1, first: '', editor: '' };
  for (let step = 0; step < 8; step++) {
    const logits = r.logits.subarray(r.logits.length - tok.vocabSize);
    const a = own.done ? r.argmax[r.argmax.length - 1] : own.argmax(logits);
    if (editor.done) break;
    if (!editor.allows(a)) {
      const b = editor.argmax(logits);
      let max = -Infinity; for (const v of logits) if (v > max) max = v;
      let z = 0; for (const v of logits) z += Math.exp(v - max);
      const p = (id) => Math.exp(logits[id] - max) / z;
      out = { gap: logits[a] - logits[b], pFirst: p(a), pEditor: p(b), first: tok.decode([...spelled, a]), editor: tok.decode([...spelled, b]) };
      break;
    }
    spelled.push(a);
    if (!own.done) own.advance(a);
    editor.advance(a);
    r = await target.extend(cache, [a], { logits: true });
  }
  console.log(JSON.stringify({ n, kind: c.kind, ws: c.ws, spelled: tok.decode(spelled), ...out }));
  if ((n + 1) % 20 === 0) console.error(`${n + 1}/${cases.length}`);
}
await client.dispose();
await target.dispose();
