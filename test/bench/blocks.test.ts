// The block benchmark's positions (a line that opens a block, its body taken out, the cursor on the
// new line at the body's indentation) and its table.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BlockReport, blockSites, blocksTable, lineSites } from '../../server/bench/blocks';
import { cursorContext } from '../../server/lsp/completer';
import { lineMode } from '../../server/lsp/shape';

const file = [
  'import os', '', '', // the first 30% of the file is skipped
  'def first(x):',
  '    return x',
  '',
  'def area(w, h):',
  '    # width times height',
  '    a = w * h',
  '',
  '    return a',
  '',
  'def after():',
  '    pass',
].join('\n');

describe('block benchmark', () => {
  it('takes the body out of a block from 30% of the file on, and puts the cursor on the new line at its indentation', () => {
    const sites = blockSites('m.py', 'python', file, 5);
    assert.deepEqual(sites.map((s) => s.name), ['m.py:7'], 'def first (line 4) is within the first 30%');
    const area = sites[0];
    assert.ok(area);
    assert.ok(area.before.endsWith('def area(w, h):\n    '));
    assert.equal(area.after, '\n\ndef after():\n    pass');
    // What the language server sees there: a block to write.
    assert.equal(lineMode(cursorContext(area.before + area.after, area.before.length)), 'multi');
  });

  it('skips lines whose next line is not deeper, comments, and stops at the most asked for', () => {
    assert.deepEqual(blockSites('m.py', 'python', 'a = 1\nb = 2\nc = 3\n# x:\n    y\nif z:\nw = 1\n', 5), []);
    assert.equal(blockSites('m.py', 'python', file, 1).length, 1);
  });

  it('line sites: a long line cut after its first `= ` or `return `, the rest of the line taken out; comments and short rests skipped', () => {
    const text = [...Array.from({ length: 12 }, (_, i) => `a${i} = ${i}`), '# e = a comment that is long enough to be a site', 'x = 1', '    total = compute_area(width, height) + margin', 'y = 2', ...Array.from({ length: 21 }, (_, i) => `z${i} = ${i}`), '    return sum(values) / max(len(values), 1)', 'w = 0'].join('\n');
    const sites = lineSites('m.py', 'python', text, 5);
    assert.deepEqual(sites.map((s) => s.name), ['m.py:15', 'm.py:38'], 'the first 30% (11 lines), the comment, and short rests skipped; the next site 20 lines on');
    const [first, second] = sites as [typeof sites[0], typeof sites[0]];
    assert.ok(first.before.endsWith('x = 1\n    total = '));
    assert.ok(first.after.startsWith('\ny = 2\n'));
    assert.ok(second.before.endsWith('\n    return '));
    assert.equal(second.after, '\nw = 0');
    // What the language server sees there: one line to complete.
    assert.equal(lineMode(cursorContext(first.before + first.after, first.before.length)), 'single');
    assert.equal(lineSites('m.py', 'python', text, 1).length, 1);
  });

  it('tabulates all positions and those that came in two parts', () => {
    const sample = (on: number, block: number, off: number, two: boolean, same = true) => ({ site: 's', on_first_ms: on, on_block_ms: block, two_parts: two, off_ms: off, same, on_text: 'a', off_text: 'a', lines: 2 });
    const r: BlockReport = { mode: 'auto', samples: [sample(100, 600, 650, true), sample(120, 120, 500, false), sample(200, 900, 880, true, false)], on_first_ms: { p50: 0, p95: 0 }, on_block_ms: { p50: 0, p95: 0 }, off_ms: { p50: 0, p95: 0 }, two_parts: 2, same: 2 };
    assert.deepEqual(blocksTable(r).split('\n').slice(2), [
      '| all 3 | 120 / 200 | 600 / 900 | 650 / 880 | 2 | 2 of 3 |',
      '| the 2 in two parts | 200 / 200 | 900 / 900 | 880 / 880 | 2 | 1 of 2 |',
    ]);
  });
});
