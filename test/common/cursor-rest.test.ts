// When the extension warms the prompt at the cursor: on activation at once; after a move, once the
// cursor has rested; never for a cursor that keeps moving, nor after typing (the request does it),
// nor twice for the same place.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLICK_REST_MS, CursorRest, type CursorAt, type Timers } from '../../common/cursor-rest';

/** Manual clock: timers fire when the test advances time. */
function clock(): Timers & { advance(ms: number): void } {
  let now = 1000;
  const due = new Map<number, { at: number; f: () => void }>();
  let next = 1;
  return {
    set(f, ms) { const id = next++; due.set(id, { at: now + ms, f }); return id; },
    clear(h) { due.delete(h as number); },
    now: () => now,
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due.entries()].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) { due.delete(id); t.f(); }
      }
    },
  };
}

const at = (line: number, character = 0, uri = 'file:///w/a.ts'): CursorAt => ({ uri, line, character });

describe('CursorRest', () => {
  it('warms an activated editor at once, and a moved cursor after it rests', () => {
    const warmed: CursorAt[] = [];
    const t = clock();
    const reasons: string[] = [];
    const r = new CursorRest((a, why) => { warmed.push(a); reasons.push(why); }, 400, t);
    r.activated(at(0));
    assert.deepEqual(warmed, [at(0)]);
    r.moved(at(219, 2));
    t.advance(399);
    assert.equal(warmed.length, 1, 'not before the cursor has rested');
    t.advance(1);
    assert.deepEqual(warmed, [at(0), at(219, 2)]);
    assert.deepEqual(reasons, ['active', 'rest']);
  });

  it('warms a click after a shorter rest; a second click in it replaces the first', () => {
    const warmed: CursorAt[] = [];
    const t = clock();
    const r = new CursorRest((a) => warmed.push(a), 400, t);
    assert.ok(CLICK_REST_MS < 400);
    r.moved(at(3), 'mouse');
    t.advance(CLICK_REST_MS - 1);
    r.moved(at(40, 12), 'mouse');
    t.advance(CLICK_REST_MS - 1);
    assert.deepEqual(warmed, []);
    t.advance(1);
    assert.deepEqual(warmed, [at(40, 12)]);
    // Arrows after it keep the longer rest.
    r.moved(at(41, 12));
    t.advance(CLICK_REST_MS);
    assert.deepEqual(warmed, [at(40, 12)]);
    t.advance(400 - CLICK_REST_MS);
    assert.deepEqual(warmed, [at(40, 12), at(41, 12)]);
  });

  it('warms after the shorter rest where keys jump to the first or last line, and after a command', () => {
    const warmed: CursorAt[] = [];
    const t = clock();
    const r = new CursorRest((a) => warmed.push(a), 400, t);
    r.activated(at(0));
    r.moved(at(219, 4), 'keyboard', 220); // Ctrl+End in a 220-line file
    t.advance(CLICK_REST_MS);
    assert.deepEqual(warmed, [at(0), at(219, 4)]);
    r.moved(at(0), 'keyboard', 220); // Ctrl+Home
    t.advance(CLICK_REST_MS);
    assert.deepEqual(warmed, [at(0), at(219, 4), at(0)]);
    r.moved(at(57, 8), 'command', 220); // go to line, go to definition
    t.advance(CLICK_REST_MS);
    assert.deepEqual(warmed.at(-1), at(57, 8));
    // An arrow onto the last line from the one above it is a step: the longer rest.
    r.moved(at(218), 'keyboard', 220);
    t.advance(400);
    r.moved(at(219), 'keyboard', 220);
    t.advance(CLICK_REST_MS);
    assert.deepEqual(warmed.at(-1), at(218));
    t.advance(400 - CLICK_REST_MS);
    assert.deepEqual(warmed.at(-1), at(219));
    // Keys that land elsewhere (Page Down) keep the longer rest.
    r.moved(at(150), 'keyboard', 220);
    t.advance(CLICK_REST_MS);
    assert.deepEqual(warmed.at(-1), at(219));
    t.advance(400 - CLICK_REST_MS);
    assert.deepEqual(warmed.at(-1), at(150));
  });

  it('skips a cursor that keeps moving, and warms only where it stops', () => {
    const warmed: CursorAt[] = [];
    const t = clock();
    const r = new CursorRest((a) => warmed.push(a), 400, t);
    for (let line = 10; line < 20; line++) { r.moved(at(line)); t.advance(100); }
    t.advance(400);
    assert.deepEqual(warmed, [at(19)]);
  });

  it('typing cancels a pending warm-up and is not a rest; the same place is not warmed twice in a row', () => {
    const warmed: CursorAt[] = [];
    const t = clock();
    const r = new CursorRest((a) => warmed.push(a), 400, t);
    r.moved(at(5));
    t.advance(200);
    r.typed();
    t.advance(1000);
    assert.deepEqual(warmed, []);
    r.moved(at(7));
    t.advance(400);
    r.moved(at(7));
    t.advance(400);
    assert.deepEqual(warmed, [at(7)]);
    // The cursor move that typing makes (VS Code reports it as a Keyboard move) is not a rest.
    r.typed();
    r.moved(at(7, 1));
    t.advance(1000);
    assert.deepEqual(warmed, [at(7)]);
    // A move by hand after typing is, even to a place warmed before (the document changed).
    r.moved(at(7));
    t.advance(400);
    assert.deepEqual(warmed, [at(7), at(7)]);
  });
});
