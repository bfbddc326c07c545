// Prompt building: prefix-only and FIM prompts, the budget, and a prefix start that stays put
// while typing (so the engine can reuse its KV cache).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CharsPerToken, PromptBuilder } from '../../server/lsp/prompt';

const FIM = { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>' };
const lines = (n: number): string => Array.from({ length: n }, (_, i) => `line ${String(i).padStart(4, '0')} = ${i}\n`).join('');

describe('PromptBuilder', () => {
  it('gives the whole prefix when it fits, and FIM order for FIM models', () => {
    const b = new PromptBuilder(new CharsPerToken(3));
    const text = 'a = 1\nb = |\nc = 3\n';
    const off = text.indexOf('|');
    const doc = text.replace('|', '');
    assert.deepEqual(b.build('u', doc, off, undefined), { text: 'a = 1\nb = ', allowSpecial: false, prefixStart: 0, mode: 'prefix', suffix: '' });
    const f = b.build('v', doc, off, FIM);
    assert.equal(f.text, '<fim_prefix>a = 1\nb = <fim_suffix>\nc = 3\n<fim_middle>');
    assert.equal(f.allowSpecial, true);
    // Remote endpoints with FIM fields: the prefix as text, the suffix beside it.
    assert.deepEqual(b.build('w', doc, off, 'parts'), { text: 'a = 1\nb = ', allowSpecial: false, prefixStart: 0, mode: 'prefix', suffix: '\nc = 3\n' });
  });
  it('keeps control tokens typed by the user out of the FIM prompt', () => {
    const b = new PromptBuilder(new CharsPerToken(3));
    const doc = 'x = "<fim_middle>"\n';
    assert.equal(b.build('u', doc, doc.length, FIM).text, '<fim_prefix>x = ""\n<fim_suffix><fim_middle>');
  });
  it('trims a long prefix at a line start within the budget, and keeps that start while typing', () => {
    const b = new PromptBuilder(new CharsPerToken(3), { maxTokens: 100, suffixShare: 0.2, refill: 0.5 });
    let doc = lines(200);
    const first = b.build('u', doc, doc.length, undefined);
    assert.ok(first.prefixStart > 0 && doc[first.prefixStart - 1] === '\n', 'starts at a line start');
    assert.ok(first.text.length <= 300, `prefix of ${first.text.length} chars over a 300-char budget`);
    // Typing a few characters keeps the same start (same prompt prefix for the KV cache).
    for (const ch of 'abc') {
      doc += ch;
      const p = b.build('u', doc, doc.length, undefined);
      assert.equal(p.prefixStart, first.prefixStart);
      assert.ok(p.text.startsWith(first.text));
    }
    // Outgrowing the budget moves the start forward.
    doc += lines(20);
    const moved = b.build('u', doc, doc.length, undefined);
    assert.ok(moved.prefixStart > first.prefixStart);
    assert.ok(moved.text.length <= 300);
  });
  it('keeps the start when the chars-per-token estimate drifts (a prefill and its completion agree)', () => {
    const ratio = new CharsPerToken(3);
    const b = new PromptBuilder(ratio, { maxTokens: 100, suffixShare: 0.2, refill: 0.95 });
    const doc = lines(200);
    const first = b.build('u', doc, doc.length, undefined);
    ratio.observe(150, 100); // the estimate drops 10% (2.7): the prefix is over its budget, within the margin
    assert.equal(b.build('u', doc, doc.length, undefined).prefixStart, first.prefixStart);
    for (let i = 0; i < 20; i++) ratio.observe(200, 100); // a real change of the code's density
    assert.ok(b.build('u', doc, doc.length, undefined).prefixStart > first.prefixStart);
  });
  it('counts a document at its own ratio, else its language\'s, else all documents\'', () => {
    const r = new CharsPerToken(3);
    r.observe(200, 100, 'file:///a.go', 'go'); // 2 chars a token
    assert.equal(r.get('file:///a.go', 'go'), 2, 'the document: its last prompt\'s ratio');
    assert.equal(r.get('file:///b.go', 'go'), 2, 'another Go document: the language\'s');
    assert.ok(Math.abs(r.get('file:///c.py', 'python') - 2.8) < 1e-9, 'another language: all documents\' (3 moved a fifth of the way)');
    r.observe(400, 100, 'file:///a.go', 'go');
    assert.equal(r.get('file:///a.go', 'go'), 4, 'the last prompt, not an average: the next prompt is nearly the same text');
    assert.ok(Math.abs(r.get('file:///b.go', 'go') - 2.4) < 1e-9, 'the language learns slowly');
    assert.ok(r.knows('file:///a.go') && !r.knows('file:///b.go'));
    const b = new PromptBuilder(r, { maxTokens: 100, suffixShare: 0.2, refill: 0.7 });
    const doc = lines(200);
    assert.ok(b.build('file:///a.go', doc, doc.length, undefined).text.length <= 4 * 100 * 1.2);
    assert.ok(b.placed('file:///a.go'));
    b.forget('file:///a.go');
    assert.ok(!b.placed('file:///a.go') && !r.knows('file:///a.go'), 'a closed document forgets its start and its ratio');
  });
  it('places a first start within the budget itself; a placed one moves only past the margin', () => {
    const b = new PromptBuilder(new CharsPerToken(3), { maxTokens: 100, suffixShare: 0.2, refill: 0.7 });
    const doc = 'x'.repeat(9) + '\n';
    const over = doc.repeat(33); // 330 characters: 1.1 times the 300 of the budget
    assert.ok(b.build('a', over, over.length, undefined).prefixStart > 0, 'a first placement keeps the budget');
    assert.equal(b.build('b', doc.repeat(30), 300, undefined).prefixStart, 0);
    assert.equal(b.build('b', over, over.length, undefined).prefixStart, 0, 'placed at 0, it may outgrow the budget by the margin while the user types');
    // Asked at (0, 0), where VS Code opens a file, then at its end: the budget, not the margin.
    assert.equal(b.build('c', over, 0, undefined).prefixStart, 0);
    assert.ok(!b.placed('c'), 'the top of a file places nothing');
    const moved = b.build('c', over, over.length, undefined).prefixStart;
    assert.ok(moved > 0, 'a first placement keeps the budget');
    // The cursor restored at (0, 0) for a moment (a tab switch) leaves the placed start alone.
    const doc40 = doc.repeat(40);
    const placed = b.build('d', doc40, 330, undefined).prefixStart; // placed: 0.7 of 300 back, 120
    assert.equal(b.build('d', doc40, 390, undefined).prefixStart, placed, 'typing on keeps it');
    b.build('d', doc40, 0, undefined);
    assert.equal(b.build('d', doc40, 390, undefined).prefixStart, placed, 'back from the top, the same start: the cache is reused');
  });
  it('a start due to move (its prefix past the budget, within the margin) moves early when asked, and stays there', () => {
    const b = new PromptBuilder(new CharsPerToken(3), { maxTokens: 100, suffixShare: 0.2, refill: 0.7 });
    const doc = ('x'.repeat(9) + '\n').repeat(60); // 600 characters; the budget is 300
    assert.equal(b.moveDue('a', doc, 290, undefined), false, 'nothing placed yet');
    const placed = b.build('a', doc, 290, undefined).prefixStart;
    assert.equal(placed, 0);
    assert.equal(b.moveDue('a', doc, 300, undefined), false, 'within the budget');
    assert.equal(b.moveDue('a', doc, 330, undefined), true, 'past the budget, within the margin');
    assert.equal(b.build('a', doc, 330, undefined).prefixStart, 0, 'typing on keeps the start (the margin)');
    const early = b.build('a', doc, 330, undefined, '', undefined, 'move');
    assert.equal(early.prefixStart, 330 - 0.7 * 300, 'moved early: 0.7 of the budget back, at a line start');
    assert.equal(b.moveDue('a', doc, 330, undefined), true, 'pending until its prompt is whole');
    assert.equal(b.build('a', doc, 340, undefined).prefixStart, 0, 'typing meanwhile keeps the placed start');
    assert.equal(b.commitMove('a'), true);
    assert.equal(b.commitMove('a'), false, 'once');
    assert.equal(b.moveDue('a', doc, 330, undefined), false);
    assert.equal(b.build('a', doc, 340, undefined).prefixStart, early.prefixStart, 'the next keystroke keeps the new start');
    assert.equal(b.build('a', doc, 340, undefined, '', undefined, 'move').prefixStart, early.prefixStart, 'early within the budget: nothing moves');
  });
  it('a pending start (a move cut short) is where the next move goes while its prefix fits the budget', () => {
    const doc = ('x'.repeat(9) + '\n').repeat(60); // the budget is 300 characters, the margin 360
    for (const [next, early, want] of [[350, true, 120], [370, false, 120], [430, false, 220]] as const) {
      const kind = early ? 'move' : 'ask';
      const b = new PromptBuilder(new CharsPerToken(3), { maxTokens: 100, suffixShare: 0.2, refill: 0.7 });
      b.build('a', doc, 290, undefined);
      assert.equal(b.build('a', doc, 330, undefined, '', undefined, 'move').prefixStart, 120, 'pending');
      // Typed on: early again, the keystroke past the margin, and one whose prefix from 120 is past the budget.
      assert.equal(b.build('a', doc, next, undefined, '', undefined, kind).prefixStart, want, `at ${next}`);
      assert.equal(b.commitMove('a'), early, early ? 'still pending' : 'a keystroke that moves the start places it');
    }
  });
  it('places a start where nothing is computed short, and moves it back to the whole budget while the user pauses', () => {
    const doc = ('x'.repeat(9) + '\n').repeat(60); // the budget is 300 characters: 75 short, 210 refilled
    const budget = { maxTokens: 100, suffixShare: 0.2, refill: 0.7, first: 0.25 };
    const b = new PromptBuilder(new CharsPerToken(3), budget);
    const first = b.build('a', doc, 590, undefined);
    assert.equal(first.prefixStart, 520, 'a quarter of the budget back, at a line start');
    assert.equal(first.text, doc.slice(520, 590));
    assert.equal(b.moveDue('a', doc, 590, undefined), true, 'a short start is due to move back');
    assert.equal(b.build('a', doc, 595, undefined).prefixStart, 520, 'typing keeps it');
    assert.equal(b.build('a', doc, 595, undefined, '', undefined, 'move').prefixStart, 390, 'the move goes back to 0.7 of the budget, at a line start');
    assert.equal(b.build('a', doc, 596, undefined).prefixStart, 520, 'typing meanwhile keeps the short start');
    assert.equal(b.build('a', doc, 596, undefined, '', undefined, 'move').prefixStart, 390, 'a move cut short goes on from the same start');
    assert.equal(b.commitMove('a'), true);
    assert.equal(b.moveDue('a', doc, 596, undefined), false, 'placed whole: nothing due');
    assert.equal(b.build('a', doc, 597, undefined).prefixStart, 390);
    // A cursor that went elsewhere places a short start again; near the top, none.
    assert.equal(b.build('a', doc, 200, undefined).prefixStart, 130);
    assert.equal(b.moveDue('a', doc, 200, undefined), true);
    assert.equal(b.build('a', doc, 200, undefined, '', undefined, 'move').prefixStart, 0, 'back to the top, where all of it fits');
    b.commitMove('a');
    assert.equal(b.build('a', doc, 50, undefined).prefixStart, 0, 'the start stays: it is at the top');
    assert.equal(b.moveDue('a', doc, 50, undefined), false);
    // A first prompt that fits from the top is short too, and moves back to the top (as a first
    // placement with the whole budget does), not `refill` back; one the budget holds whole is not short.
    const top = new PromptBuilder(new CharsPerToken(3), budget);
    assert.equal(top.build('a', doc, 280, undefined).prefixStart, 210);
    assert.equal(top.build('a', doc, 280, undefined, '', undefined, 'move').prefixStart, 0, 'the top, not 70');
    assert.equal(top.build('c', doc, 200, undefined).prefixStart, 130);
    assert.equal(top.build('b', doc, 70, undefined).prefixStart, 0);
    assert.equal(top.moveDue('b', doc, 70, undefined), false);
    // 'full' (a whole document warmed, a remote server) and no `first` place the whole budget at once.
    assert.equal(new PromptBuilder(new CharsPerToken(3), budget).build('a', doc, 590, undefined, '', undefined, 'full').prefixStart, 380);
    assert.equal(new PromptBuilder(new CharsPerToken(3), { ...budget, first: undefined }).build('a', doc, 590, undefined).prefixStart, 380);
    assert.equal(new PromptBuilder(new CharsPerToken(3), { ...budget, first: 0.8 }).build('a', doc, 590, undefined).prefixStart, 380, 'first >= refill: off');
  });
  it('keeps a short start whose move would gain nothing, and it is no longer due', () => {
    // The line start after the refilled share is the short start itself.
    const doc = 'y'.repeat(560) + '\n' + 'z'.repeat(39);
    const b = new PromptBuilder(new CharsPerToken(3), { maxTokens: 100, suffixShare: 0.2, refill: 0.7, first: 0.25 });
    assert.equal(b.build('a', doc, 600, undefined).prefixStart, 561);
    assert.equal(b.moveDue('a', doc, 600, undefined), true);
    assert.equal(b.build('a', doc, 600, undefined, '', undefined, 'move').prefixStart, 561);
    assert.equal(b.commitMove('a'), false, 'nothing pending');
    assert.equal(b.moveDue('a', doc, 600, undefined), false);
  });
  it('learns chars per token from the engine', () => {
    const r = new CharsPerToken(3);
    for (let i = 0; i < 40; i++) r.observe(500, 100);
    assert.ok(Math.abs(r.get() - 5) < 0.01);
    r.observe(10, 2); // too few tokens to learn from
    assert.ok(Math.abs(r.get() - 5) < 0.01);
  });
});
