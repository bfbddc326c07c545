// The client's decision flow (common/inline-flow.ts), with a fake clock and a fake server: the
// same object the extension's middleware and the typing benchmark run.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Cancellation, flowKey, InlineFlow, OWN_TRIGGER_MS } from '../../common/inline-flow';

function setup(enabled = true): { flow: InlineFlow<string>; slept: number[]; clock: { t: number } } {
  const clock = { t: 1000 };
  const slept: number[] = [];
  const flow = new InlineFlow<string>((s) => s, {
    enabled: () => enabled,
    now: () => clock.t,
    sleep: async (ms) => { slept.push(ms); clock.t += ms; },
  });
  return { flow, slept, clock };
}

const live: Cancellation = { isCancellationRequested: false };
const point = (before: string, after = '\n') => ({ uri: 'file:///a.py', before, after });

describe('inline flow', () => {
  it('asks nothing when completions are off or with several cursors', async () => {
    let asked = 0;
    const ask = async (): Promise<string[]> => { asked++; return ['x']; };
    assert.deepEqual(await setup(false).flow.provide({ point: point('a'), automatic: false }, live, ask), { kind: 'off' });
    assert.deepEqual(await setup().flow.provide({ point: point('a'), automatic: false, multiCursor: true }, live, ask), { kind: 'multi-cursor' });
    assert.equal(asked, 0);
  });

  it('an invoked request the extension triggered itself (after an accepted item) asks as typing does; the user\'s own is explicit', async () => {
    const { flow, clock } = setup();
    const seen: boolean[] = [];
    const ask = async (_t: Cancellation, explicit: boolean): Promise<string[]> => { seen.push(explicit); return []; };
    await flow.provide({ point: point('a'), automatic: false }, live, ask);
    flow.triggered();
    clock.t += 40;
    await flow.provide({ point: point('ab'), automatic: false }, live, ask);
    // Only the next invoked request is the extension's; the user's Alt+\ after it is explicit.
    await flow.provide({ point: point('ab'), automatic: false }, live, ask);
    // A typing request between the trigger and VS Code's invoked one is typing's; the invoked one is still the extension's.
    flow.triggered();
    await flow.provide({ point: point('abc'), automatic: true }, live, ask);
    await flow.provide({ point: point('abc'), automatic: false }, live, ask);
    // A trigger VS Code never answered does not make a much later Alt+\ the extension's.
    flow.triggered();
    clock.t += OWN_TRIGGER_MS + 1;
    await flow.provide({ point: point('abcd'), automatic: false }, live, ask);
    assert.deepEqual(seen, [true, false, true, false, false, true]);
  });

  it('a block\'s rest (prism/continuation) is cached at its request\'s point: shown there, and after typing into the first line', async () => {
    const { flow } = setup();
    const key = flowKey('file:///a.py', 7, 1, 4);
    assert.equal(key, 'file:///a.py@7:1:4');
    await flow.provide({ point: point('def f():\n    '), automatic: false, key }, live, async () => ['y = 1']);
    assert.equal(flow.continued(flowKey('file:///a.py', 6, 1, 4), 'y = 1\n    return y'), false, 'a request this flow did not send');
    assert.equal(flow.continued(key, 'y = 1\n    return y'), true);
    const ask = async (): Promise<string[]> => { throw new Error('the cache should have answered'); };
    assert.deepEqual(await flow.provide({ point: point('def f():\n    '), automatic: false }, live, ask), { kind: 'cache', items: ['y = 1\n    return y'], typed: '' });
    assert.deepEqual(await flow.provide({ point: point('def f():\n    y ='), automatic: true }, live, ask), { kind: 'cache', items: [' 1\n    return y'], typed: 'y =' });
  });

  it('a rest for a point whose ghost text was dismissed is kept for typing but not shown unasked', async () => {
    const { flow } = setup();
    const key = flowKey('file:///a.py', 7, 1, 4);
    await flow.provide({ point: point('def f():\n    '), automatic: false, key }, live, async () => ['y = 1']);
    flow.dismissed(flowKey('file:///a.py', 7, 1, 5));
    assert.equal(flow.continued(key, 'y = 1\n    return y'), true, 'dismissed elsewhere');
    flow.dismissed(key);
    assert.equal(flow.continued(key, 'y = 1\n    return y\n'), false);
    const ask = async (): Promise<string[]> => { throw new Error('the cache should have answered'); };
    assert.deepEqual(await flow.provide({ point: point('def f():\n    y'), automatic: true }, live, ask), { kind: 'cache', items: [' = 1\n    return y\n'], typed: 'y' });
  });

  it('the extension\'s own ask that reaches VS Code after the user dismissed the ghost text there brings nothing back; the user\'s own ask does', async () => {
    const { flow, clock } = setup();
    const key = flowKey('file:///a.py', 7, 1, 4);
    await flow.provide({ point: point('def f():\n    '), automatic: true, key }, live, async () => ['y = 1']);
    // The block's whole came, the extension asked VS Code again, then Escape, then VS Code's request.
    assert.equal(flow.continued(key, 'y = 1\n    return y'), true);
    flow.triggered();
    flow.dismissed(key);
    const ask = async (): Promise<string[]> => { throw new Error('the cache answers'); };
    assert.deepEqual(await flow.provide({ point: point('def f():\n    '), automatic: false, key }, live, ask), { kind: 'cancelled' });
    clock.t += OWN_TRIGGER_MS + 1;
    assert.deepEqual(await flow.provide({ point: point('def f():\n    '), automatic: false, key }, live, ask), { kind: 'cache', items: ['y = 1\n    return y'], typed: '' }, 'Alt+\\ shows it');
    flow.triggered();
    assert.equal((await flow.provide({ point: point('def f():\n    '), automatic: false, key: flowKey('file:///a.py', 8, 1, 4) }, live, ask)).kind, 'cache', 'elsewhere the extension\'s ask is answered');
  });

  it('where VS Code\'s latest request was invoked, it would take a second trigger there for answered: invokedAt says so, typing and another place do not', async () => {
    const { flow } = setup();
    const key = flowKey('file:///a.py', 7, 1, 4);
    const ask = async (): Promise<string[]> => ['y = 1'];
    await flow.provide({ point: point('def f():\n    '), automatic: true, key }, live, ask);
    assert.equal(flow.invokedAt(key), false, 'a typing request: VS Code asks again on a trigger');
    // The first line's whole came and the extension asked: VS Code's request there is invoked.
    assert.equal(flow.continued(key, 'y = 1\n    z = 2'), true);
    flow.triggered();
    assert.equal((await flow.provide({ point: point('def f():\n    '), automatic: false, key }, live, ask)).kind, 'cache');
    assert.equal(flow.invokedAt(key), true, 'a second continuation here must hide the ghost text before its trigger');
    assert.equal(flow.invokedAt(flowKey('file:///a.py', 8, 1, 4)), false, 'another version of the document');
    // The user types on: VS Code's latest request is elsewhere.
    await flow.provide({ point: point('def f():\n    y'), automatic: true, key: flowKey('file:///a.py', 8, 1, 5) }, live, ask);
    assert.equal(flow.invokedAt(key), false);
    // After Tab the extension's own prefetch is invoked: its block's rest needs the hide at once.
    const after = flowKey('file:///a.py', 9, 2, 4);
    flow.triggered();
    await flow.provide({ point: point('def f():\n    y = 1\n    '), automatic: false, key: after }, live, ask);
    assert.equal(flow.invokedAt(after), true);
  });

  it('the whole of a reply made with a list item selected answers that request again while the same item is selected', async () => {
    const { flow } = setup();
    const key = flowKey('file:///a.py', 3, 0, 5);
    await flow.provide({ point: point('x = co'), automatic: true, selectedItem: true, selected: 'compute', key }, live, async () => ['compute(a,']);
    assert.equal(flow.continued(key, 'compute(a, b)'), true);
    const ask = async (): Promise<string[]> => ['asked'];
    assert.deepEqual(await flow.provide({ point: point('x = co'), automatic: true, selectedItem: true, selected: 'compute', key }, live, ask), { kind: 'cache', items: ['compute(a, b)'], typed: '' });
    assert.deepEqual((await flow.provide({ point: point('x = co'), automatic: true, selectedItem: true, selected: 'copy', key }, live, ask)).kind, 'server', 'another item selected');
    assert.deepEqual((await flow.provide({ point: point('x = co'), automatic: true, key }, live, ask)).kind, 'server', 'the list closed: the cache (which has nothing here) and the server');
    assert.deepEqual((await flow.provide({ point: point('x = com'), automatic: true, selectedItem: true, selected: 'compute', key: flowKey('file:///a.py', 4, 0, 6) }, live, ask)).kind, 'server', 'typed on');
    // Where the request said the item's typed part, the whole is also read from the cursor: typing on answers from it.
    const typedOn = setup().flow;
    await typedOn.provide({ point: point('x = co'), automatic: true, selectedItem: true, selected: 'compute', selectedTyped: 'co', key }, live, async () => ['compute(a,']);
    assert.equal(typedOn.continued(key, 'compute(a, b)'), true);
    const none = async (): Promise<string[]> => { throw new Error('the cache should have answered'); };
    assert.deepEqual(await typedOn.provide({ point: point('x = comp'), automatic: true }, live, none), { kind: 'cache', items: ['ute(a, b)'], typed: 'mp' });
  });

  it('typing a ghost text\'s own characters with VS Code\'s list open on the word: the cache answers over the item\'s range where the ghost spells the item', async () => {
    const { flow } = setup();
    await flow.provide({ point: point('def f():\n    '), automatic: false }, live, async () => ['return json.dumps(x)']);
    let asked = 0;
    const ask = async (): Promise<string[]> => { asked++; return ['returned']; };
    // 'r' typed, the list selects 'return' (its range is the typed 'r'): the whole, from the item's start.
    assert.deepEqual(await flow.provide({ point: point('def f():\n    r'), automatic: true, selectedItem: true, selected: 'return', selectedTyped: 'r' }, live, ask),
      { kind: 'cache', items: ['return json.dumps(x)'], typed: 'r' });
    assert.deepEqual(await flow.provide({ point: point('def f():\n    retu'), automatic: true, selectedItem: true, selected: 'return', selectedTyped: 'retu' }, live, ask),
      { kind: 'cache', items: ['return json.dumps(x)'], typed: 'retu' });
    assert.equal(asked, 0);
    assert.equal(flow.acceptance.partial, 1, 'one suggestion typed into');
    // An item the ghost does not spell, an item the ghost ends with, a range past the cursor: the server.
    assert.equal((await flow.provide({ point: point('def f():\n    r'), automatic: true, selectedItem: true, selected: 'raise', selectedTyped: 'r' }, live, ask)).kind, 'server');
    assert.equal((await flow.provide({ point: point('def f():\n    r'), automatic: true, selectedItem: true, selected: 'return json.dumps(x)', selectedTyped: 'r' }, live, ask)).kind, 'server');
    assert.equal((await flow.provide({ point: point('def f():\n    r'), automatic: true, selectedItem: true, selected: 'return' }, live, ask)).kind, 'server');
    assert.equal(asked, 3);
    // A reply over the item's range is cached from the cursor: typing on through it, list or not, asks nothing.
    const fresh = setup().flow;
    await fresh.provide({ point: point('x = co'), automatic: true, selectedItem: true, selected: 'compute', selectedTyped: 'co' }, live, async () => ['compute(a, b)']);
    // VS Code's list matches loosely: 'cp' selects 'compute', whose whole does not start with what is typed.
    await fresh.provide({ point: point('y = cp'), automatic: true, selectedItem: true, selected: 'compute', selectedTyped: 'cp' }, live, async () => ['compute(c)']);
    const none = async (): Promise<string[]> => { throw new Error('the cache should have answered'); };
    assert.deepEqual(await fresh.provide({ point: point('x = com'), automatic: true, selectedItem: true, selected: 'compute', selectedTyped: 'com' }, live, none),
      { kind: 'cache', items: ['compute(a, b)'], typed: 'm' });
    assert.deepEqual(await fresh.provide({ point: point('x = compute('), automatic: true }, live, none), { kind: 'cache', items: ['a, b)'], typed: 'mpute(' });
    assert.equal((await fresh.provide({ point: point('y = cpu'), automatic: true }, live, async () => ['(d)'])).kind, 'server', 'a whole that does not start with the typed part is not cached');
  });

  it('a reply that replaces the closers after the cursor still does from the cache: typed through, with a list item, continued, after undo', async () => {
    type Item = { t: string; n: number };
    const make = () => new InlineFlow<Item>((i) => i.t, { rangeOf: (i) => i.n, sleep: async () => undefined });
    const at = (before: string) => ({ uri: 'file:///a.ts', before, after: ')\n}\n' });
    const none = async (): Promise<Item[]> => { throw new Error('the cache should have answered'); };
    // `_run(|)`: the server's item replaces the `)` (a range of one character).
    const flow = make();
    assert.equal((await flow.provide({ point: at('_run('), automatic: false }, live, async () => [{ t: 'item);', n: 1 }])).kind, 'server');
    assert.deepEqual(await flow.provide({ point: at('_run(it'), automatic: true }, live, none), { kind: 'cache', items: ['em);'], typed: 'it', replace: [1] });
    assert.deepEqual(await flow.provide({ point: at('_run(it'), automatic: true, selectedItem: true, selected: 'item', selectedTyped: 'it' }, live, none),
      { kind: 'cache', items: ['item);'], typed: 'it', replace: [1] });
    // A reply made with `item` selected over `it`: its range is the item's two characters and the closer.
    const listed = make();
    await listed.provide({ point: at('_run(it'), automatic: false, selectedItem: true, selected: 'item', selectedTyped: 'it' }, live, async () => [{ t: 'item);', n: 3 }]);
    assert.deepEqual(await listed.provide({ point: at('_run(ite'), automatic: true }, live, none), { kind: 'cache', items: ['m);'], typed: 'e', replace: [1] });
    // A block's whole (prism/continuation) that replaces it; then Tab, and undo.
    const key = flowKey('file:///a.ts', 1, 0, 5);
    const cont = make();
    await cont.provide({ point: at('_run('), automatic: false, key }, live, async () => [{ t: 'it', n: 0 }]);
    assert.equal(cont.continued(key, 'item);', 1), true);
    assert.deepEqual(await cont.provide({ point: at('_run('), automatic: true }, live, none), { kind: 'cache', items: ['item);'], typed: '', replace: [1] });
    cont.accepted('file:///a.ts');
    assert.deepEqual(await cont.provide({ point: at('_run('), automatic: true }, live, none), { kind: 'cache', items: ['item);'], typed: '', replace: [1] });
  });

  it('a reply that replaces the line\'s indentation (the model\'s own after Enter): cached with it, and Enter after Tab reindented', async () => {
    type Item = { t: string; start?: number; n: number };
    const flow = new InlineFlow<Item>((i) => i.t, { rangeOf: (i) => i.n, startOf: (i) => i.start, sleep: async () => undefined });
    const none = async (): Promise<Item[]> => { throw new Error('the cache should have answered'); };
    const at = (before: string) => ({ uri: 'file:///a.ts', before, after: '\n' });
    // `  f();` Enter: the editor's two spaces; the server's `}` replaces them (range from column 0).
    flow.keystroke('newline');
    assert.equal((await flow.provide({ point: at('{\n  f();\n  '), automatic: true }, live, async () => [{ t: '}', start: 0, n: 2 }])).kind, 'server');
    assert.deepEqual(await flow.provide({ point: at('{\n  f();\n  '), automatic: true }, live, none), { kind: 'cache', items: ['}'], typed: '', before: [2] });
    // After Tab at `g();`: the next line first; Enter (a line break with the editor's indentation) finds it reindented.
    const key = flowKey('file:///a.ts', 2, 1, 6);
    flow.keystroke();
    await flow.provide({ point: at('{\n  g();'), automatic: false, key }, live, async () => [{ t: '\n}', n: 0 }]);
    flow.continued(key, '\n}\n\nfunction h() {');
    flow.keystroke();
    assert.equal((await flow.provide({ point: at('{\n  g();\n  '), automatic: true }, live, async () => [])).kind, 'server', 'not after a line break');
    flow.keystroke('newline');
    assert.deepEqual(await flow.provide({ point: at('{\n  g();\n  '), automatic: true }, live, none), { kind: 'cache', items: ['}\n\nfunction h() {'], typed: '\n', before: [2] });
  });

  it('answers typing through a suggestion from the cache, counting it as partly typed once', async () => {
    const { flow, clock } = setup();
    const r = await flow.provide({ point: point('x = '), automatic: false }, live, async () => { clock.t += 120; return ['foo(1)', '']; });
    assert.deepEqual(r, { kind: 'server', items: ['foo(1)', ''], latencyMs: 120, waitedMs: 120 });
    assert.equal(flow.acceptance.shown, 1);
    const ask = async (): Promise<string[]> => { throw new Error('the cache should have answered'); };
    assert.deepEqual(await flow.provide({ point: point('x = f'), automatic: true }, live, ask), { kind: 'cache', items: ['oo(1)'], typed: 'f' });
    assert.deepEqual(await flow.provide({ point: point('x = fo'), automatic: true }, live, ask), { kind: 'cache', items: ['o(1)'], typed: 'fo' });
    assert.equal(flow.acceptance.partial, 1);
    flow.accepted('file:///a.py');
    assert.equal(flow.acceptance.accepted, 1);
    let asked = 0;
    await flow.provide({ point: point('x = f'), automatic: false }, live, async () => { asked++; return []; });
    assert.equal(asked, 1, 'an accepted suggestion leaves nothing cached for the document to type through');
    await flow.provide({ point: point('x = foo(1)'), automatic: true }, live, async () => { asked++; return []; });
    assert.equal(asked, 2, 'not even past the accepted text');
    // Undo brings the document back to where it was last shown: the cache answers there.
    assert.deepEqual(await flow.provide({ point: point('x = fo'), automatic: true }, live, ask), { kind: 'cache', items: ['o(1)'], typed: '' });
  });

  it('waits the debounce on automatic triggers only, and a newer keystroke cancels the wait', async () => {
    const { flow, slept } = setup();
    flow.setDebounce(80);
    await flow.provide({ point: point('a'), automatic: false }, live, async () => ['b']);
    assert.deepEqual(slept, []);
    const token = { isCancellationRequested: false };
    let asked = 0;
    const pending = flow.provide({ point: point('ab'), automatic: true }, token, async () => { asked++; return ['c']; });
    token.isCancellationRequested = true; // the next keystroke arrives during the wait
    assert.deepEqual(await pending, { kind: 'cancelled' });
    assert.deepEqual(slept, [80]);
    assert.equal(asked, 0);
  });

  it('asks at the shortest wait after Enter, at the typing rhythm\'s after other keys', async () => {
    const { flow, slept, clock } = setup();
    flow.setDebounce('auto');
    for (let i = 0; i < 20; i++) { clock.t += 200; flow.keystroke(); }
    await flow.provide({ point: point('x = 1'), automatic: true }, live, async () => ['']);
    clock.t += 200;
    flow.keystroke('newline');
    const afterEnter = await flow.provide({ point: point('x = 1\n'), automatic: true }, live, async () => { clock.t += 90; return ['y = 2']; });
    assert.deepEqual(afterEnter, { kind: 'server', items: ['y = 2'], latencyMs: 90, waitedMs: 115 }, 'what the user waited: the 25 ms wait and the server');
    assert.equal(slept.length, 2);
    assert.ok((slept[0] as number) > 100 && slept[1] === 25, `waits ${slept.join(', ')} ms`);
    const rhythm = setup();
    rhythm.flow.setDebounce('auto', false);
    for (let i = 0; i < 20; i++) { rhythm.clock.t += 200; rhythm.flow.keystroke(i === 19 ? 'newline' : undefined); }
    await rhythm.flow.provide({ point: point('x = 1\n'), automatic: true }, live, async () => ['y = 2']);
    assert.equal(rhythm.slept[0], slept[0], 'newlineMin off: the rhythm\'s wait after Enter too');
  });

  it('drops a reply that arrives after cancellation and rethrows real errors', async () => {
    const { flow } = setup();
    const token = { isCancellationRequested: false };
    const r = await flow.provide({ point: point('a'), automatic: false }, token, async () => { token.isCancellationRequested = true; return ['late']; });
    assert.deepEqual(r, { kind: 'cancelled' });
    const r2 = await flow.provide({ point: point('a'), automatic: false }, token, async () => { throw new Error('request cancelled'); });
    assert.deepEqual(r2, { kind: 'cancelled' });
    await assert.rejects(flow.provide({ point: point('a'), automatic: false }, live, async () => { throw new Error('server crashed'); }), /server crashed/);
    assert.equal(flow.acceptance.shown, 0);
  });

  it('treats a null reply as nothing to show and caches nothing with a selected list item', async () => {
    const { flow } = setup();
    assert.deepEqual(await flow.provide({ point: point('a'), automatic: false }, live, async () => null), { kind: 'server', items: [], latencyMs: 0, waitedMs: 0 });
    await flow.provide({ point: point('q'), automatic: false, selectedItem: true }, live, async () => ['uit()']);
    let asked = 0;
    await flow.provide({ point: point('qu'), automatic: false }, live, async () => { asked++; return []; });
    assert.equal(asked, 1, 'a reply to a request with a selected item is not cached');
  });
});
