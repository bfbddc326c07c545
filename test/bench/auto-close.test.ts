import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AutoCloser } from '../../server/bench/auto-close';

/** Types `line` (then `after` follows the cursor) and returns each keystroke's edit and the final text. */
function typeLine(line: string, after = '\n'): { edits: string[]; text: string } {
  const c = new AutoCloser();
  let before = '';
  let rest = after;
  const edits: string[] = [];
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    const step = c.type(ch, before, rest, line.slice(i).split('\n')[0] as string);
    edits.push(`${step.replaced}:${step.text}`);
    before += ch;
    rest = step.text.slice(1) + rest.slice(step.replaced);
  }
  return { edits, text: before + rest };
}

describe('AutoCloser (the typing trace\'s model of VS Code\'s auto-closing pairs)', () => {
  it('closes an opener the line closes later and steps over that closer; the document ends as typed', () => {
    const r = typeLine('print(f("a"), x[0])');
    assert.equal(r.text, 'print(f("a"), x[0])\n');
    assert.deepEqual(r.edits.slice(5, 9), ['0:()', '0:f', '0:()', '0:""'], '`(`, `f`, `(`, `"` (closed: `)` follows)');
    assert.equal(r.edits[10], '1:"', 'the typed `"` steps over the closed one');
    assert.equal(r.edits[11], '1:)');
    assert.equal(r.edits.at(-1), '1:)');
  });
  it('does not close before a word, a quote after a word character or inside a string, or an opener the line leaves open', () => {
    assert.deepEqual(typeLine('f(x', 'y\n').edits, ['0:f', '0:(', '0:x']);
    assert.deepEqual(typeLine("don't", '\n').edits, ['0:d', '0:o', '0:n', "0:'", '0:t']);
    assert.equal(typeLine('s = "a (b" + c', '\n').edits[7], '0:(', 'inside a string: its `(` is not closed by the line');
    assert.deepEqual(typeLine('if (a &&', '\n').edits[3], '0:(');
  });
  it('takes out the closers still pending at a line break (the typist deletes them)', () => {
    const c = new AutoCloser();
    assert.equal(c.type('(', 'f', '\n', '(x)').text, '()');
    assert.deepEqual(c.type('\n', 'f(', ')\n', ''), { replaced: 1, text: '\n' });
    assert.deepEqual(c.type(')', 'f(\n', '\n', ')'), { replaced: 0, text: ')' }, 'nothing pending after it');
  });
});
