// The Completer with an injected engine: "auto" drafting picks the drafter and depth with the best
// measured tokens/s (plain decoding included), a failing draft head falls back to n-gram, and a
// reply for an outdated document version is dropped.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as path from 'node:path';
import type { CompletionRequest, CompletionResult, SpecStats } from '../../server/engine/engine';
import { ABORT_ELSEWHERE, type SourceStats } from '../../server/engine/types';
import { Completer, cursorContext, type EngineLike, firstLineWatch } from '../../server/lsp/completer';
import type { StatusParams } from '../../common/protocol';
import type { WorkerLoadOptions } from '../../server/engine/protocol';
import { DEFAULT_SETTINGS } from '../../common/settings';
import { shapeCompletion } from '../../server/lsp/shape';

/**
 * An engine whose drafting is given per source: lookup proposes in `rate` of the runs (where it
 * is asked), and each source accepts with the shares P(>= j | reached j) in `shares`. A block of
 * r rows costs 15 + 2 (r - 1) ms, a plain step 15 ms; a head node 1 ms, a lookup 0.05 ms.
 */
interface Sources { lookup?: number[]; head?: number[]; rate?: number }

function fakeEngine(src: Sources, seen: CompletionRequest[], failHead = false): EngineLike {
  return {
    info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
    async complete(req) {
      seen.push(req);
      if (failHead && req.draft?.head) throw new Error('draft head x.gguf was trained for another model');
      // About 3 characters a token, as code has; the last 10 computed.
      const promptTokens = Math.ceil(req.prompt.length / 3);
      const timings = { promptTokens, reusedTokens: Math.max(0, promptTokens - 10), prefillTokens: Math.min(10, promptTokens), prefillMs: 5, decodeTokens: 20, decodeMs: 20 * 15, decodeTokensPerS: 66, totalMs: 305 };
      const r: CompletionResult = { text: 'x = 1', tokens: [1], finishReason: 'stop', timings };
      const dr = req.draft;
      if (!dr) return r;
      const depth = dr.tree?.depth ?? 0;
      const d = dr.drafter === 'head' ? 0 : depth;
      const h = dr.drafter === 'ngram' ? 0 : dr.drafter === 'head' ? depth : (dr.headDepth ?? 1);
      const runs = 20;
      const lookupRuns = d > 0 ? Math.round(runs * (src.rate ?? 0.8)) : 0;
      const rest = runs - lookupRuns;
      const verify = (rows: number) => 15 + 2 * (rows - 1);
      const spec: SpecStats = { drafter: dr.drafter, targetRuns: runs, drafted: 0, accepted: 0, tau: 1, acceptanceByDepth: [], depthReached: [], depthAccepted: [], draftMs: 0, verifyMs: 0, otherMs: 0, rowsRuns: [], rowsMs: [], sources: {} };
      const add = (name: string, n: number, nodes: number, shares: number[], ms: number) => {
        if (n === 0) return;
        const reached = new Array<number>(nodes).fill(n);
        const accepted = reached.map((x, j) => Math.round(x * (shares[j] ?? 0)));
        (spec.sources as Record<string, SourceStats>)[name] = { runs: n, depthReached: reached, depthAccepted: accepted, nodesRuns: Object.assign(new Array<number>(nodes + 1).fill(0), { [nodes]: n }), nodesMs: Object.assign(new Array<number>(nodes + 1).fill(0), { [nodes]: n * ms }) };
        reached.forEach((x, j) => { spec.depthReached[j] = (spec.depthReached[j] ?? 0) + x; spec.depthAccepted[j] = (spec.depthAccepted[j] ?? 0) + (accepted[j] as number); });
        spec.rowsRuns[nodes] = (spec.rowsRuns[nodes] ?? 0) + n;
        spec.rowsMs[nodes] = (spec.rowsMs[nodes] ?? 0) + n * verify(nodes + 1);
        spec.draftMs += n * ms;
        spec.drafted += n * nodes;
      };
      add('lookup', lookupRuns, d, src.lookup ?? [], 0.05);
      if (h > 0) add('head', rest, h, src.head ?? [], 1 + 0.5 * (h - 1));
      else add('none', rest, 0, [], 0.05);
      for (let i = 0; i < spec.rowsRuns.length; i++) { spec.rowsRuns[i] ??= 0; spec.rowsMs[i] ??= 0; }
      return { ...r, spec };
    },
    async dispose() { /* nothing */ },
  };
}

const hooks = (statuses: StatusParams[] = []) => ({ status: (p: StatusParams) => { statuses.push(p); }, log: () => undefined, modelPath: () => '/m/model.gguf', headPath: () => '/h/prism.gguf' });
const never = { isCancellationRequested: false, onCancellationRequested: () => undefined };
const doc = (version = 1) => ({ uri: 'file:///w/a.py', languageId: 'python', version, text: 'def f(x):\n    return ' });

describe('Completer', () => {
  it('cross-file context: other recently used files before the prompt, stable while typing, off by default', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({}, seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const other = 'import os\n\ndef helper(path):\n    return os.path.basename(path)\n';
    c.viewed('file:///w/util.py', other, 20);
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const pre = doc().text.slice(0, 20);
    assert.equal(seen.at(-1)?.prompt, pre, 'off: the prompt alone');
    await c.applySettings({ ...DEFAULT_SETTINGS, crossFileContext: true, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    c.viewed('file:///w/util.py', other, 20);
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const want = `# util.py\n${other.trimEnd()}\n\n# a.py\n${pre}`;
    assert.equal(seen.at(-1)?.prompt, want);
    // Typing on in a.py keeps the header (the KV cache keeps its prefix).
    await c.complete({ ...doc(2), text: 'def f(x):\n    return x' }, { offset: 21, triggerKind: 2 }, never, () => 2);
    assert.ok(seen.at(-1)?.prompt.startsWith(want));
    // In util.py, a.py is the other file now.
    await c.complete({ uri: 'file:///w/util.py', languageId: 'python', version: 1, text: other }, { offset: other.length, triggerKind: 2 }, never, () => 1);
    assert.ok(seen.at(-1)?.prompt.startsWith('# a.py\ndef f(x):\n    return x\n\n# util.py\nimport os'), seen.at(-1)?.prompt);
  });

  it('cross-file context keeps the cursor line of a long file with 16 lines before it and 15 after', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({}, seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, crossFileContext: true, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const long = Array.from({ length: 100 }, (_, i) => `x${i} = ${i}`).join('\n');
    c.viewed('file:///w/long.py', long, long.indexOf('x50 = 50') + 3);
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const lines = Array.from({ length: 32 }, (_, i) => `x${34 + i} = ${34 + i}`).join('\n');
    assert.equal(seen.at(-1)?.prompt, `# long.py\n${lines}\n\n# a.py\n${doc().text.slice(0, 20)}`);
    // At the first line and at the last: what there is, no more.
    c.viewed('file:///w/long.py', long, 0);
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.ok(seen.at(-1)?.prompt.startsWith(`# long.py\n${Array.from({ length: 16 }, (_, i) => `x${i} = ${i}`).join('\n')}\n\n# a.py`));
    c.viewed('file:///w/long.py', long, long.length);
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.ok(seen.at(-1)?.prompt.startsWith(`# long.py\n${Array.from({ length: 17 }, (_, i) => `x${83 + i} = ${83 + i}`).join('\n')}\n\n# a.py`));
  });

  it('auto drafting settles on the mix with the best measured speed, and explores less often as it holds', async () => {
    const seen: CompletionRequest[] = [];
    // Lookup is right most of the time; the head, where lookup is silent, hardly ever.
    const c = new Completer(async () => fakeEngine({ head: [0.1, 0.01, 0, 0, 0, 0, 0, 0], lookup: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2] }, seen), hooks());
    await c.applySettings(DEFAULT_SETTINGS);
    for (let i = 0; i < 240; i++) await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const last = seen.slice(-16);
    const ngram = last.filter((r) => r.draft?.drafter === 'ngram');
    assert.ok(ngram.length >= 14, `lookup alone chosen ${ngram.length} of the last 16 times`);
    assert.ok(ngram.every((r) => (r.draft?.tree?.depth ?? 0) >= 3), 'a good source drafts deep');
    assert.ok(!seen.slice(16).some((r) => r.draft?.drafter === 'head'), 'the head alone is never drafted with: its estimate is below the measured ones');
    // Exploration (the head turned on, or one lookup token more): every 8th request at first,
    // then the gap doubles per round while lookup alone keeps the lead; it never stops.
    const headOn = (from: number, to: number) => seen.slice(from, to).filter((r) => r.draft?.head !== undefined).length;
    assert.ok(headOn(1, 48) >= 2, `the head explored ${headOn(1, 48)} times in requests 2-48`);
    assert.ok(headOn(112, 240) >= 1 && headOn(112, 240) <= 3, `the head explored ${headOn(112, 240)} times in requests 113-240`);
  });

  it('auto drafting takes the hybrid where both sources pay, and tunes the head chain apart from lookup', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({ rate: 0.5, head: [0.9, 0.85, 0.8, 0.1, 0, 0, 0, 0], lookup: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2] }, seen), hooks());
    await c.applySettings(DEFAULT_SETTINGS);
    for (let i = 0; i < 48; i++) await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const last = seen.slice(-32);
    const hybrid = last.filter((r) => r.draft?.drafter === 'hybrid');
    assert.ok(hybrid.length >= 28, `hybrid chosen ${hybrid.length} of 32 times`);
    assert.ok(hybrid.every((r) => r.draft?.head === '/h/prism.gguf'), 'the hybrid drafts with the shipped head');
    // The head's chain climbs to 3 (its 4th token is right 10% of the time) while lookup goes deeper.
    const mode = (xs: number[]) => xs.sort((a, b) => xs.filter((v) => v === b).length - xs.filter((v) => v === a).length)[0];
    assert.equal(mode(seen.slice(-16).map((r) => r.draft?.headDepth ?? 1)), 3);
    assert.ok((mode(seen.slice(-16).map((r) => r.draft?.tree?.depth ?? 0)) ?? 0) >= 5);
  });

  it('auto drafting decodes plainly when no source pays', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({ head: [0.05, 0, 0, 0, 0, 0, 0, 0], lookup: [0.05, 0, 0, 0, 0, 0, 0, 0] }, seen), hooks());
    await c.applySettings(DEFAULT_SETTINGS);
    for (let i = 0; i < 40; i++) await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const plain = seen.slice(-16).filter((r) => !r.draft);
    assert.ok(plain.length >= 14, `plain ${plain.length} of 16`);
  });

  it('falls back to n-gram drafting when the head fails, says so once, and drops stale replies', async () => {
    const seen: CompletionRequest[] = [];
    const statuses: StatusParams[] = [];
    const c = new Completer(async () => fakeEngine({}, seen, true), hooks(statuses));
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'prism', depth: 3 } });
    const items = await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.deepEqual(items, [{ insertText: 'x = 1', start: 20, end: 20 }]);
    assert.deepEqual(seen.map((r) => r.draft?.drafter), ['head', 'ngram']);
    assert.equal(statuses.filter((s) => s.state === 'error').map((s) => s.message).join('|'), 'draft head x.gguf was trained for another model (completing without it)');
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.equal(seen.at(-1)?.draft?.drafter, 'ngram', 'the failed head is not tried again');
    // The document changed while generating: nothing is shown.
    assert.deepEqual(await c.complete(doc(1), { offset: 20, triggerKind: 2 }, never, () => 2), []);
    assert.equal(c.stats.stale, 1);
  });

  it('loads the model in the numerics of the settings, and reloads it when they change', async () => {
    const loads: WorkerLoadOptions[] = [];
    const c = new Completer(async (o) => { loads.push(o); return fakeEngine({}, []); }, hooks());
    await c.applySettings(DEFAULT_SETTINGS);
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    await c.applySettings({ ...DEFAULT_SETTINGS, numerics: 'fp32' });
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    // The default numerics are int8 activations with the 8-bit head (bench-numerics' rule).
    assert.deepEqual(loads.map((o) => o.graph), [{ accuracyLevel: 4, head: 'int8', attention: 'fast' }, { accuracyLevel: 0, head: 'f32', attention: 'fast' }]);
    assert.deepEqual(loads.map((o) => o.exact), [true, true]);
    // The server parks the target's threads between ops: it shares the cores with the editor.
    assert.deepEqual(loads.map((o) => o.spin), ['off', 'off']);
    // A tree shape asks for the tree-exact attention (trees are bit-exact only with it), still exact.
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, tree: 'dynamic' } });
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.deepEqual([loads.at(-1)?.graph, loads.at(-1)?.exact], [{ accuracyLevel: 4, head: 'int8', attention: 'tree-exact' }, true]);
  });

  it('drafts chains where the settings ask for trees but the engine verifies only chains exactly (CUDA), and says so once', async () => {
    const seen: CompletionRequest[] = [];
    const statuses: StatusParams[] = [];
    const c = new Completer(async () => fakeEngine({ lookup: [0.9, 0.8, 0.7, 0.6] }, seen), hooks(statuses));
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'ngram', depth: 4, tree: 'dynamic' } });
    for (let i = 0; i < 3; i++) await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.deepEqual(seen.map((r) => r.draft?.tree?.kind), ['chain', 'chain', 'chain']);
    assert.deepEqual(statuses.filter((s) => /trees/.test(s.message ?? '')).map((s) => s.message),
      ['draft trees are not bit-exact on this device; drafting chains (set prism.draft.tree to "chain" to hide this)']);
    // The tree-exact target (the CPU) gets the trees it was asked for, silently.
    const trees: CompletionRequest[] = [];
    const quiet: StatusParams[] = [];
    const e = fakeEngine({ lookup: [0.9, 0.8, 0.7, 0.6] }, trees);
    const c2 = new Completer(async () => ({ ...e, info: { ...e.info, treesExact: true }, complete: e.complete }), hooks(quiet));
    await c2.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'ngram', depth: 4, tree: 'dynamic' } });
    for (let i = 0; i < 2; i++) await c2.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.deepEqual(trees.map((r) => r.draft?.tree?.kind), ['dynamic', 'dynamic']);
    assert.deepEqual(quiet.filter((s) => /trees/.test(s.message ?? '')), []);
  });

  it('with an IntelliSense item selected, completes after it and extends it over its range', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({}, seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    // "self.it|" with the suggestion "items" selected for the range of "it".
    const d = { uri: 'file:///w/b.py', languageId: 'python', version: 1, text: 'class A:\n    def f(self):\n        self.it\n' };
    const end = d.text.indexOf('\n', d.text.indexOf('self.it'));
    const items = await c.complete(d, { offset: end, triggerKind: 2, selected: { start: end - 2, end, text: 'items' } }, never, () => 1);
    assert.equal(seen[0]?.prompt.endsWith('self.items'), true, 'the prompt continues the selected item');
    assert.equal(seen[0]?.wordEnd, true, 'a selected identifier is a whole word: the ghost text must not go on inside it');
    assert.deepEqual(items, [{ insertText: 'itemsx = 1', start: end - 2, end }]);
    // An item that ends in punctuation ("items()") leaves the next character free; so does one that
    // only repeats the typed text ("it" for "it": the model may still spell "items"); no item, no rule.
    await c.complete(d, { offset: end, triggerKind: 2, selected: { start: end - 2, end, text: 'items()' } }, never, () => 1);
    await c.complete(d, { offset: end, triggerKind: 2, selected: { start: end - 2, end, text: 'it' } }, never, () => 1);
    await c.complete(d, { offset: end, triggerKind: 2 }, never, () => 1);
    assert.deepEqual(seen.slice(1).map((r) => r.wordEnd), [false, false, false]);
  });

  it('replaces the closer the editor put after the cursor where the completion writes it itself', async () => {
    const seen: CompletionRequest[] = [];
    let text = 'item);';
    const base = fakeEngine({}, seen);
    const c = new Completer(async () => ({ ...base, complete: async (req, o) => ({ ...(await base.complete(req, o)), text }) }), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    // `_run(|)`: the editor closed the parenthesis when `(` was typed.
    const d = { uri: 'file:///w/r.ts', languageId: 'typescript', version: 1, text: 'function f() {\n  const r = _run()\n}\n' };
    const at = d.text.indexOf('_run(') + 5;
    assert.deepEqual(await c.complete(d, { offset: at, triggerKind: 2 }, never, () => 1), [{ insertText: 'item);', start: at, end: at + 1 }]);
    // An item selected for `it`: the whole over its range and the closer.
    const typed = { ...d, version: 2, text: d.text.slice(0, at) + 'it' + d.text.slice(at) };
    text = ');';
    assert.deepEqual(await c.complete(typed, { offset: at + 2, triggerKind: 2, selected: { start: at, end: at + 2, text: 'item' } }, never, () => 2), [{ insertText: 'item);', start: at, end: at + 3 }]);
    // A completion that leaves the closer to the line goes in before it.
    text = 'len(x)';
    assert.deepEqual(await c.complete(d, { offset: at, triggerKind: 2 }, never, () => 1), [{ insertText: 'len(x)', start: at, end: at }]);
  });

  it('gives several alternatives on explicit invoke, one on automatic triggers', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({}, seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    await c.complete(doc(), { offset: 20, triggerKind: 1 }, never, () => 1);
    assert.equal(seen.length, 3);
    assert.equal(seen[0]?.sampling, undefined, 'the first is greedy');
    assert.ok(seen.slice(1).every((r) => (r.sampling?.temperature ?? 0) > 0), 'the others are samples');
    seen.length = 0;
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.equal(seen.length, 1);
  });
});

describe('Completer: a document\'s own chars per token', () => {
  /** A local engine that counts: this code is dense, 1.5 characters a token. */
  function countingEngine(seen: CompletionRequest[], counted: string[]): EngineLike {
    const tokens = (p: string) => Math.ceil(p.length / 1.5);
    return {
      info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
      async count(prompt) { counted.push(prompt); return tokens(prompt); },
      async complete(req) {
        seen.push(req);
        const timings = { promptTokens: tokens(req.prompt), reusedTokens: 0, prefillTokens: tokens(req.prompt), prefillMs: 5, decodeTokens: 1, decodeMs: 5, decodeTokensPerS: 200, totalMs: 10 };
        return { text: req.prefillOnly ? '' : 'x', tokens: [], finishReason: 'length', timings };
      },
      async dispose() { /* nothing */ },
    };
  }
  const long = (uri: string) => ({ uri, languageId: 'go', version: 1, text: Array.from({ length: 300 }, (_, i) => `v${i}:=f(${i})`).join('\n') + '\n' });

  it('places a document\'s first prompt at its counted density, counts it once, and a warm-up and its completion agree', async () => {
    const seen: CompletionRequest[] = [];
    const counted: string[] = [];
    // Whole starts (no short first start): the placement's density is what this checks.
    const c = new Completer(async () => countingEngine(seen, counted), { ...hooks(), firstShare: 0 });
    await c.applySettings({ ...DEFAULT_SETTINGS, contextTokens: 200, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const a = long('file:///w/a.go');
    await c.complete(a, { offset: a.text.length, triggerKind: 2 }, never, () => 1);
    assert.equal(counted.length, 1, 'counted once before its first prompt');
    // At the default 3 characters a token the prompt would be 2x its budget (the count: 1.5).
    const first = seen.at(-1)?.prompt ?? '';
    const tokens = Math.ceil(first.length / 1.5);
    assert.ok(tokens <= 200 && tokens >= 0.7 * 200 - 10, `${tokens} tokens for a budget of 200`);
    await c.complete(a, { offset: a.text.length, triggerKind: 2 }, never, () => 1);
    assert.equal(counted.length, 1, 'a counted document is not counted again');
    assert.equal(seen.at(-1)?.prompt, first, 'the start stays put');
    assert.equal(counted[0], a.text, 'a document this long is counted whole');
    // Another document, warmed where the cursor rests: the warm-up and the completion after it ask
    // for the same prompt.
    const b = long('file:///w/b.go');
    await c.prefill(b, b.text.length, 'rest');
    assert.equal(counted.length, 2);
    const warm = seen.at(-1);
    assert.equal(warm?.prefillOnly, true);
    await c.complete(b, { offset: b.text.length, triggerKind: 2 }, never, () => 1);
    assert.equal(seen.at(-1)?.prompt, warm?.prompt);
    assert.equal(counted.length, 2);
    // A closed document is counted again when it comes back.
    c.forget(a.uri);
    await c.complete(a, { offset: a.text.length, triggerKind: 2 }, never, () => 1);
    assert.equal(counted.length, 3);
  });

  it('warms a document that fits one prompt whole when it becomes active, a longer one opened at its top from its start to its budget; a resting cursor, and one further in, at the cursor', async () => {
    const seen: CompletionRequest[] = [];
    const counted: string[] = [];
    const c = new Completer(async () => countingEngine(seen, counted), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, contextTokens: 400, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    // 50 lines, 530 characters: 354 tokens at 1.5 a token, within 400.
    const small = { uri: 'file:///w/small.go', languageId: 'go', version: 1, text: Array.from({ length: 50 }, (_, i) => `v${i}:=f(${i})`).join('\n') + '\n' };
    await c.prefill(small, 0); // VS Code opened it: the cursor at (0, 0)
    assert.equal(seen.at(-1)?.prefillOnly, true);
    assert.equal(seen.at(-1)?.prompt, small.text, 'the whole document');
    // A completion anywhere in it asks for a prefix of what was warmed.
    const mid = small.text.indexOf('v30:=');
    await c.complete(small, { offset: mid, triggerKind: 2 }, never, () => 1);
    assert.equal(seen.at(-1)?.prompt, small.text.slice(0, mid));
    // A resting cursor warms its own prompt.
    await c.prefill(small, mid, 'rest');
    assert.equal(seen.at(-1)?.prompt, small.text.slice(0, mid));
    // Twice the budget, opened at (0, 0): warmed from its start to the last line end within the
    // budget (400 tokens at 1.5 characters a token: 600 characters).
    const big = { ...small, uri: 'file:///w/big.go', text: small.text + small.text };
    await c.prefill(big, 0);
    const top = seen.at(-1)?.prompt ?? '';
    assert.equal(seen.at(-1)?.prefillOnly, true);
    assert.ok(big.text.startsWith(top) && top.endsWith('\n'), 'the document\'s start, to a line end');
    assert.ok(top.length <= 600 && top.length > 600 - 12, `${top.length} characters for a budget of 600`);
    // A click on the first screen, its warm-up and the completion there ask for prefixes of it.
    const click = big.text.indexOf('v20:=');
    await c.prefill(big, click, 'rest');
    assert.equal(seen.at(-1)?.prompt, big.text.slice(0, click));
    await c.complete(big, { offset: click, triggerKind: 2 }, never, () => 1);
    assert.equal(seen.at(-1)?.prompt, big.text.slice(0, click));
    // Just over the budget (within the 1.2x a prompt typed at its end may outgrow it): the
    // cursor sent to the end after the top's warm-up gets its own short prompt, not the
    // document from its start (1,163 tokens in 3 s, in the hand session's first build).
    const over = { ...big, uri: 'file:///w/over.go', text: big.text.slice(0, big.text.indexOf('\n', 680) + 1) };
    await c.prefill(over, 0);
    assert.ok(over.text.startsWith(seen.at(-1)?.prompt ?? '-') && (seen.at(-1)?.prompt.length ?? 0) > 588);
    const atEnd = seen.length;
    await c.prefill(over, over.text.length, 'rest');
    const endFirst = seen[atEnd]?.prompt ?? '-';
    assert.ok(over.text.endsWith(endFirst) && endFirst.length <= 225, `the end's short first prompt (${endFirst.length} characters)`);
    // Active with its cursor further in (a file VS Code restores where the user left it; here
    // past the first prompt's share, 3/8 of the budget, 225 characters) and at its end: the
    // cursor's own prompt, as before.
    const far = { ...big, uri: 'file:///w/far.go' };
    const mid2 = far.text.indexOf('v25:=');
    assert.ok(mid2 > 225 && mid2 < 600);
    const asked = seen.length;
    await c.prefill(far, mid2);
    const first = seen[asked]?.prompt ?? '-';
    assert.ok(far.text.slice(0, mid2).endsWith(first) && first.length <= 225, 'the cursor\'s short first prompt');
    // (then, as before, the whole prompt from the top while the user still reads)
    assert.equal(seen.at(-1)?.prompt, far.text.slice(0, mid2));
    await c.prefill(big, big.text.length);
    assert.ok((seen.at(-1)?.prompt.length ?? 0) < big.text.length * 0.5, 'the cursor\'s prompt, within the budget');
  });
});

/** The engine, but the first request `which` picks comes back cancelled (after it ran), as a keystroke cuts it short. */
function cutShortOnce(base: EngineLike, which: (req: CompletionRequest) => boolean): EngineLike {
  let cut = 1;
  return { ...base, complete: async (req, opts) => { const r = await base.complete(req, opts); return which(req) && cut-- > 0 ? { ...r, finishReason: 'cancelled' } : r; } };
}

describe('Completer: a prompt start due to move moves while the user pauses', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // 400 lines of 10 characters; the fake engine counts 3 characters a token, the budget is 100
  // tokens: 300 characters of prefix, a margin to 360. Whole starts (firstShare 0) but where said.
  const text = Array.from({ length: 400 }, (_, i) => `y${String(i).padStart(3, '0')}=f(0)\n`).join('');
  const at = (line: number) => line * 10;
  const settings = { ...DEFAULT_SETTINGS, contextTokens: 100, progressive: false, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' as const } };

  it('warms the moved prompt after idleMoveMs with nothing asked, and the next completion asks for it', async () => {
    const seen: CompletionRequest[] = [];
    const logs: string[] = [];
    const c = new Completer(async () => fakeEngine({}, seen), { ...hooks(), log: (l: string) => { logs.push(l); }, idleMoveMs: 20, firstShare: 0 });
    await c.applySettings(settings);
    const d = { uri: 'file:///w/m.py', languageId: 'python', version: 1, text };
    await c.complete(d, { offset: at(200), triggerKind: 2 }, never, () => 1);
    const first = seen.at(-1)?.prompt ?? '';
    assert.equal(first, text.slice(at(179), at(200)), 'placed 0.7 of the budget back');
    await c.complete(d, { offset: at(204), triggerKind: 2 }, never, () => 1);
    await c.complete(d, { offset: at(208), triggerKind: 2 }, never, () => 1);
    await wait(40);
    assert.equal(seen.length, 3, 'within its budget: nothing moves');
    // The user typed on: 340 characters of prefix, past the budget.
    const d2 = { ...d, version: 2 };
    await c.complete(d2, { offset: at(213), triggerKind: 2 }, never, () => 2);
    assert.ok(seen.at(-1)?.prompt.startsWith(first), 'the keystroke kept the start (the cache is reused)');
    await wait(60);
    assert.equal(seen.length, 5, 'one warm-up after the pause');
    const warm = seen[4] as CompletionRequest;
    assert.equal(warm.prefillOnly, true);
    assert.equal(warm.spare, true, 'computed beside the cache typing uses');
    // 0.7 of the budget back (the counts taught 2.99 characters a token: 298 characters), at a line start.
    assert.equal(warm.prompt, text.slice(at(193), at(213)), 'the start moved to 0.7 of the budget back');
    assert.deepEqual([warm.cacheKey, warm.cacheSlots], [d.uri, DEFAULT_SETTINGS.cacheDocuments]);
    assert.ok(logs.some((l) => /start moved while the user paused/.test(l)), logs.join('\n'));
    await c.complete(d2, { offset: at(213), triggerKind: 2 }, never, () => 2);
    assert.equal(seen.at(-1)?.prompt, warm.prompt, 'the next completion asks for the warmed prompt');
    await wait(60);
    assert.equal(seen.length, 6, 'moved: nothing more to warm');
  });

  it('a move cut short leaves the placed start to typing; the next pause goes on with the same start', async () => {
    const seen: CompletionRequest[] = [];
    // The first warm-up is cut short (the user typed during it), as the engine reports it.
    const engine = cutShortOnce(fakeEngine({}, seen), (req) => req.prefillOnly === true);
    const c = new Completer(async () => engine, { ...hooks(), idleMoveMs: 20, firstShare: 0 });
    await c.applySettings(settings);
    const d = { uri: 'file:///w/m.py', languageId: 'python', version: 1, text };
    for (const line of [200, 204, 208]) await c.complete(d, { offset: at(line), triggerKind: 2 }, never, () => 1);
    const first = seen.at(-1)?.prompt ?? '';
    const d2 = { ...d, version: 2 };
    await c.complete(d2, { offset: at(213), triggerKind: 2 }, never, () => 2);
    await wait(60);
    const moved = seen.at(-1) as CompletionRequest;
    assert.deepEqual([moved.prefillOnly, moved.spare], [true, true]);
    assert.ok(!moved.prompt.startsWith(first.slice(0, 20)), 'the move asked for the new start');
    await c.complete(d2, { offset: at(213) + 3, triggerKind: 2 }, never, () => 2);
    assert.ok(seen.at(-1)?.prompt.startsWith(first), 'cut short: the next keystroke keeps the placed start (its cache is whole)');
    await wait(60);
    const again = seen.at(-1) as CompletionRequest;
    assert.equal(again.prefillOnly, true, 'the next pause moves again');
    assert.ok(again.prompt.startsWith(moved.prompt), 'from the same start: the engine goes on from what it computed');
    await c.complete(d2, { offset: at(213) + 3, triggerKind: 2 }, never, () => 2);
    assert.equal(seen.at(-1)?.prompt, again.prompt, 'whole: typing uses the moved start');
  });

  it('a first prompt is short; the warm-up that placed it moves it back at once, into a second cache, and typing takes it once whole', async () => {
    const seen: CompletionRequest[] = [];
    // A quarter of the budget: 75 characters.
    const c = new Completer(async () => fakeEngine({}, seen), { ...hooks(), idleMoveMs: 20, firstShare: 0.25 });
    await c.applySettings(settings);
    const d = { uri: 'file:///w/m.py', languageId: 'python', version: 1, text };
    await c.prefill(d, at(200), 'rest');
    assert.equal(seen.length, 2, 'the short prompt, then the whole one');
    const [short, whole] = seen as [CompletionRequest, CompletionRequest];
    assert.deepEqual([short.prefillOnly, short.spare], [true, undefined]);
    assert.equal(short.prompt, text.slice(at(193), at(200)), 'a quarter of the budget back, at a line start');
    assert.deepEqual([whole.prefillOnly, whole.spare], [true, true], 'computed beside the short one');
    assert.equal(whole.prompt, text.slice(at(179), at(200)), '0.7 of the budget back (3 characters a token: nothing counted yet)');
    await c.complete(d, { offset: at(200), triggerKind: 2 }, never, () => 1);
    assert.equal(seen.at(-1)?.prompt, whole.prompt, 'whole: typing uses it');
    await wait(60);
    assert.equal(seen.length, 3, 'nothing more to move');
  });

  it('a keystroke while the start moves back finds the short prompt; the next pause goes on with the same start', async () => {
    const seen: CompletionRequest[] = [];
    // The move back is cut short (the user typed during it), as the engine reports it.
    const engine = cutShortOnce(fakeEngine({}, seen), (req) => req.spare === true);
    const c = new Completer(async () => engine, { ...hooks(), idleMoveMs: 20, firstShare: 0.25 });
    await c.applySettings(settings);
    const d = { uri: 'file:///w/m.py', languageId: 'python', version: 1, text };
    // A first request with nothing warmed: the keystroke computes the short prompt alone.
    await c.complete(d, { offset: at(200), triggerKind: 2 }, never, () => 1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.prompt, text.slice(at(193), at(200)));
    await wait(60);
    assert.deepEqual([seen[1]?.prefillOnly, seen[1]?.spare, seen[1]?.prompt], [true, true, text.slice(at(180), at(200))], 'the pause moves it back');
    await c.complete(d, { offset: at(200) + 3, triggerKind: 2 }, never, () => 1);
    assert.equal(seen.at(-1)?.prompt, text.slice(at(193), at(200) + 3), 'cut short: typing keeps the short start');
    await wait(60);
    assert.deepEqual([seen.at(-1)?.spare, seen.at(-1)?.prompt], [true, text.slice(at(180), at(200) + 3)], 'the next pause: the same start');
    await c.complete(d, { offset: at(200) + 3, triggerKind: 2 }, never, () => 1);
    assert.equal(seen.at(-1)?.prompt, text.slice(at(180), at(200) + 3));
    // A cursor that goes elsewhere places a short start again; a remote server's prompt is whole.
    await c.complete(d, { offset: at(100), triggerKind: 2 }, never, () => 1);
    assert.equal(seen.at(-1)?.prompt, text.slice(at(93), at(100)));
    const remoteSeen: CompletionRequest[] = [];
    const remote = fakeEngine({}, remoteSeen);
    const r = new Completer(async () => ({ ...remote, info: { ...remote.info, device: 'remote', remote: true } }), hooks());
    await r.applySettings(settings);
    await r.complete(d, { offset: at(200), triggerKind: 2 }, never, () => 1);
    // The suffix's fifth of the budget aside: 0.7 of 240 characters back.
    assert.equal(remoteSeen.at(-1)?.prompt, text.slice(at(184), at(200)));
  });

  it('by default a first prompt holds 3/8 of the budget', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({}, seen), { ...hooks(), idleMoveMs: 0 });
    await c.applySettings(settings);
    await c.complete({ uri: 'file:///w/m.py', languageId: 'python', version: 1, text }, { offset: at(200), triggerKind: 2 }, never, () => 1);
    assert.equal(seen[0]?.prompt, text.slice(at(189), at(200)), '112 of 300 characters back, at a line start');
  });

  it('does not move when the user types on, when the document changed, or when turned off', async () => {
    for (const [idleMoveMs, typeAfter, version] of [[200, 5, 2], [20, undefined, 3], [0, undefined, 2]] as const) {
      const seen: CompletionRequest[] = [];
      const c = new Completer(async () => fakeEngine({}, seen), { ...hooks(), idleMoveMs, firstShare: 0 });
      await c.applySettings(settings);
      const d = { uri: 'file:///w/m.py', languageId: 'python', version: 1, text };
      await c.complete(d, { offset: at(200), triggerKind: 2 }, never, () => 1);
      await c.complete(d, { offset: at(204), triggerKind: 2 }, never, () => 1);
      await c.complete(d, { offset: at(208), triggerKind: 2 }, never, () => 1);
      const d2 = { ...d, version: 2 };
      await c.complete(d2, { offset: at(213), triggerKind: 2 }, never, () => version);
      if (typeAfter !== undefined) {
        await wait(typeAfter);
        await c.complete(d2, { offset: at(213), triggerKind: 2 }, never, () => 3); // answered after the document changed again
        await wait(300); // past the first pause's end: it was cancelled
      } else {
        await wait(60);
      }
      assert.ok(seen.every((r) => !r.prefillOnly), `no warm-up (idleMoveMs ${idleMoveMs}, typed after ${typeAfter}, version ${version})`);
    }
  });
});

describe('Completer prefill (a document became active)', () => {
  /** An engine whose requests wait until released (or aborted). */
  function slowEngine(seen: { req: CompletionRequest; signal?: AbortSignal }[]): { engine: EngineLike; release: () => void } {
    let open: (() => void)[] = [];
    const engine: EngineLike = {
      info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
      async complete(req, opts) {
        seen.push({ req, signal: opts.signal });
        await new Promise<void>((r) => { open.push(r); opts.signal?.addEventListener('abort', () => r(), { once: true }); });
        const timings = { promptTokens: 10, reusedTokens: 0, prefillTokens: 10, prefillMs: 5, decodeTokens: 0, decodeMs: 0, decodeTokensPerS: 0, totalMs: 5 };
        return { text: req.prefillOnly ? '' : 'x = 1', tokens: [], finishReason: opts.signal?.aborted ? 'cancelled' : 'length', timings };
      },
      async dispose() { /* nothing */ },
    };
    return { engine, release: () => { const o = open; open = []; for (const r of o) r(); } };
  }

  it('prefills the prompt a completion at the cursor would use, and a real request cancels it', async () => {
    const seen: { req: CompletionRequest; signal?: AbortSignal }[] = [];
    const { engine, release } = slowEngine(seen);
    const c = new Completer(async () => engine, hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const warming = c.prefill(doc(), 20, 'rest');
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 1));
    assert.equal(seen[0]?.req.prefillOnly, true);
    assert.equal(seen[0]?.req.keepTaps, false, 'plain decoding reads no taps');
    assert.equal(seen[0]?.req.heal, true, 'healed like the completion will be, so the cached tokens match');
    const asking = c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    await warming;
    assert.equal(seen[0]?.signal?.aborted, true, 'the completion cancelled the prefill');
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 1));
    assert.equal(seen[1]?.req.prompt, seen[0]?.req.prompt, 'the same prompt: the cache is reused');
    assert.equal(seen[1]?.req.prefillOnly, undefined);
    // Both in the document's own KV cache, as many kept as prism.cacheDocuments says.
    for (const x of seen) assert.deepEqual([x.req.cacheKey, x.req.cacheSlots], [doc().uri, DEFAULT_SETTINGS.cacheDocuments]);
    // A prefill while a completion runs does nothing.
    await c.prefill(doc(), 20);
    assert.equal(seen.length, 2);
    release();
    assert.deepEqual(await asking, [{ insertText: 'x = 1', start: 20, end: 20 }]);
    assert.equal(c.stats.prefills, 0, 'the cancelled prefill is not counted');
    const again = c.prefill(doc(), 20);
    while (seen.length < 3) await new Promise((r) => setTimeout(r, 1));
    release();
    await again;
    assert.equal(c.stats.prefills, 1);
  });

  it('a newer warm-up cancels an older one (the cursor moved on); a completion is never cancelled by one', async () => {
    const seen: { req: CompletionRequest; signal?: AbortSignal }[] = [];
    const { engine, release } = slowEngine(seen);
    const c = new Completer(async () => engine, hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const first = c.prefill(doc(), 5, 'rest');
    for (let i = 0; i < 1000 && seen.length < 1; i++) await new Promise((r) => setTimeout(r, 1));
    const second = c.prefill(doc(), 20, 'rest');
    for (let i = 0; i < 1000 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 1));
    assert.equal(seen[0]?.signal?.aborted, true, 'the first warm-up was cancelled');
    assert.equal(seen[1]?.signal?.aborted, false);
    assert.ok((seen[1]?.req.prompt.length ?? 0) > (seen[0]?.req.prompt.length ?? 0), 'the second warms the new cursor');
    const asking = c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    for (let i = 0; i < 1000 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 1));
    assert.equal(seen[1]?.signal?.aborted, true, 'the completion cancelled the warm-up');
    await c.prefill(doc(), 12, 'rest');
    assert.equal(seen.length, 3, 'no warm-up while the completion runs');
    assert.equal(seen[2]?.signal?.aborted, false);
    release();
    await Promise.all([first, second, asking]);
  });

  it('a request in another document stops the running one at once; one in the same document lets it settle', async () => {
    const seen: { req: CompletionRequest; signal?: AbortSignal }[] = [];
    const { engine, release } = slowEngine(seen);
    const c = new Completer(async () => engine, hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const other = { ...doc(), uri: 'file:///w/other.py' };
    const wait = async (n: number): Promise<void> => { for (let i = 0; i < 1000 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 1)); };
    const asks = [c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1)];
    await wait(1);
    asks.push(c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1));
    await wait(2);
    asks.push(c.complete(other, { offset: 20, triggerKind: 2 }, never, () => 1));
    await wait(3);
    assert.equal(seen[0]?.signal?.aborted, true);
    assert.notEqual(seen[0]?.signal?.reason, ABORT_ELSEWHERE, 'replaced in its own document: it may settle the shared prompt');
    assert.equal(seen[1]?.signal?.reason, ABORT_ELSEWHERE, 'replaced by a request in another document');
    assert.equal(seen[2]?.signal?.aborted, false);
    release();
    await Promise.all(asks);
  });

  it('warms where a moved cursor rests with a local model; a remote backend only when a document becomes active', async () => {
    for (const remote of [false, true]) {
      const seen: { req: CompletionRequest; signal?: AbortSignal }[] = [];
      const { engine, release } = slowEngine(seen);
      const e: EngineLike = remote ? { ...engine, info: { ...engine.info, device: 'remote', remote: true } } : engine;
      const c = new Completer(async () => e, hooks());
      await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
      const resting = c.prefill(doc(), 20, 'rest');
      if (!remote) { while (seen.length === 0) await new Promise((r) => setTimeout(r, 1)); release(); }
      await resting;
      assert.equal(seen.length, remote ? 0 : 1, remote ? 'no request to the team\'s server for a cursor move' : 'a local rest warms');
      const activating = c.prefill(doc(), 20, 'active');
      while (seen.length === (remote ? 0 : 1)) await new Promise((r) => setTimeout(r, 1));
      release();
      await activating;
      assert.equal(seen.at(-1)?.req.prefillOnly, true);
      // A team's server keeps its own caches: no key goes there.
      assert.equal(seen.at(-1)?.req.cacheKey, remote ? undefined : doc().uri);
    }
  });

  it('a closed document frees the KV cache the engine keeps for it', async () => {
    const seen: CompletionRequest[] = [];
    const forgotten: string[] = [];
    const c = new Completer(async () => ({ ...fakeEngine({}, seen), forget: (k: string) => { forgotten.push(k); } }), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    c.forget(doc().uri);
    assert.deepEqual(forgotten, [doc().uri]);
  });

  it('keeps the taps in the prefill where the drafting policy may use a head (auto, hybrid, prism)', async () => {
    for (const [mode, taps] of [['auto', true], ['hybrid', true], ['prism', true], ['ngram', false], ['none', false]] as const) {
      const seen: { req: CompletionRequest; signal?: AbortSignal }[] = [];
      const { engine, release } = slowEngine(seen);
      const c = new Completer(async () => engine, hooks());
      await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode } });
      const warming = c.prefill(doc(), 20);
      while (seen.length === 0) await new Promise((r) => setTimeout(r, 1));
      release();
      await warming;
      assert.equal(seen[0]?.req.keepTaps, taps, mode);
      // ... and gets that head ready (loaded and primed by the worker), as a one-token chain.
      const warm = seen[0]?.req.draft;
      if (taps) {
        assert.deepEqual({ drafter: warm?.drafter, tree: warm?.tree }, { drafter: 'head', tree: { kind: 'chain', depth: 1 } }, mode);
        assert.match(path.basename(warm?.head ?? ''), /prism\.gguf$/, mode);
      }
      else assert.equal(warm, undefined, mode);
    }
  });
});

/** An engine that streams `first` at once, then waits for `gate` before it streams `rest` and ends (or stops, cancelled). */
function streamingEngine(first: string, rest: string, gate: Promise<void>, seen: { aborted?: boolean; mark?: boolean; requests?: CompletionRequest[] } = {}): EngineLike {
  return {
    info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
    async complete(req, opts) {
      seen.requests?.push(req);
      const timings = { promptTokens: 10, reusedTokens: 0, prefillTokens: 10, prefillMs: 5, decodeTokens: 8, decodeMs: 80, decodeTokensPerS: 100, totalMs: 85 };
      for (const ch of first) opts.onText?.(ch);
      // The first-line budget ran out here (the engine marks it when asked: firstLineEarly).
      if (seen.mark && req.firstLineEarly) opts.onText?.('', true);
      await gate;
      seen.aborted = opts.signal?.aborted === true;
      if (opts.signal?.aborted) return { text: first, tokens: [], finishReason: 'cancelled', timings };
      opts.onText?.(rest);
      return { text: first + rest, tokens: [1], finishReason: 'stop', timings };
    },
    async dispose() { /* nothing */ },
  };
}

describe('Completer: progressive blocks (prism.progressive)', () => {
  // The cursor on the indented empty line after `def f(x):` (Enter with auto-indent): a block.
  const block = { uri: 'file:///w/b.py', languageId: 'python', version: 3, text: 'def f(x):\n    ' };
  const at = { offset: block.text.length, triggerKind: 2 as const };
  const gated = (): { gate: Promise<void>; open: () => void } => {
    let open = (): void => undefined;
    const gate = new Promise<void>((r) => { open = r; });
    return { gate, open };
  };
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 10));

  it('replies with the first line as soon as it is written, then sends the whole block; the status bar gets the first line\'s time', async () => {
    const { gate, open } = gated();
    const statuses: StatusParams[] = [];
    const c = new Completer(async () => streamingEngine('y = x + 1\n', '    return y\n', gate), hooks(statuses));
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const rests: string[][] = [];
    const reply = await c.complete(block, at, never, () => 3, (items) => rests.push(items.map((i) => i.insertText)));
    assert.deepEqual(reply, [{ insertText: 'y = x + 1', start: at.offset, end: at.offset }]);
    assert.deepEqual(rests, [], 'the rest is not written yet');
    const ghost = statuses.filter((st) => st.ghostMs !== undefined);
    assert.deepEqual(ghost.map((st) => st.state), ['generating'], 'the first line is shown while the block decodes on');
    assert.ok((ghost[0]?.ghostMs as number) >= 0);
    open();
    await settle();
    assert.deepEqual(rests, [['y = x + 1\n    return y']]);
    assert.equal(statuses.at(-1)?.state, 'idle', 'idle once the block is done');
    assert.equal(statuses.at(-1)?.lastLatencyMs, 85, 'then the whole block\'s time (the engine\'s)');
    assert.equal(c.stats.firstLines, 1);
    assert.equal(c.stats.continuations, 1);
    assert.equal(c.stats.completed, 1);
  });

  it('a newer request stops the rest of the block: nothing more is sent', async () => {
    const { gate, open } = gated();
    const c = new Completer(async () => streamingEngine('y = x + 1\n', '    return y\n', gate), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const rests: string[][] = [];
    await c.complete(block, at, never, () => 3, (items) => rests.push(items.map((i) => i.insertText)));
    const next = c.complete({ ...block, version: 4, text: `${block.text}y` }, { offset: at.offset + 1, triggerKind: 2 }, never, () => 4);
    open();
    await next;
    await settle();
    assert.deepEqual(rests, []);
    assert.equal(c.stats.continuations, 0);
  });

  it('a dismissal (Escape) stops the rest of the block: nothing more is sent; in another document it stops nothing', async () => {
    for (const uri of [block.uri, 'file:///w/other.py']) {
      const { gate, open } = gated();
      const seen: { aborted?: boolean } = {};
      const c = new Completer(async () => streamingEngine('y = x + 1\n', '    return y\n', gate, seen), hooks());
      await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
      const rests: string[][] = [];
      assert.deepEqual((await c.complete(block, at, never, () => 3, (items) => rests.push(items.map((i) => i.insertText)))).map((i) => i.insertText), ['y = x + 1']);
      c.dismissed(uri);
      open();
      await settle();
      const here = uri === block.uri;
      assert.equal(seen.aborted, here);
      assert.deepEqual(rests, here ? [] : [['y = x + 1\n    return y']]);
      assert.deepEqual([c.stats.dismissals, c.stats.continuations], [1, here ? 0 : 1]);
    }
  });

  it('typing another first character than the ghost text\'s stops the rest of the block; typing it, or elsewhere, does not', async () => {
    const cases: [string, string, boolean][] = [
      [block.uri, `${block.text}z`, true], // another character at the point
      [block.uri, `${block.text}y`, false], // the ghost text's own first character
      [block.uri, `# a note\n${block.text}z`, false], // an edit before the point: not judged
      [block.uri, block.text.slice(0, -1), false], // a deletion
      ['file:///w/other.py', `${block.text}z`, false], // another document
    ];
    for (const [uri, text, stops] of cases) {
      const { gate, open } = gated();
      const seen: { aborted?: boolean } = {};
      const logs: string[] = [];
      const c = new Completer(async () => streamingEngine('y = x + 1\n', '    return y\n', gate, seen), { ...hooks(), log: (m) => logs.push(m) });
      await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
      const rests: string[][] = [];
      await c.complete(block, at, never, () => 3, (items) => rests.push(items.map((i) => i.insertText)));
      c.documentChanged({ uri, languageId: 'python' }, () => text);
      open();
      await settle();
      assert.equal(seen.aborted, stops, text);
      assert.deepEqual(rests, stops ? [] : [['y = x + 1\n    return y']], text);
      assert.equal(logs.includes('typed past the ghost text: the rest of the block stops'), stops, text);
    }
  });

  it('a block decoding on gives way to a warm-up: of another document at once, of a cursor moved here after its step', async () => {
    for (const elsewhere of [true, false]) {
      const { gate, open } = gated();
      const seen: { aborted?: boolean; requests: CompletionRequest[] } = { requests: [] };
      const base = streamingEngine('y = x + 1\n', '    return y\n', gate, seen);
      let reason: unknown = 'not aborted';
      const engine: EngineLike = {
        ...base,
        complete: async (req, opts) => {
          if (req.prefillOnly) { seen.requests.push(req); return { text: '', tokens: [], finishReason: 'length', timings: { promptTokens: 5, reusedTokens: 0, prefillTokens: 5, prefillMs: 1, decodeTokens: 0, decodeMs: 0, decodeTokensPerS: 0, totalMs: 1 } }; }
          opts.signal?.addEventListener('abort', () => { reason = opts.signal?.reason; }, { once: true });
          return base.complete(req, opts);
        },
      };
      const c = new Completer(async () => engine, hooks());
      await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
      const rests: string[][] = [];
      await c.complete(block, at, never, () => 3, (items) => rests.push(items.map((i) => i.insertText)));
      const other = elsewhere ? { uri: 'file:///w/other.py', languageId: 'python', version: 1, text: 'import os\n\ndef g(p):\n    return ' } : block;
      await c.prefill(other, elsewhere ? other.text.length : 4, elsewhere ? 'active' : 'rest');
      assert.equal(seen.requests.filter((r) => r.prefillOnly).length, 1, 'the warm-up ran');
      if (elsewhere) assert.equal(reason, ABORT_ELSEWHERE, 'another document: stop at once');
      else assert.ok(reason !== 'not aborted' && reason !== ABORT_ELSEWHERE, 'here: stop after the step under way');
      open();
      await settle();
      assert.equal(seen.aborted, true, 'the block was told to stop');
      assert.deepEqual(rests, [], 'nothing more is sent');
    }
  });

  it('a first line for a document that changed meanwhile is dropped, and its block stops', async () => {
    const { gate, open } = gated();
    const seen: { aborted?: boolean } = {};
    const c = new Completer(async () => streamingEngine('y = x + 1\n', '    return y\n', gate, seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const rests: string[][] = [];
    assert.deepEqual(await c.complete(block, at, never, () => 4, (items) => rests.push(items.map((i) => i.insertText))), []);
    open();
    await settle();
    assert.equal(seen.aborted, true, 'the engine was told to stop');
    assert.deepEqual(rests, []);
    assert.equal(c.stats.stale, 1);
  });

  it('a block whose first line is slow replies with its beginning where the budget ran out, then sends the whole block; a single line is not marked', async () => {
    const { gate, open } = gated();
    const seen: { mark?: boolean; requests?: CompletionRequest[] } = { mark: true, requests: [] };
    const c = new Completer(async () => streamingEngine('y = f(a, ', 'b)\n    return y\n', gate, seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const rests: string[][] = [];
    const reply = await c.complete(block, at, never, () => 3, (items) => rests.push(items.map((i) => i.insertText)));
    assert.equal(seen.requests?.[0]?.firstLineEarly, true, 'the engine is asked to mark the budget, not to end there');
    assert.deepEqual(reply.map((i) => i.insertText), ['y = f(a,']);
    open();
    await settle();
    assert.deepEqual(rests, [['y = f(a, b)\n    return y']]);
    // A single line ends at its budget as before: the engine is not asked to mark it.
    const line = { uri: 'file:///w/c.py', languageId: 'python', version: 2, text: 'def g(a, b):\n    return ' };
    await c.complete(line, { offset: line.text.length, triggerKind: 2 }, never, () => 2, () => assert.fail('nothing follows a single line'));
    assert.equal(seen.requests?.[1]?.firstLineEarly, undefined);
    // Off: a block is not marked either.
    const off = new Completer(async () => streamingEngine('y = f(a, ', 'b)\n', Promise.resolve(), seen), hooks());
    await off.applySettings({ ...DEFAULT_SETTINGS, progressive: false, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    await off.complete(block, at, never, () => 3, () => assert.fail('nothing follows'));
    assert.equal(seen.requests?.[2]?.firstLineEarly, undefined);
  });

  it('a first line the model ended with CRLF is shown without its \\r', () => {
    const got: string[] = [];
    const cursor = cursorContext(block.text, at.offset);
    const watch = firstLineWatch('multi', (raw) => shapeCompletion(raw, cursor, 'multi'), (l) => got.push(l));
    watch('return x\r');
    watch('\n    y');
    assert.deepEqual(got, ['return x']);
  });

  it('off, a single line, or a block that ends with its first line: one reply, nothing after it', async () => {
    const cases = [
      { settings: { progressive: false }, doc: block, req: at, first: 'y = x + 1\n', rest: '    return y\n', want: 'y = x + 1\n    return y' },
      { settings: {}, doc: { ...block, text: 'def f(x):\n    return (x)' }, req: { offset: 'def f(x):\n    return ('.length, triggerKind: 2 as const }, first: 'x + 1\n', rest: '    y = 2\n', want: 'x + 1' },
      { settings: {}, doc: block, req: at, first: 'return x\n', rest: '', want: 'return x' },
    ];
    for (const k of cases) {
      const { gate, open } = gated();
      const c = new Completer(async () => streamingEngine(k.first, k.rest, gate), hooks());
      await c.applySettings({ ...DEFAULT_SETTINGS, ...k.settings, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
      const rests: string[][] = [];
      const reply = c.complete(k.doc, k.req, never, () => k.doc.version, (items) => rests.push(items.map((i) => i.insertText)));
      open();
      assert.deepEqual((await reply).map((i) => i.insertText), [k.want], JSON.stringify(k.settings) + k.first);
      await settle();
      assert.deepEqual(rests, []);
    }
  });
});

describe('Completer: a line its first-line budget cut is finished when the user pauses (prism.progressive)', () => {
  // The cursor after `y = ` (a single line): the budget cuts `compute(a, ` off `compute(a, b)`.
  const line = { uri: 'file:///w/l.py', languageId: 'python', version: 5, text: 'def f(a, b):\n    y = ' };
  const at = { offset: line.text.length, triggerKind: 2 as const };
  const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  /** Cut by the first-line budget when asked with one (finish 'time'), whole without; `gate` holds the whole. */
  const cutEngine = (requests: CompletionRequest[], gate: Promise<void> = Promise.resolve(), seen: { aborted?: boolean } = {}): EngineLike => ({
    info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
    async complete(req, opts) {
      requests.push(req);
      const timings = { promptTokens: 10, reusedTokens: 0, prefillTokens: 10, prefillMs: 5, decodeTokens: 8, decodeMs: 80, decodeTokensPerS: 100, totalMs: 85 };
      if (req.firstLineBudgetMs !== undefined) return { text: 'compute(a, ', tokens: [1], finishReason: 'time', timings };
      await gate;
      seen.aborted = opts.signal?.aborted === true;
      if (opts.signal?.aborted) return { text: 'compute(a', tokens: [], finishReason: 'cancelled', timings };
      return { text: 'compute(a, b)\n', tokens: [1], finishReason: 'stop', timings };
    },
    async dispose() { /* nothing */ },
  });
  const noDraft = { ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' as const } };

  it('after the pause, the same prompt is decoded without the budget and the whole line follows the reply', async () => {
    const requests: CompletionRequest[] = [];
    const logs: string[] = [];
    const c = new Completer(async () => cutEngine(requests), { ...hooks(), log: (l: string) => { logs.push(l); }, lineRestMs: 30 });
    await c.applySettings(noDraft);
    const rests: string[][] = [];
    const reply = await c.complete(line, at, never, () => 5, (items) => rests.push(items.map((i) => i.insertText)));
    assert.deepEqual(reply.map((i) => i.insertText), ['compute(a,'], 'the reply ends where the budget cut it (shaped)');
    await wait(10);
    assert.equal(requests.length, 1, 'nothing runs before the pause');
    await wait(60);
    assert.equal(requests.length, 2);
    assert.equal(requests[1]?.firstLineBudgetMs, undefined, 'the finish has no first-line budget');
    assert.equal(requests[1]?.prompt, requests[0]?.prompt, 'the same prompt');
    assert.equal(requests[1]?.timeBudgetMs, requests[0]?.timeBudgetMs, 'the completion budget still holds');
    assert.deepEqual(rests, [['compute(a, b)']]);
    assert.deepEqual([c.stats.linesCut, c.stats.lineFinishes, c.stats.continuations], [1, 1, 1]);
    assert.ok(logs.some((l) => /finished at rest in \d+ ms \(10 -> 13 characters\)/.test(l)), logs.join('\n'));
  });

  it('a line dismissed (Escape) before the pause is not finished', async () => {
    const requests: CompletionRequest[] = [];
    const c = new Completer(async () => cutEngine(requests), { ...hooks(), lineRestMs: 30 });
    await c.applySettings(noDraft);
    const rests: string[][] = [];
    await c.complete(line, at, never, () => 5, (items) => rests.push(items.map((i) => i.insertText)));
    c.dismissed(line.uri);
    await wait(80);
    assert.equal(requests.length, 1);
    assert.deepEqual(rests, []);
  });

  it('a finish that runs out of tokens inside a repeating run is cut to its first time; a line the budget cut is not', async () => {
    const requests: CompletionRequest[] = [];
    const timings = { promptTokens: 10, reusedTokens: 0, prefillTokens: 10, prefillMs: 5, decodeTokens: 8, decodeMs: 80, decodeTokensPerS: 100, totalMs: 85 };
    const say = { cut: '"x = ', whole: '"x = a/b/a/b/a/b/c/a/b/a/b/a/b/a/b/a/b/c/a/b/a' };
    const engine: EngineLike = {
      info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
      async complete(req) {
        requests.push(req);
        if (req.firstLineBudgetMs !== undefined) return { text: say.cut, tokens: [1], finishReason: 'time', timings };
        return { text: say.whole, tokens: [1], finishReason: 'length', timings };
      },
      async dispose() { /* nothing */ },
    };
    const c = new Completer(async () => engine, { ...hooks(), lineRestMs: 30 });
    await c.applySettings(noDraft);
    const rests: string[][] = [];
    await c.complete(line, at, never, () => 5, (items) => rests.push(items.map((i) => i.insertText)));
    await wait(80);
    assert.equal(requests.length, 2);
    assert.deepEqual(rests, [['"x = a/b/']], 'out of tokens: the run once');
    // Cut by the clock, the same run is shown as written; it is finished, and judged, at the pause,
    // and the shorter whole replaces what was shown.
    say.cut = say.whole.slice(0, 18);
    const d = new Completer(async () => engine, { ...hooks(), lineRestMs: 30 });
    await d.applySettings(noDraft);
    rests.length = 0;
    assert.deepEqual((await d.complete(line, at, never, () => 5, (items) => rests.push(items.map((i) => i.insertText)))).map((i) => i.insertText), ['"x = a/b/a/b/a/b/c']);
    await wait(80);
    assert.deepEqual(rests, [['"x = a/b/']], 'the finish replaces the run shown');
    // A finish equal to what was shown sends nothing.
    say.cut = '"x = abc';
    say.whole = say.cut;
    rests.length = 0;
    await d.complete(line, at, never, () => 5, (items) => rests.push(items.map((i) => i.insertText)));
    await wait(80);
    assert.deepEqual(rests, []);
  });

  it('with an IntelliSense item selected, the whole extends the item over its range', async () => {
    const requests: CompletionRequest[] = [];
    const c = new Completer(async () => cutEngine(requests), { ...hooks(), lineRestMs: 20 });
    await c.applySettings(noDraft);
    const rests: { insertText: string; start: number; end: number }[][] = [];
    // `co` typed, the list's `comp` selected: the server completes after `comp`.
    const typed = { ...line, text: `${line.text}co` };
    const req = { offset: typed.text.length, triggerKind: 2 as const, selected: { start: line.text.length, end: typed.text.length, text: 'comp' } };
    const reply = await c.complete(typed, req, never, () => 5, (items) => rests.push(items));
    assert.deepEqual(reply.map((i) => i.insertText), ['compcompute(a,']);
    await wait(60);
    assert.deepEqual(rests, [[{ insertText: 'compcompute(a, b)', start: line.text.length, end: typed.text.length }]]);
  });

  it('a keystroke before the pause ends, a changed document, progressive off or lineRestMs 0: no finish', async () => {
    const cases: { name: string; settings?: object; restMs?: number; changed?: boolean; typeOn?: boolean }[] = [
      { name: 'typed on', typeOn: true },
      { name: 'document changed', changed: true },
      { name: 'progressive off', settings: { progressive: false } },
      { name: 'lineRestMs 0', restMs: 0 },
    ];
    for (const k of cases) {
      const requests: CompletionRequest[] = [];
      const c = new Completer(async () => cutEngine(requests), { ...hooks(), lineRestMs: k.restMs ?? 30 });
      await c.applySettings({ ...noDraft, ...k.settings });
      const rests: string[][] = [];
      let version = 5;
      await c.complete(line, at, never, () => version, (items) => rests.push(items.map((i) => i.insertText)));
      // The document changed after the reply: the finish sees another version.
      if (k.changed) version = 6;
      if (k.typeOn) {
        await wait(10);
        await c.complete({ ...line, version: 6, text: `${line.text}c` }, { offset: at.offset + 1, triggerKind: 2 }, never, () => 6);
      }
      await wait(80);
      const finishes = requests.filter((r) => r.firstLineBudgetMs === undefined).length;
      assert.equal(finishes, 0, k.name);
      assert.deepEqual(rests, [], k.name);
    }
  });

  it('a request while the line is being finished stops it, and nothing is sent', async () => {
    let open = (): void => undefined;
    const gate = new Promise<void>((r) => { open = r; });
    const requests: CompletionRequest[] = [];
    const seen: { aborted?: boolean } = {};
    const c = new Completer(async () => cutEngine(requests, gate, seen), { ...hooks(), lineRestMs: 20 });
    await c.applySettings(noDraft);
    const rests: string[][] = [];
    await c.complete(line, at, never, () => 5, (items) => rests.push(items.map((i) => i.insertText)));
    await wait(40);
    assert.equal(requests.length, 2, 'the finish runs');
    const next = c.complete({ ...line, version: 6, text: `${line.text}c` }, { offset: at.offset + 1, triggerKind: 2 }, never, () => 6);
    open();
    await next;
    await wait(10);
    assert.equal(seen.aborted, true, 'the finish was told to stop');
    assert.deepEqual(rests, []);
    assert.equal(c.stats.continuations, 0);
  });

  it('a progressive block the completion\'s time budget cut is finished at the pause too, after its first part', async () => {
    const requests: CompletionRequest[] = [];
    const block = { uri: 'file:///w/b.py', languageId: 'python', version: 3, text: 'def f(x):\n    ' };
    const engine: EngineLike = {
      info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
      async complete(req, opts) {
        requests.push(req);
        const timings = { promptTokens: 10, reusedTokens: 0, prefillTokens: 10, prefillMs: 5, decodeTokens: 8, decodeMs: 80, decodeTokensPerS: 100, totalMs: 85 };
        if (requests.length > 1) return { text: 'y = x\n    z = y\n    return z\n', tokens: [1], finishReason: 'stop', timings };
        opts.onText?.('y = x\n');
        await wait(5);
        return { text: 'y = x\n    z = y\n', tokens: [1], finishReason: 'time', timings };
      },
      async dispose() { /* nothing */ },
    };
    const c = new Completer(async () => engine, { ...hooks(), lineRestMs: 20 });
    await c.applySettings(noDraft);
    const rests: string[][] = [];
    const reply = await c.complete(block, { offset: block.text.length, triggerKind: 2 }, never, () => 3, (items) => rests.push(items.map((i) => i.insertText)));
    assert.deepEqual(reply.map((i) => i.insertText), ['y = x']);
    await wait(80);
    assert.deepEqual(rests, [['y = x\n    z = y'], ['y = x\n    z = y\n    return z']]);
    assert.equal(requests[1]?.firstLineBudgetMs, undefined);
  });

  it('an explicit invoke finishes its greedy line only, once', async () => {
    const requests: CompletionRequest[] = [];
    const c = new Completer(async () => cutEngine(requests), { ...hooks(), lineRestMs: 20 });
    await c.applySettings(noDraft);
    const rests: string[][] = [];
    await c.complete(line, { ...at, triggerKind: 1 }, never, () => 5, (items) => rests.push(items.map((i) => i.insertText)));
    assert.equal(requests.length, 3, 'three alternatives');
    await wait(60);
    const finishes = requests.slice(3);
    assert.equal(finishes.length, 1);
    assert.equal(finishes[0]?.sampling, undefined, 'greedy');
    assert.deepEqual(rests, [['compute(a, b)']]);
  });
});

describe('Completer: the next line at a line\'s end', () => {
  /** An engine that answers each request with the next of `texts` ('' once they run out). */
  const scripted = (texts: string[], seen: CompletionRequest[]): EngineLike => {
    const e = fakeEngine({}, seen);
    return { ...e, async complete(req, opts) { const r = await e.complete(req, opts); return { ...r, text: texts[seen.length - 1] ?? '' }; } };
  };
  const at = (text: string, version: number) => ({ uri: 'file:///w/a.py', languageId: 'python', version, text });

  it('at the end of a line with code (a reply written in whole, or the user\'s own line), asks for the line break and the block after it; inside a line, for one line', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => scripted([' = 2', '\n    c = 3\n', '\n    d = 4', '\n    e = 5', ' + 1', '\n    f = 6'], seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    // Typing at a line's end: the model goes on in the line, which is the reply (as one line's).
    const t1 = 'def f():\n    a = 1\n    b';
    assert.deepEqual(await c.complete(at(t1, 1), { offset: t1.length, triggerKind: 2 }, never, () => 1), [{ insertText: ' = 2', start: t1.length, end: t1.length }]);
    assert.deepEqual([seen[0]?.stop, seen[0]?.stopAfterContent], [['\n\n\n', '\n```'], true]);
    // Tab: the document is t1 with the item written, the cursor at its end; the model ends the line.
    const t2 = `${t1} = 2`;
    assert.deepEqual(await c.complete(at(t2, 2), { offset: t2.length, triggerKind: 2 }, never, () => 2), [{ insertText: '\n    c = 3', start: t2.length, end: t2.length }]);
    assert.deepEqual([seen[1]?.stop, seen[1]?.stopAfterContent], [['\n\n\n', '\n```'], true]);
    // That one written too: again.
    const t3 = `${t2}\n    c = 3`;
    assert.deepEqual(await c.complete(at(t3, 3), { offset: t3.length, triggerKind: 2 }, never, () => 3), [{ insertText: '\n    d = 4', start: t3.length, end: t3.length }]);
    assert.equal(seen[2]?.stopAfterContent, true);
    // The user wrote another line themselves: the same (what they typed does not matter, only where the cursor is).
    const t4 = `${t3}\n    d = 5`;
    assert.deepEqual(await c.complete(at(t4, 4), { offset: t4.length, triggerKind: 2 }, never, () => 4), [{ insertText: '\n    e = 5', start: t4.length, end: t4.length }]);
    assert.equal(seen[3]?.stopAfterContent, true);
    // Inside the line (text after the cursor): one line, whose stop is the line break.
    const t5 = `${t4} * 3`;
    assert.deepEqual(await c.complete(at(t5, 5), { offset: t5.length - 4, triggerKind: 2 }, never, () => 5), [{ insertText: ' + 1', start: t5.length - 4, end: t5.length - 4 }]);
    assert.deepEqual([seen[4]?.stop, seen[4]?.stopAfterContent], [['\n'], undefined]);
    // On an empty line (a block's place, mode 'multi'): not this mode.
    const t6 = `${t4}\n    `;
    await c.complete(at(t6, 6), { offset: t6.length, triggerKind: 2 }, never, () => 6);
    assert.deepEqual([seen[5]?.stop, seen[5]?.stopAfterContent], [['\n\n\n', '\n```'], undefined]);
  });

  it('with a remote backend too: the request asks for the line break and the next line', async () => {
    const seen: CompletionRequest[] = [];
    const local = scripted(['\n    c = 3'], seen);
    const c = new Completer(async () => ({ ...local, info: { ...local.info, remote: true } }), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const t = 'def f():\n    a = 1\n    b = 2';
    assert.deepEqual(await c.complete(at(t, 1), { offset: t.length, triggerKind: 2 }, never, () => 1), [{ insertText: '\n    c = 3', start: t.length, end: t.length }]);
    assert.deepEqual([seen[0]?.stop, seen[0]?.stopAfterContent], [['\n\n\n', '\n```'], true]);
  });

  it('not with multiline "never", nor with an item of the suggestion list selected', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => scripted([' = 2', '\n    c = 3'], seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, multiline: 'never', draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const t1 = 'def f():\n    a = 1\n    b';
    await c.complete(at(t1, 1), { offset: t1.length, triggerKind: 2 }, never, () => 1);
    const t2 = `${t1} = 2`;
    assert.deepEqual(await c.complete(at(t2, 2), { offset: t2.length, triggerKind: 2 }, never, () => 2), []);
    assert.equal(seen[1]?.stopAfterContent, undefined);
    // The suggestion list open at the item's end (`2` selected, completing as if it were accepted).
    const d = new Completer(async () => scripted([' = 2', '\n    c = 3'], seen), hooks());
    await d.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    seen.length = 0;
    await d.complete(at(t1, 1), { offset: t1.length, triggerKind: 2 }, never, () => 1);
    await d.complete(at(t2, 2), { offset: t2.length, triggerKind: 2, selected: { start: t2.length - 1, end: t2.length, text: '2' } }, never, () => 2);
    assert.equal(seen[1]?.stopAfterContent, undefined);
  });
});

describe('Completer: a Markdown fence the model writes in code', () => {
  const scripted = (text: string, seen: CompletionRequest[]): EngineLike => {
    const e = fakeEngine({}, seen);
    return { ...e, async complete(req, opts) { const r = await e.complete(req, opts); return { ...r, text }; } };
  };
  // The end-to-end test's scale.py at column 0: the instruct model closes its "answer" and explains it.
  const chat = '    return result\n```\n\nThis function takes a list of values and a factor as input.';
  const scale = 'def scale(values, factor):\n    result = [v * factor for v in values]\n';

  it('ends the ghost text before the fence, and generation stops at one, in a code file without fences', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => scripted(chat, seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    const items = await c.complete({ uri: 'file:///w/scale.py', languageId: 'python', version: 1, text: scale }, { offset: scale.length, triggerKind: 1 }, never, () => 1);
    assert.deepEqual(items.map((i) => i.insertText), ['    return result']);
    assert.deepEqual(seen[0]?.stop, ['\n\n\n', '\n```']);
  });

  it('keeps them in Markdown and where the document has a fence line of its own', async () => {
    for (const [languageId, text] of [['markdown', scale], ['python', `"""Usage:\n\n\`\`\`\nscale([1], 2)\n\`\`\`\n"""\n${scale}`]] as const) {
      const seen: CompletionRequest[] = [];
      const c = new Completer(async () => scripted(chat, seen), hooks());
      // Markdown is off by default (prism.languages): on here.
      await c.applySettings({ ...DEFAULT_SETTINGS, languages: { ...DEFAULT_SETTINGS.languages, markdown: true }, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
      const items = await c.complete({ uri: `file:///w/a.${languageId}`, languageId, version: 1, text }, { offset: text.length, triggerKind: 2 }, never, () => 1);
      assert.equal(items[0]?.insertText.split('\n')[1], '```', languageId);
      assert.deepEqual(seen[0]?.stop, ['\n\n\n'], languageId);
    }
  });
});

describe('Completer: Enter after a statement, the line\'s indentation the model\'s', () => {
  const scripted = (texts: string[], seen: CompletionRequest[]): EngineLike => {
    const e = fakeEngine({}, seen);
    return { ...e, async complete(req, opts) { const r = await e.complete(req, opts); return { ...r, text: texts[seen.length - 1] ?? '' }; } };
  };
  const at = (text: string) => ({ uri: 'file:///w/a.py', languageId: 'python', version: 1, text });
  const t = 'def f():\n    a = 1\n    ';
  /** The document as the server sees it: `text` with its last line break and indentation just typed (Enter). */
  const entered = (c: Completer, text: string): void => {
    const cut = text.lastIndexOf('\n');
    c.documentChanged({ uri: 'file:///w/a.py', languageId: 'python' }, () => text.slice(0, cut));
    c.documentChanged({ uri: 'file:///w/a.py', languageId: 'python' }, () => text);
  };

  it('asks from the line\'s start; a dedent replaces the editor\'s indentation, a line as deep goes in at the cursor', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => scripted(['return a\n\ndef g():', '    b = 2\n', '\n\n    c = 3'], seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    entered(c, t);
    assert.deepEqual(await c.complete(at(t), { offset: t.length, triggerKind: 2 }, never, () => 1), [{ insertText: 'return a\n\ndef g():', start: t.length - 4, end: t.length }], 'the block at the model\'s indentation');
    assert.ok(seen[0]?.prompt.endsWith('a = 1\n'), `the prompt ends at the line's start: ${JSON.stringify(seen[0]?.prompt.slice(-12))}`);
    assert.deepEqual(await c.complete(at(t), { offset: t.length, triggerKind: 2 }, never, () => 1), [{ insertText: 'b = 2', start: t.length, end: t.length }]);
    assert.deepEqual(await c.complete(at(t), { offset: t.length, triggerKind: 2 }, never, () => 1), [{ insertText: '\n\n    c = 3', start: t.length - 4, end: t.length }], 'empty lines first: this one left empty');
  });

  it('not where the user typed the indentation or indented otherwise, nor with the hook off', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => scripted(['return a', 'return a', 'return a'], seen), hooks());
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    // The indentation's last space typed (the change before was the line break and three spaces).
    c.documentChanged({ uri: 'file:///w/a.py', languageId: 'python' }, () => t.slice(0, -1));
    c.documentChanged({ uri: 'file:///w/a.py', languageId: 'python' }, () => t);
    assert.deepEqual(await c.complete(at(t), { offset: t.length, triggerKind: 2 }, never, () => 1), [{ insertText: 'return a', start: t.length, end: t.length }]);
    assert.ok(seen[0]?.prompt.endsWith('a = 1\n    '), 'the prompt ends at the cursor');
    seen.length = 0;
    const deeper = `${t}    `;
    entered(c, deeper);
    assert.deepEqual(await c.complete(at(deeper), { offset: deeper.length, triggerKind: 2 }, never, () => 1), [{ insertText: 'return a', start: deeper.length, end: deeper.length }]);
    assert.ok(seen[0]?.prompt.endsWith('a = 1\n        '), 'the prompt ends at the cursor');
    const off = new Completer(async () => scripted(['return a'], seen), { ...hooks(), ownIndent: false });
    await off.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'none' } });
    entered(off, t);
    seen.length = 0;
    assert.deepEqual(await off.complete(at(t), { offset: t.length, triggerKind: 2 }, never, () => 1), [{ insertText: 'return a', start: t.length, end: t.length }]);
    assert.ok(seen[0]?.prompt.endsWith('a = 1\n    '));
  });
});
