import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docPoint, SuggestionCache } from '../../common/cache';

describe('SuggestionCache', () => {
  it('shows the rest of a suggestion while the user types through it', () => {
    const c = new SuggestionCache();
    c.put({ uri: 'a', before: 'x = ', after: '\ny = 2' }, ['foo(bar)', 'fob']);
    assert.deepEqual(c.get({ uri: 'a', before: 'x = ', after: '\ny = 2' }), { items: ['foo(bar)', 'fob'], typed: '' });
    assert.deepEqual(c.get({ uri: 'a', before: 'x = fo', after: '\ny = 2' }), { items: ['o(bar)', 'b'], typed: 'fo' });
    assert.deepEqual(c.get({ uri: 'a', before: 'x = foo(', after: '\ny = 2' }), { items: ['bar)'], typed: 'foo(' });
  });
  it('in a document with CRLF line ends, Enter typed through a suggestion still matches its line break', () => {
    const c = new SuggestionCache();
    // The server's block (LF line ends) at the end of `def f(x):`.
    c.put(docPoint('a', 'def f(x):', '\r\ny = 2\r\n'), ['\n    return x\n    pass']);
    assert.deepEqual(c.get(docPoint('a', 'def f(x):\r\n    ', '\r\ny = 2\r\n')), { items: ['return x\n    pass'], typed: '\n    ' });
    assert.deepEqual(docPoint('a', 'a\rb\r\nc', 'd'), { uri: 'a', before: 'a\nb\nc', after: 'd' }, 'a lone CR ends a line too');
  });
  it('an item that replaces the line\'s indentation answers at its own point only', () => {
    const c = new SuggestionCache();
    const p = { uri: 'a', before: '  f();\n  ', after: '\n}\n' };
    c.put(p, ['}', '  g();'], false, [], [2, 0]);
    assert.deepEqual(c.get(p), { items: ['}', '  g();'], typed: '', before: [2, 0] });
    assert.deepEqual(c.get({ ...p, before: `${p.before} ` }), { items: [' g();'], typed: ' ' }, 'typed through: the one that goes in at the cursor');
  });
  it('Enter typed through a suggestion whose next line the editor indents otherwise: reindented after a line break only', () => {
    const c = new SuggestionCache();
    // After Tab at `f();`: the next line, a `}` the model dedents, and what follows it.
    c.put({ uri: 'a', before: 'function g() {\n  f();', after: '\n' }, ['\n}\n\nfunction h() {']);
    const enter = { uri: 'a', before: 'function g() {\n  f();\n  ', after: '\n' };
    assert.equal(c.get(enter), undefined, 'not a prefix of it');
    assert.deepEqual(c.get(enter, true), { items: ['}\n\nfunction h() {'], typed: '\n', before: [2] });
    assert.equal(c.get({ ...enter, before: 'function g() {\n  f();\n  x' }, true), undefined, 'text typed on the line');
    assert.equal(c.get({ ...enter, after: '\n}\n' }, true), undefined, 'the text after the cursor changed');
    // Where the editor's indentation is the model's, the plain match answers as before.
    c.put({ uri: 'a', before: 'x = 1', after: '' }, ['\ny = 2']);
    assert.deepEqual(c.get({ uri: 'a', before: 'x = 1\n', after: '' }, true), { items: ['y = 2'], typed: '\n' });
  });
  it('misses when the text diverges, the suffix changes, another file, or nothing is left', () => {
    const c = new SuggestionCache();
    c.put({ uri: 'a', before: 'x = ', after: '\n' }, ['foo']);
    assert.equal(c.get({ uri: 'a', before: 'x = g', after: '\n' }), undefined);
    assert.equal(c.get({ uri: 'a', before: 'x = f', after: ')\n' }), undefined);
    assert.equal(c.get({ uri: 'b', before: 'x = f', after: '\n' }), undefined);
    assert.equal(c.get({ uri: 'a', before: 'x = foo', after: '\n' }), undefined);
    assert.equal(c.get({ uri: 'a', before: 'y = f', after: '\n' }), undefined, 'an edit before the cursor');
  });
  it('an exact entry answers at its own point only, not typed through', () => {
    const c = new SuggestionCache();
    c.put({ uri: 'a', before: 'x = ', after: '\n' }, ['foo(1)'], true);
    assert.deepEqual(c.get({ uri: 'a', before: 'x = ', after: '\n' }), { items: ['foo(1)'], typed: '' });
    assert.equal(c.get({ uri: 'a', before: 'x = f', after: '\n' }), undefined);
    c.put({ uri: 'a', before: 'x = ', after: '\n' }, ['foo(2)']);
    assert.deepEqual(c.get({ uri: 'a', before: 'x = f', after: '\n' }), { items: ['oo(2)'], typed: 'f' }, 'a new entry at the point replaces it');
  });
  it('typing an opener VS Code closes keeps the rest, which then replaces the closer; typing over the closer keeps it too', () => {
    const c = new SuggestionCache();
    c.put({ uri: 'a', before: 'x = ', after: '\ny = 2' }, ['print("hi", f(x))']);
    // `print(` typed: VS Code put `)` after the cursor.
    assert.deepEqual(c.get({ uri: 'a', before: 'x = print(', after: ')\ny = 2' }), { items: ['"hi", f(x))'], typed: 'print(', replace: [1] });
    // `"` typed before that `)`: VS Code closed the quote too.
    assert.deepEqual(c.get({ uri: 'a', before: 'x = print("', after: '")\ny = 2' }), { items: ['hi", f(x))'], typed: 'print("', replace: [2] });
    // `hi"` typed, the `"` stepping over the closed one.
    assert.deepEqual(c.get({ uri: 'a', before: 'x = print("hi"', after: ')\ny = 2' }), { items: [', f(x))'], typed: 'print("hi"', replace: [1] });
    // An entry made inside (its item replaces the `)`): `)` typed over it.
    c.put({ uri: 'a', before: 'z = g(', after: ')\n' }, ['1);'], false, [1]);
    assert.deepEqual(c.get({ uri: 'a', before: 'z = g(1', after: ')\n' }), { items: [');'], typed: '1', replace: [1] });
    assert.deepEqual(c.get({ uri: 'a', before: 'z = g(1)', after: '\n' }), { items: [';'], typed: '1)' });
    // Not closers the rest writes, not closers, or more removed than the item replaces: no answer.
    assert.equal(c.get({ uri: 'a', before: 'x = print("hi"', after: ']\ny = 2' }), undefined);
    assert.equal(c.get({ uri: 'a', before: 'x = print(', after: 'a)\ny = 2' }), undefined);
    assert.equal(c.get({ uri: 'a', before: 'z = g(1)', after: '' }), undefined);
    c.put({ uri: 'a', before: 'w = h(', after: ')\n' }, ['2'], false, [0]);
    assert.equal(c.get({ uri: 'a', before: 'w = h(', after: '\n' }), undefined, 'a closer the item does not replace was deleted');
  });
  it('forgets old entries beyond its capacity, and per document', () => {
    const c = new SuggestionCache(2);
    c.put({ uri: 'a', before: '1', after: '' }, ['x']);
    c.put({ uri: 'a', before: '2', after: '' }, ['y']);
    c.put({ uri: 'b', before: '3', after: '' }, ['z']);
    assert.equal(c.get({ uri: 'a', before: '1', after: '' }), undefined);
    assert.ok(c.get({ uri: 'a', before: '2', after: '' }));
    c.clear('a');
    assert.equal(c.get({ uri: 'a', before: '2', after: '' }), undefined);
    assert.ok(c.get({ uri: 'b', before: '3', after: '' }));
  });
});
