// Completion shaping: line modes, block ends, repetition, brackets, text that already follows.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cursorContext } from '../../server/lsp/completer';
import { cutOpenRun, fencesAreOwn, lineMode, ownIndentAt, replacedAfter, shapeCompletion, shapeOwnIndent, stopsFor } from '../../server/lsp/shape';

const at = (doc: string): ReturnType<typeof cursorContext> => {
  const i = doc.indexOf('|');
  return cursorContext(doc.replace('|', ''), i);
};

describe('line mode', () => {
  it('is single-line when text follows the cursor, multi-line at the end of a block', () => {
    assert.equal(lineMode(at('x = foo(|a)\n')), 'single');
    assert.equal(lineMode(at('def f(x):|\n')), 'multi');
    assert.equal(lineMode(at('def f(x):|\n    return 1\n')), 'single', 'the block already has a body');
    assert.equal(lineMode(at('function f() {|\n}\n')), 'multi');
    assert.equal(lineMode(at('    |\n\ndef g():\n')), 'multi');
    assert.equal(lineMode(at('x = 1 + |\n')), 'single');
    assert.equal(lineMode(at('foo(|)\n')), 'single', 'only closers follow, but the line is not a block opener');
    assert.equal(lineMode(at('def f(x):|\n'), 'never'), 'single');
    assert.equal(lineMode(at('x = |\n'), 'always'), 'multi');
    assert.equal(lineMode(at('x = |y\n'), 'always'), 'single', 'text after the cursor keeps one line');
  });
});

describe('shapeCompletion', () => {
  it('keeps the first line in single-line mode and trims trailing space', () => {
    assert.equal(shapeCompletion('a + b  \nprint(x)', at('x = |\n'), 'single'), 'a + b');
  });
  it('gives LF line ends whatever the model wrote: no \\r in a line or at its end', () => {
    assert.equal(shapeCompletion('a + b\r\nprint(x)', at('x = |\n'), 'single'), 'a + b');
    assert.equal(shapeCompletion('a + b\r', at('x = |\n'), 'single'), 'a + b', 'a CR the stop left behind');
    assert.equal(shapeCompletion('\r\n    y = x\r\n    return y\r\n\r\ndef g():', at('def f(x):|\n'), 'multi'), '\n    y = x\n    return y');
  });
  it('ends a block where a line dedents below its body', () => {
    const ctx = at('def f(x):|\n');
    assert.equal(shapeCompletion('\n    y = x * 2\n    return y\n\ndef g():\n    pass', ctx, 'multi'), '\n    y = x * 2\n    return y');
  });
  it('keeps the closing brace of a block it opened, then stops', () => {
    const ctx = at('function f() {|\n');
    assert.equal(shapeCompletion('\n  return 1;\n}\nfunction g() {}', ctx, 'multi'), '\n  return 1;\n}');
  });
  it('caps the number of lines', () => {
    const ctx = at('    |\n');
    const raw = Array.from({ length: 20 }, (_, i) => `    x${i} = ${i}`).join('\n');
    assert.equal(shapeCompletion(raw, ctx, 'multi', { maxLines: 3 }).split('\n').length, 3);
  });
  it('cuts runaway repetition', () => {
    assert.equal(shapeCompletion('a\n    b = 1\n    b = 1\n    b = 1\n    b = 1', at('    |\n'), 'multi'), 'a\n    b = 1');
    assert.equal(shapeCompletion('foo foo foo foo foo', at('x = |\n'), 'single'), 'foo foo');
    // Nesting that never closes (a block of lines again and again, deeper each time): its first time.
    const nest = '\n    return [\n      {\n        type: "list",\n        children: [\n          {\n            type: "list",\n            children: [\n              {\n                type: "list",';
    assert.equal(shapeCompletion(nest, at('  get kids() {|\n'), 'multi'), '\n    return [\n      {\n        type: "list",\n        children: [');
    // Closers at falling indents, and two-line runs written only twice, are code.
    const closers = '\n  if (a) {\n    if (b) {\n      f();\n    }\n  }\n}';
    assert.equal(shapeCompletion(closers, at('function g() {|\n'), 'multi'), closers);
    const twice = '\n    a = 1\n    b = 2\n    a = 1\n    b = 2\n    c = 3';
    assert.equal(shapeCompletion(twice, at('def f():|\n'), 'multi'), twice);
  });
  it('cuts an unfinished line at a run it repeats, and only an unfinished one', () => {
    const url = '  - https://github.com/o/r/blob/master/docs/python-2.10/python-2.10/python-2.10/docs/python-2.10/python-2.1';
    assert.equal(shapeCompletion(url, at('|\n'), 'single', { open: true }), '  - https://github.com/o/r/blob/master/docs/python-2.10');
    assert.equal(shapeCompletion(url, at('|\n'), 'single'), url, 'the model ended it: left whole');
    // Only the numbers change: cut at the fourth time.
    const counted = '"Running on {0} ({1})-{2} ({3})-{4} ({5})-{6} ({7})-{8} ({9})-{10} ({11})-{12} ({13';
    assert.equal(shapeCompletion(counted, at('    log(|\n'), 'single', { open: true }), '"Running on {0} ({1})-');
    assert.equal(cutOpenRun('a[0], a[1], a[2]'), 'a[0], a[1], a[2]', 'three with their numbers changed: not yet a run');
    assert.equal(cutOpenRun('a[0], a[1], a[2], a[3], a[4]'), 'a[0], ');
    assert.equal(cutOpenRun('0x00, 0x00, 0x00, 0x00'), '0x00, ');
    for (const code of ['x = 1000000000', 'print("=================', 'foo(bar(baz(', 'return a + b + c', 'f(x, 1, 1, 0, 1, 1, 0, 1, 0, 0', '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11']) assert.equal(cutOpenRun(code), code, code);
  });
  it('a block that ran out of tokens ends at its last whole line', () => {
    const block = '\n    """Redirect."""\n    return self.next()\n    """';
    assert.equal(shapeCompletion(block, at('def f():|\n'), 'multi', { open: true }), '\n    """Redirect."""\n    return self.next()');
    assert.equal(shapeCompletion(block, at('def f():|\n'), 'multi'), block, 'ended at a stop: whole');
    assert.equal(shapeCompletion(`${block}\n`, at('def f():|\n'), 'multi', { open: true }), block, 'its last line ended');
    // Nothing whole before it: the line stays. Shaping ended the block earlier: nothing more goes.
    assert.equal(shapeCompletion('\n    return self.ne', at('def f():|\n'), 'multi', { open: true }), '\n    return self.ne');
    assert.equal(shapeCompletion('\n    a = 1\nb = 2\nc = ', at('def f():|\n'), 'multi', { open: true }), '\n    a = 1');
    // Its last line cut at a run, then left out as unfinished; the line before keeps its repeats.
    assert.equal(shapeCompletion('\n    t = [0, 0, 0, 0]\n    n = "x/x/x/x/x/', at('def f():|\n'), 'multi', { open: true }), '\n    t = [0, 0, 0, 0]');
  });
  it('drops a closer the line suffix already has, and text the next lines already hold', () => {
    assert.equal(shapeCompletion('a, b)', at('foo(|)\n'), 'single'), 'a, b');
    assert.equal(shapeCompletion('len(x)', at('print(|)\n'), 'single'), 'len(x)', 'a closer it opened itself stays');
    assert.equal(shapeCompletion('f(x))', at('foo(bar(|))\n'), 'single'), 'f(x)', 'only the closers it did not open go');
    assert.equal(shapeCompletion('return x', at('    |\n    return x\n'), 'single'), '');
    assert.equal(shapeCompletion('\n    y = 1\n    return y', at('def f():|\n    return y\n'), 'multi'), '\n    y = 1');
  });
  it('cuts at a closer that matches nothing opened', () => {
    assert.equal(shapeCompletion('a, b))', at('x = f(|\n'), 'single'), 'a, b)');
    assert.equal(shapeCompletion('1] + 2', at('x = (|\n'), 'single'), '1', 'a mismatched closer');
    assert.equal(shapeCompletion('"(" + s)', at('f(|\n'), 'single'), '"(" + s)', 'brackets inside strings do not count');
  });
  it('returns nothing for whitespace', () => {
    assert.equal(shapeCompletion('   \n  ', at('x = |\n'), 'multi'), '');
  });
  it('after an accepted line (\'next\'): the line break and the block from the next line on, or this line\'s rest', () => {
    assert.equal(shapeCompletion('\n    c = 3', at('    b = 2|'), 'next'), '\n    c = 3');
    assert.equal(shapeCompletion('\n    c = 3\n    if c:\n        d = 4\n  e = 5', at('  def f():\n    b = 2|'), 'next'), '\n    c = 3\n    if c:\n        d = 4', 'the block at the next line\'s indentation');
    assert.equal(shapeCompletion('  \n\n\ndef g():\n    pass', at('    return x|'), 'next'), '\n\n\ndef g():\n    pass', 'white space on this line dropped; two empty lines kept');
    assert.equal(shapeCompletion('\n    c = 3\n    d = 4', at('    b = 2|'), 'next', { open: true }), '\n    c = 3', 'out of tokens: its last whole line');
    assert.equal(shapeCompletion('\n\n\n\n\nx = 1', at('b = 2|'), 'next'), '', 'more than two empty lines: nothing');
    assert.equal(shapeCompletion('  # two\nc = 3', at('b = 2|'), 'next'), '  # two', 'the model goes on in this line: that line');
    assert.equal(shapeCompletion('\nc = 3', at('b = 2|\nc = 3\n'), 'next'), '', 'the next line is already there');
    assert.equal(shapeCompletion('\n\n', at('b = 2|'), 'next'), '');
    assert.equal(shapeCompletion('\n}', at('    b = 2;|'), 'next'), '\n}', 'a closer at a line start closes an earlier line\'s block');
  });
});

describe('a Markdown fence the model writes in code', () => {
  it('ends the text before the fence line, at a line start only', () => {
    assert.equal(shapeCompletion('    return x\n```\n\nThis function takes', at('def f(x):\n    y = x\n|'), 'multi'), '    return x', 'the chat answer\'s closing fence and prose, at column 0');
    assert.equal(shapeCompletion('```', at('x = 1\n|'), 'multi'), '', 'a fence first: nothing');
    assert.equal(shapeCompletion('\n```python\nx = 2', at('x = 1|'), 'next'), '', 'the next line is a fence: nothing');
    assert.equal(shapeCompletion('\n    y = 2\n    ```', at('    x = 1|'), 'next'), '\n    y = 2', 'an indented fence too');
    assert.equal(shapeCompletion('```\';', at('const fence = \'|'), 'single'), '```\';', 'after code on the line it is no line start');
    assert.equal(shapeCompletion('a = 1\nb = "```"', at('x = 1\n|'), 'multi'), 'a = 1\nb = "```"', 'not at a line start');
    assert.deepEqual(shapeOwnIndent('```\n', at('def f():\n    x = 1\n    |'), 'single'), undefined, 'with the model\'s own indentation');
  });
  it('keeps fences that are the document\'s own: Markdown, or a document with a fence line', () => {
    assert.equal(shapeCompletion('    return x\n```', at('def f(x):\n    y = x\n|'), 'multi', { keepFences: true }), '    return x\n```');
    assert.equal(fencesAreOwn('markdown', '# Title\n'), true);
    assert.equal(fencesAreOwn('python', 'def f():\n    """Example:\n\n    ```python\n    f()\n    ```\n    """\n'), true, 'a docstring with a fenced example');
    assert.equal(fencesAreOwn('python', 'x = "```"\n'), false, 'in a string after code: no fence line');
    assert.equal(fencesAreOwn('typescript', 'const a = 1;\n'), false);
  });
  it('stops generation at a fence line where fences are not the document\'s own', () => {
    assert.deepEqual(stopsFor('multi', false), ['\n\n\n', '\n```']);
    assert.deepEqual(stopsFor('next', false), ['\n\n\n', '\n```']);
    assert.deepEqual(stopsFor('multi', true), ['\n\n\n']);
    assert.deepEqual(stopsFor('single', false), ['\n'], 'one line stops at its line break anyway');
  });
});

describe('Enter after a statement: the model writes the line\'s indentation (shapeOwnIndent, ownIndentAt)', () => {
  const where = (doc: string): { text: string; offset: number } => ({ text: doc.replace('|', ''), offset: doc.indexOf('|') });
  it('applies where the line holds the line before\'s indentation and nothing else', () => {
    const yes = where('def f():\n    x = 1\n    |\n');
    assert.equal(ownIndentAt(yes.text, yes.offset, cursorContext(yes.text, yes.offset)), true);
    for (const [doc, why] of [
      ['def f():\n    x = 1\n        |\n', 'deeper than the line before: the user indented'],
      ['def f():\n    x = 1\n  |\n', 'shallower than the line before'],
      ['def f():\n    x = 1\n    |y\n', 'text after the cursor'],
      ['def f():\n    x = 1\n    y|\n', 'text before the cursor'],
      ['x = 1\n|\n', 'no indentation to replace'],
      ['def f():\n    x = 1\n\n    |\n', 'the line before is empty'],
    ] as const) {
      const w = where(doc);
      assert.equal(ownIndentAt(w.text, w.offset, cursorContext(w.text, w.offset)), false, why);
    }
  });
  it('places the model\'s line: at the cursor where it indents as deep or deeper, over the indentation where it dedents', () => {
    assert.deepEqual(shapeOwnIndent('    y = 2', at('def f():\n    x = 1\n    |'), 'single'), { text: 'y = 2', before: 0 });
    assert.deepEqual(shapeOwnIndent('        z', at('    x = (\n    |'), 'single'), { text: '    z', before: 0 });
    assert.deepEqual(shapeOwnIndent('return x\n\ndef g():', at('def f():\n    x = 1\n    |'), 'single'), { text: 'return x', before: 4 });
    assert.deepEqual(shapeOwnIndent('  }\n}\n', at('  if (a) {\n    f();\n    |\n}\n'), 'single'), { text: '  }', before: 4 }, 'a closer at the line\'s start is kept');
    assert.deepEqual(shapeOwnIndent('\n    y = 2', at('    x = 1\n    |'), 'single'), { text: '\n    y = 2', before: 4 }, 'an empty line first: the line left empty');
  });
  it('shapes a block at the model\'s indentation, and gives nothing for nothing', () => {
    assert.deepEqual(shapeOwnIndent('    return y\n\ndef g():\n    pass', at('def f():\n    x = 1\n    |\n'), 'multi'), { text: 'return y', before: 0 }, 'the block ends where a line dedents below it');
    assert.deepEqual(shapeOwnIndent('}\n\nfunction g() {\n  return 1;\n}', at('function f() {\n  a();\n  |'), 'multi'), { text: '}\n\nfunction g() {\n  return 1;\n}', before: 2 });
    assert.equal(shapeOwnIndent('\n\n\n\nx', at('    x = 1\n    |'), 'multi'), undefined, 'more than two empty lines');
    assert.equal(shapeOwnIndent('   ', at('    x = 1\n    |'), 'single'), undefined);
  });
  it('keeps a closer unlike the next line at its indentation, drops one that is the next line', () => {
    assert.equal(shapeCompletion('}', at('    if (a) {\n      f();\n    |\n  }\n'), 'single'), '}', 'another block\'s closer');
    assert.equal(shapeCompletion('}', at('  if (a) {\n    f();\n  |\n  }\n'), 'single'), '', 'the next line already closes it');
    assert.equal(shapeCompletion('if (x) {\n    y();\n  }', at('function f() {\n  |\n}\n'), 'multi'), 'if (x) {\n    y();\n  }', 'a block\'s own closer above the function\'s');
    assert.equal(shapeCompletion('y();\n}', at('function f() {\n  |\n}\n'), 'multi'), 'y();', 'the function\'s closer, already there');
  });
});

describe('replacedAfter: the closers an editor put after the cursor that a completion writes itself', () => {
  it('replaces closers, a closing quote, `;` and `,` that the completion writes in order', () => {
    assert.equal(replacedAfter('  const r = _run(', 'item);', ')'), 1);
    assert.equal(replacedAfter('  const out: string[', '] = new Array(n);', ']'), 1);
    assert.equal(replacedAfter('foo([', '1, 2]);', '])'), 2);
    assert.equal(replacedAfter('foo(', 'a);', ');  '), 2, 'a `;` already there, trailing spaces kept out');
    assert.equal(replacedAfter('x = "', 'hello", y', '"'), 1, 'the quote that ends the string the cursor is in');
    assert.equal(replacedAfter('function f() {', '\n  return 1;\n}', '}'), 1, 'a block that closes its own brace');
    assert.equal(replacedAfter('    a, b', ', c);', ')'), 1, 'a closer of an opener on an earlier line');
  });
  it('leaves the rest of the line where the completion does not close what it closes', () => {
    assert.equal(replacedAfter('print(', 'len(x)', ')'), 0, 'its own brackets only');
    assert.equal(replacedAfter('    a', ', g(x)', ')'), 0);
    assert.equal(replacedAfter('foo(', 'a, b', ')'), 0, 'no closer in it');
    assert.equal(replacedAfter('x = "', 'hello', '"'), 0, 'the string not ended');
    assert.equal(replacedAfter('x = "', 'a" + "b', '"'), 0, 'a string left open at its end');
    assert.equal(replacedAfter('x = ', '"a"', '"'), 0, 'the cursor not in a string');
    assert.equal(replacedAfter('foo(', 'a), b', ', b)'), 0, 'not only closers after the cursor');
    assert.equal(replacedAfter('foo(', 'a)', ''), 0);
    assert.equal(replacedAfter('f(', '")"', ')'), 0, 'a closer inside a string is text');
  });
});
