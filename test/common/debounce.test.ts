import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveDebounce } from '../../common/debounce';

describe('AdaptiveDebounce', () => {
  it('waits longer for fast, steady typing than for slow typing, within bounds', () => {
    const fast = new AdaptiveDebounce({ minMs: 25, maxMs: 350 });
    const slow = new AdaptiveDebounce({ minMs: 25, maxMs: 350 });
    for (let i = 0; i < 30; i++) { fast.keystroke(i * 60); slow.keystroke(i * 400); }
    // Fast typist: about 0.75 x 60 ms + a share of latency; slow typist: capped.
    assert.ok(fast.delay() < slow.delay(), `${fast.delay()} vs ${slow.delay()}`);
    assert.ok(fast.delay() >= 25 && slow.delay() <= 350);
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
  it('asks at the shortest wait right after a line break (Enter), unless told to keep the rhythm or fixed', () => {
    const d = new AdaptiveDebounce({ minMs: 25, maxMs: 350 });
    for (let i = 0; i < 30; i++) d.keystroke(i * 200);
    const rhythm = d.delay();
    assert.ok(rhythm > 100, `a 200 ms rhythm waits ${rhythm} ms`);
    d.keystroke(6000, true);
    assert.equal(d.delay(), 25, 'after Enter');
    d.keystroke(6200);
    assert.equal(d.delay(), rhythm, 'the next character typed: the rhythm again');
    const keep = new AdaptiveDebounce({ minMs: 25, maxMs: 350, newlineMin: false });
    for (let i = 0; i < 30; i++) keep.keystroke(i * 200, i === 29);
    assert.equal(keep.delay(), rhythm);
    const fixed = new AdaptiveDebounce({ minMs: 0, maxMs: 0, fixedMs: 80 });
    fixed.keystroke(0, true);
    assert.equal(fixed.delay(), 80, 'a fixed prism.debounceMs is the user\'s choice');
  });
  it('uses a fixed delay when set', () => {
    const d = new AdaptiveDebounce({ minMs: 0, maxMs: 0, fixedMs: 80 });
    d.keystroke(0); d.keystroke(10);
    assert.equal(d.delay(), 80);
  });
});
