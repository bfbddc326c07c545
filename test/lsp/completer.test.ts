// The Completer with an injected engine: "auto" drafting picks the drafter and depth with the best
// measured tokens/s (plain decoding included), a failing draft head falls back to n-gram, and a
// reply for an outdated document version is dropped.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as path from 'node:path';
import type { CompletionRequest, CompletionResult } from '../../server/engine/engine';
import { Completer, type EngineLike } from '../../server/lsp/completer';
import type { StatusParams } from '../../common/protocol';
import type { WorkerLoadOptions } from '../../server/engine/protocol';
import { DEFAULT_SETTINGS } from '../../common/settings';

/** An engine whose speed per drafter is given: each drafter accepts with these shares P(>= j). */
/** An array with `value` at index rows - 1 (SpecStats.rowsRuns / rowsMs of runs of one block size). */
const rowsAt = (rows: number, value: number): number[] => Object.assign(new Array<number>(rows).fill(0), { [rows - 1]: value });

function fakeEngine(shares: Record<string, number[]>, seen: CompletionRequest[], failHead = false): EngineLike {
  return {
    info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
    async complete(req) {
      seen.push(req);
      if (failHead && req.draft?.head) throw new Error('draft head x.gguf was trained for another model');
      const depth = req.draft?.tree?.depth ?? 0;
      const name = req.draft?.drafter === 'head' ? 'prism' : req.draft?.drafter === 'hybrid' ? 'hybrid' : 'ngram';
      const runs = 20;
      const s = (shares[name] ?? []).slice(0, depth);
      const timings = { promptTokens: 100, reusedTokens: 90, prefillTokens: 10, prefillMs: 5, decodeTokens: 20, decodeMs: 20 * 15, decodeTokensPerS: 66, totalMs: 305 };
      const r: CompletionResult = { text: 'x = 1', tokens: [1], finishReason: 'stop', timings };
      if (!req.draft) return r;
      return { ...r, spec: { drafter: name, targetRuns: runs, drafted: runs * depth, accepted: 0, tau: 1, acceptanceByDepth: s, depthReached: s.map(() => runs), depthAccepted: s.map((p) => Math.round(runs * p)), draftMs: runs * depth * 1, verifyMs: runs * 22, otherMs: 0, rowsRuns: rowsAt(depth + 1, runs), rowsMs: rowsAt(depth + 1, runs * 22) } };
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

  it('auto drafting settles on the drafter with the best measured speed, and explores the others less often as it holds', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({ prism: [0.1, 0.01, 0, 0, 0, 0, 0, 0], ngram: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2] }, seen), hooks());
    await c.applySettings(DEFAULT_SETTINGS);
    for (let i = 0; i < 240; i++) await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const label = (r: CompletionRequest) => r.draft?.drafter ?? 'plain';
    const last = seen.slice(-16);
    const ngram = last.filter((r) => r.draft?.drafter === 'ngram');
    assert.ok(ngram.length >= 14, `n-gram chosen ${ngram.length} of the last 16 times`);
    assert.ok(ngram.every((r) => (r.draft?.tree?.depth ?? 0) >= 3), 'a good drafter drafts deep');
    // Exploration: every 8th request at first, then the gap doubles per round of the others up
    // to 8 x 8 requests while n-gram keeps the lead; it never stops.
    const others = (from: number, to: number) => seen.slice(from, to).filter((r) => label(r) !== 'ngram').length;
    assert.ok(others(0, 40) >= 4, `explored ${others(0, 40)} times in the first 40 requests`);
    assert.ok(others(112, 240) >= 2 && others(112, 240) <= 3, `explored ${others(112, 240)} times in requests 113-240`);
    assert.ok(seen.slice(112).some((r) => r.draft?.drafter === 'head'), 'the runner-up is still explored');
  });

  it('auto drafting takes the hybrid where it measures fastest, and explores the others in turn', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({ prism: [0.3, 0.1, 0, 0, 0, 0, 0, 0], ngram: [0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0, 0], hybrid: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2] }, seen), hooks());
    await c.applySettings(DEFAULT_SETTINGS);
    for (let i = 0; i < 48; i++) await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const last = seen.slice(-32);
    const hybrid = last.filter((r) => r.draft?.drafter === 'hybrid');
    assert.ok(hybrid.length >= 26, `hybrid chosen ${hybrid.length} of 32 times`);
    assert.ok(hybrid.every((r) => r.draft?.head === '/h/prism.gguf'), 'the hybrid drafts with the shipped head');
    assert.ok(last.some((r) => r.draft?.drafter === 'head') && last.some((r) => r.draft?.drafter === 'ngram'), 'both others are explored');
  });

  it('auto drafting decodes plainly when no drafter pays', async () => {
    const seen: CompletionRequest[] = [];
    const c = new Completer(async () => fakeEngine({ prism: [0.05, 0, 0, 0, 0, 0, 0, 0], ngram: [0.05, 0, 0, 0, 0, 0, 0, 0], hybrid: [0.05, 0, 0, 0, 0, 0, 0, 0] }, seen), hooks());
    await c.applySettings(DEFAULT_SETTINGS);
    for (let i = 0; i < 40; i++) await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    const plain = seen.slice(-16).filter((r) => !r.draft);
    assert.ok(plain.length >= 12, `plain ${plain.length} of 16`);
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
    // A tree shape asks for the tree-exact attention (trees are bit-exact only with it), still exact.
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, tree: 'dynamic' } });
    await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.deepEqual([loads.at(-1)?.graph, loads.at(-1)?.exact], [{ accuracyLevel: 4, head: 'int8', attention: 'tree-exact' }, true]);
  });

  it('drafts chains where the settings ask for trees but the engine verifies only chains exactly (CUDA), and says so once', async () => {
    const seen: CompletionRequest[] = [];
    const statuses: StatusParams[] = [];
    const c = new Completer(async () => fakeEngine({ ngram: [0.9, 0.8, 0.7, 0.6] }, seen), hooks(statuses));
    await c.applySettings({ ...DEFAULT_SETTINGS, draft: { ...DEFAULT_SETTINGS.draft, mode: 'ngram', depth: 4, tree: 'dynamic' } });
    for (let i = 0; i < 3; i++) await c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    assert.deepEqual(seen.map((r) => r.draft?.tree?.kind), ['chain', 'chain', 'chain']);
    assert.deepEqual(statuses.filter((s) => /trees/.test(s.message ?? '')).map((s) => s.message),
      ['draft trees are not bit-exact on this device; drafting chains (set prism.draft.tree to "chain" to hide this)']);
    // The tree-exact target (the CPU) gets the trees it was asked for, silently.
    const trees: CompletionRequest[] = [];
    const quiet: StatusParams[] = [];
    const e = fakeEngine({ ngram: [0.9, 0.8, 0.7, 0.6] }, trees);
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
    const warming = c.prefill(doc(), 20);
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 1));
    assert.equal(seen[0]?.req.prefillOnly, true);
    assert.equal(seen[0]?.req.prefillTaps, false, 'plain decoding reads no taps');
    assert.equal(seen[0]?.req.heal, true, 'healed like the completion will be, so the cached tokens match');
    const asking = c.complete(doc(), { offset: 20, triggerKind: 2 }, never, () => 1);
    await warming;
    assert.equal(seen[0]?.signal?.aborted, true, 'the completion cancelled the prefill');
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 1));
    assert.equal(seen[1]?.req.prompt, seen[0]?.req.prompt, 'the same prompt: the cache is reused');
    assert.equal(seen[1]?.req.prefillOnly, undefined);
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
    }
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
      assert.equal(seen[0]?.req.prefillTaps, taps, mode);
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
