// The quality benchmark's scoring and positions: edit similarity against hand-computed values,
// and cursor positions cut where users trigger (after the indentation, a few characters in,
// mid-line) with the rest of the real line removed and the later lines kept.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { editSimilarity, emptiesList, infillCases, pairedRows, qualityCases, qualityTable, type QualityReport } from '../../server/bench/quality';
import { sharedDataDir } from '../../server/bench/data';
import { ROOT } from '../helpers';

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

  it('takes the infilling sets\' reference middles out, the cursor after their indentation', () => {
    const evalDir = path.join(sharedDataDir(ROOT), 'eval');
    const cases = infillCases(evalDir, 3);
    assert.deepEqual([...new Set(cases.map((c) => c.kind))], ['HumanEval single-line', 'HumanEval multi-line', 'SAFIM block']);
    const first = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(evalDir, 'human-eval-infilling/HumanEval-SingleLineInfilling.jsonl.gz'))).toString('utf8').split('\n')[0] as string) as { prompt: string; canonical_solution: string; suffix: string };
    const c = cases[0];
    const indent = (/^[ \t]*/.exec(first.canonical_solution) as RegExpExecArray)[0];
    assert.equal(c?.text, first.prompt + indent + first.suffix);
    assert.equal(c?.offset, first.prompt.length + indent.length);
    assert.equal(c?.line, first.canonical_solution.slice(indent.length).replace(/\n$/, ''));
    assert.ok(c?.following.startsWith(first.suffix.replace(/^\n/, '')));
    for (const x of cases) {
      assert.ok(x.line.trim().length > 0 && !x.line.includes('\n'));
      assert.ok(!x.text.includes('{{completion}}') && !x.text.includes('\r'));
    }
  });

  it('lists each empty reply of ours with its cause, the real line and the raw text, table-safe', () => {
    const r: QualityReport = {
      bench: 'quality', model: 'm.gguf', cpu: 'cpu', positions: 2, rows: [],
      empties: [
        { contender: 'ours (as shipped: token healing)', file: 'a.c', kind: 'after Enter', cause: 'shaping removed it', real: 'if (a || b) {', raw: '\n} x;', finish: 'time' },
        { contender: 'ours (as shipped: token healing)', file: 'b.go', kind: 'mid-line', cause: 'model: no text before the stop (stop)', real: 'x', raw: '', finish: 'stop' },
        { contender: 'node-llama-cpp (same prompt, same shaping)', file: 'c.py', kind: 'mid-line', cause: 'model: no text', real: 'y', raw: '', finish: '' },
      ],
    };
    const lines = emptiesList(r).split('\n');
    assert.equal(lines.length, 4, 'a header, a rule and our two empties (not the other engine\'s)');
    assert.equal(lines[2], '| ours (as shipped: token healing) | a.c | after Enter | shaping removed it (the model stopped: time) | `"if (a \\|\\| b) {"` | `"\\n} x;"` |');
    assert.equal(lines[3], '| ours (as shipped: token healing) | b.go | mid-line | model: no text before the stop (stop) | `"x"` | `""` |');
    assert.equal(emptiesList({ ...r, empties: [] }), 'No empty replies from our contenders.');
  });

  it('compares each contender with the shipped one position by position, skipping positions one did not answer', () => {
    const shipped = [{ exact: true, sim: 1, at: 0 }, { exact: false, sim: 0.5, at: 1 }, { exact: false, sim: 0.2, at: 2 }, { exact: false, sim: 0.4, at: 3 }];
    const other = [{ exact: false, sim: 0.8, at: 0 }, { exact: true, sim: 1, at: 1 }, { exact: false, sim: 0.6, at: 3 }];
    const [p] = pairedRows(new Map([['shipped', shipped], ['other', other]]));
    assert.ok(p);
    assert.equal(p.contender, 'other');
    assert.equal(p.n, 3, 'position 2 has no answer from the other contender');
    // Differences -0.2, +0.5, +0.2: mean 0.1667, sample sd 0.3512, 95% half-width 1.96 sd / sqrt(3).
    assert.ok(Math.abs(p.sim_diff - 0.5 / 3) < 1e-12);
    const sd = Math.sqrt(((-0.2 - 0.5 / 3) ** 2 + (0.5 - 0.5 / 3) ** 2 + (0.2 - 0.5 / 3) ** 2) / 2);
    assert.ok(Math.abs(p.sim_diff_ci95 - (1.96 * sd) / Math.sqrt(3)) < 1e-12);
    assert.deepEqual([p.exact_only_this, p.exact_only_shipped], [1, 1]);
    const table = qualityTable({ bench: 'quality', model: 'm', cpu: 'c', positions: 4, rows: [{ contender: 'shipped', kind: 'all', n: 4, exact_first_line: 0.25, edit_sim_first_line: 0.525, edit_sim_whole: 0.525, empty: 0, empty_causes: {} }], paired: [p], empties: [] });
    assert.match(table, /^\| other \| 3 \| \+0\.167 \(-0\.231 to \+0\.564\) \| 1 \/ 1 \|$/m);
  });
});
