import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveDebounce, stopKey } from '../../common/debounce';

describe('AdaptiveDebounce', () => {
  it('waits for a fast typist\'s rhythm, and asks at once where a reply lands before the next key', () => {
    const fast = new AdaptiveDebounce({ minMs: 25, maxMs: 350 });
    const slow = new AdaptiveDebounce({ minMs: 25, maxMs: 350 });
    for (let i = 0; i < 30; i++) { fast.keystroke(i * 60); slow.keystroke(i * 400); }
    // Fast typist: about 0.75 x 60 ms + a share of the latency (150 ms), so a keystroke cancels it first.
    assert.equal(fast.delay(), 60);
    // Slow typist: a 150 ms reply lands well before the next key 400 ms on: at once.
    assert.equal(slow.delay(), 25);
    // Unless the replies take longer than that: then the rhythm's wait, capped.
    for (let i = 0; i < 10; i++) slow.latency(600);
    assert.equal(slow.delay(), 350);
  });
  it('ignores long pauses as rhythm, and waits more on a slow machine', () => {
    const d = new AdaptiveDebounce({ minMs: 0, maxMs: 1000 });
    for (let i = 0; i < 30; i++) d.keystroke(i * 100);
    const before = d.delay();
    d.keystroke(100_000); // a pause
    assert.equal(d.delay(), before);
    for (let i = 0; i < 10; i++) d.latency(2000);
    assert.ok(d.delay() > before);
  });
  for (const [stop, what, rule, ms, least] of [['newline', 'Enter', 'newlineMin', 200, 100], ['member', 'self.', 'memberMin', 120, 80]] as const) {
    it(`asks at the shortest wait right after ${stop === 'newline' ? 'a line break (Enter)' : 'a member access'}, unless told to keep the rhythm`, () => {
      const d = new AdaptiveDebounce({ minMs: 25, maxMs: 350 });
      for (let i = 0; i < 30; i++) d.keystroke(i * ms);
      const rhythm = d.delay();
      assert.ok(rhythm > least, `a ${ms} ms rhythm waits ${rhythm} ms`);
      d.keystroke(30 * ms, stop);
      assert.equal(d.delay(), 25, `after ${what}`);
      d.keystroke(31 * ms);
      assert.equal(d.delay(), rhythm, 'the next character typed: the rhythm again');
      const keep = new AdaptiveDebounce({ minMs: 25, maxMs: 350, [rule]: false });
      for (let i = 0; i < 30; i++) keep.keystroke(i * ms, i === 29 ? stop : undefined);
      assert.equal(keep.delay(), rhythm);
      const other = new AdaptiveDebounce({ minMs: 25, maxMs: 350, [rule === 'newlineMin' ? 'memberMin' : 'newlineMin']: false });
      for (let i = 0; i < 30; i++) other.keystroke(i * ms, i === 29 ? stop : undefined);
      assert.equal(other.delay(), 25, 'the two rules are apart');
      const fixed = new AdaptiveDebounce({ minMs: 0, maxMs: 0, fixedMs: 80 });
      fixed.keystroke(0, stop);
      assert.equal(fixed.delay(), 80, 'a fixed prism.debounceMs is the user\'s choice');
    });
  }
  it('tells member accesses and line breaks from other keys', () => {
    const cases: [string, string, ReturnType<typeof stopKey>][] = [
      ['        self', '.', 'member'], ['foo()', '.', 'member'], ['xs[0]', '.', 'member'], ['a?', '.', 'member'],
      ['node', '>', undefined], ['node-', '>', 'member'], ['std:', ':', 'member'], ['if x', ':', undefined],
      ['x = 1', '.', undefined], ['..', '.', undefined], ['x = ', '.', undefined], ['a - ', '>', undefined],
      ['', '.', undefined], ['f(x)', '\n', 'newline'], ['', '\n    ', 'newline'], ['self', 'x', undefined], ['self', '.x', undefined],
    ];
    for (const [before, inserted, want] of cases) assert.equal(stopKey(before, inserted), want, `${JSON.stringify(before)} + ${JSON.stringify(inserted)}`);
  });
  it('uses a fixed delay when set', () => {
    const d = new AdaptiveDebounce({ minMs: 0, maxMs: 0, fixedMs: 80 });
    d.keystroke(0); d.keystroke(10);
    assert.equal(d.delay(), 80);
  });
});
