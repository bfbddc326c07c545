// The quality benchmark's scoring and positions: edit similarity against hand-computed values,
// and cursor positions cut where users trigger (after the indentation, a few characters in,
// mid-line) with the rest of the real line removed and the later lines kept.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editSimilarity, qualityCases } from '../../server/bench/quality';

describe('quality benchmark', () => {
  it('scores edit similarity as 1 - Levenshtein / longer length', () => {
    assert.equal(editSimilarity('return x', 'return x'), 1);
    assert.equal(editSimilarity('', ''), 1);
    assert.equal(editSimilarity('abc', ''), 0);
    assert.equal(editSimilarity('kitten', 'sitting'), 1 - 3 / 7);
    assert.equal(editSimilarity('self.a', 'self.b'), 1 - 1 / 6);
  });

  it('removes the rest of a real line at each kind of position and keeps the following lines', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `    value_${i} = compute(${i}, other_${i})`);
    const content = `def f():\n${lines.join('\n')}\n`;
    const cases = qualityCases({ repo: 'r', path: 'a/b.py', lang: 'py', content }, 2);
    assert.deepEqual([...new Set(cases.map((c) => c.kind))].sort(), ['after Enter', 'mid-line', 'typed a few characters']);
    for (const c of cases) {
      const lineStart = c.text.lastIndexOf('\n', c.offset - 1) + 1;
      const typed = c.text.slice(lineStart, c.offset);
      const original = content.split('\n').find((l) => l.startsWith(typed) && l.endsWith(c.line) && l.length === typed.length + c.line.length);
      assert.ok(original, `${c.kind}: ${JSON.stringify(typed)} + ${JSON.stringify(c.line)} is a real line`);
      assert.equal(c.text.slice(c.offset, c.offset + 1), '\n', 'the rest of the line is gone');
      assert.ok(c.text.endsWith(c.following), 'later lines stay');
      if (c.kind === 'after Enter') assert.equal(typed, '    ');
      if (c.kind === 'typed a few characters') assert.equal(typed, '    val');
      if (c.kind === 'mid-line') assert.ok(typed.length > 10 && c.line.length > 5);
    }
  });
});
