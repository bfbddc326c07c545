// Token healing on the real model at the cursors users complete at most: a line start after
// Enter (the editor's indentation, spaces or tabs) in Python, TypeScript, JavaScript, Go, Rust,
// Java and C; inside an identifier; after an operator; after a dot. With healing the ghost text
// never starts with a newline on a blank indented line and never repeats the indentation; the
// generated tokens always spell the removed characters first; the engine's text is the rest.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readGguf } from '../../kernels/gguf';
import { Tokenizer } from '../../kernels/tokenizer';
import { Engine } from '../../server/engine/engine';
import { HealConstraint, healTail } from '../../server/engine/healing';
import { argmax, Rng } from '../../server/engine/sampler';
import { NgramDrafter } from '../../server/engine/ngram';
import { TargetModel } from '../../server/engine/target';
import { defaultModel, devFiles } from '../helpers';

type Kind = 'indent' | 'identifier' | 'operator' | 'dot';

/** Cursor offsets of each kind in a file (at most `n` each, past the first 10 lines). */
export function cursorsOf(text: string, n: number): { kind: Kind; offset: number }[] {
  const out: { kind: Kind; offset: number }[] = [];
  const lines = text.split('\n');
  const starts: number[] = [];
  let o = 0;
  for (const l of lines) { starts.push(o); o += l.length + 1; }
  const take = (kind: Kind, f: (line: string) => number): void => {
    let found = 0;
    for (let i = 10; i < lines.length && found < n; i += 7) {
      const line = lines[i] as string;
      const at = f(line);
      if (at > 0) { out.push({ kind, offset: (starts[i] as number) + at }); found++; }
    }
  };
  // After Enter: the previous line is code and this one is indented code; the cursor is after its indentation.
  take('indent', (l) => { const m = /^([ \t]+)\S/.exec(l); return m ? (m[1] as string).length : -1; });
  take('identifier', (l) => { const m = /[A-Za-z_][A-Za-z0-9_]{5,}/.exec(l); return m ? m.index + 3 : -1; });
  take('operator', (l) => { const m = /\S ?(=|\+|\(|,|&&|\|\|) ?[A-Za-z0-9_"']/.exec(l); return m ? m.index + m[0].length - 1 : -1; });
  take('dot', (l) => { const m = /[A-Za-z_)]\.[A-Za-z_]/.exec(l); return m ? m.index + 2 : -1; });
  return out;
}

describe('the healed argmax without a pass over the vocabulary (SmolLM2 tokenizer)', () => {
  it('equals the argmax of the masked row for the healed tails of real code, with and without wordEnd, every step', () => {
    const tok = Tokenizer.fromGguf(readGguf(defaultModel()));
    const V = tok.vocabSize;
    const rng = new Rng(5);
    const logits = new Float32Array(3 * V);
    let cases = 0;
    let steps = 0;
    for (const f of devFiles(8, { minBytes: 2000, maxBytes: 30000 })) {
      for (const { offset } of cursorsOf(f.content, 3)) {
        const h = healTail(tok, tok.encode(f.content.slice(Math.max(0, offset - 200), offset)));
        if (h.bytes.length === 0) continue;
        for (const wordEnd of [false, true]) {
          const ref = new HealConstraint(tok, h.bytes, wordEnd);
          const fast = new HealConstraint(tok, h.bytes, wordEnd);
          for (let step = 0; step < 4 && !ref.done; step++) {
            // Ties included: a few coarse values, so equal logits meet and the lowest id must win.
            for (let i = 0; i < logits.length; i++) logits[i] = Math.floor(rng.next() * (step % 2 ? 4 : 1e6));
            const row = step % 3;
            const want = argmax(ref.maskRow(logits, row * V));
            assert.equal(fast.argmax(logits, row * V), want, `${JSON.stringify(h.text)} wordEnd ${wordEnd} step ${step}`);
            ref.advance(want);
            fast.advance(want);
            steps++;
          }
          cases++;
        }
      }
    }
    assert.ok(cases >= 60 && steps > cases, `${cases} cases, ${steps} steps`);
  });

  it('equals it for tails that start much of the vocabulary (a lone space), asked again and after the kept lists turn over', () => {
    const tok = Tokenizer.fromGguf(readGguf(defaultModel()));
    const V = tok.vocabSize;
    const rng = new Rng(9);
    const logits = new Float32Array(V);
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const check = (tail: string, wordEnd: boolean, round: number): void => {
      for (let i = 0; i < V; i++) logits[i] = Math.floor(rng.next() * (round % 2 ? 3 : 1e6));
      const ref = new HealConstraint(tok, enc(tail), wordEnd);
      assert.equal(new HealConstraint(tok, enc(tail), wordEnd).argmax(logits), argmax(ref.maskRow(logits)), `${JSON.stringify(tail)} wordEnd ${wordEnd} round ${round}`);
    };
    const common = [' ', '  ', '\t', '\n', '\n    ', ' (', '.', 'a'];
    // A lone space allows a third of the vocabulary: the list the fast argmax reads is that long.
    const spaced = new Set(Array.from({ length: V }, (_, id) => id).filter((id) => new HealConstraint(tok, enc(' ')).allows(id)));
    assert.ok(spaced.size > V / 4, `${spaced.size} ids start with a space`);
    for (let round = 0; round < 3; round++) {
      for (const tail of common) for (const wordEnd of [false, true]) check(tail, wordEnd, round);
      // 40 other tails: more than the lists kept per tokenizer, so the common ones are built again.
      for (let i = 0; i < 40; i++) check(` w${i}`, i % 2 === 0, round);
    }
  });
});

describe('token healing on real code (real model)', () => {
  let target: TargetModel;
  let engine: Engine;
  before(async () => {
    target = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu' });
    engine = new Engine(target);
  });
  after(async () => { await target.dispose(); });

  it('never starts with a newline or a doubled indentation; always spells the healed text first', async () => {
    const files = devFiles(14, { minBytes: 1500, maxBytes: 12000 });
    const langs = new Set(files.map((f) => f.lang));
    for (const l of ['python', 'typescript', 'go', 'rust', 'java']) assert.ok(langs.has(l), `no ${l} file in the dev split sample`);
    const bad: string[] = [];
    const unhealedBad: string[] = [];
    const seen = new Map<Kind, number>();
    let tabs = 0;
    for (const f of files) {
      for (const c of cursorsOf(f.content, 1)) {
        const prompt = f.content.slice(Math.max(0, c.offset - 1500), c.offset);
        const linePrefix = prompt.slice(prompt.lastIndexOf('\n') + 1);
        const r = await engine.complete({ prompt, maxTokens: 10, heal: true });
        const spelled = target.tokenizer.decode(r.tokens);
        assert.ok(r.healed !== undefined && prompt.endsWith(r.healed), `${f.path}: healed text is not the prompt's end`);
        if (r.tokens.length > 0 && r.finishReason !== 'eos') assert.ok(spelled.startsWith(r.healed ?? '') || (r.healed ?? '').startsWith(spelled), `${f.path}: the tokens do not spell the healed text first`);
        seen.set(c.kind, (seen.get(c.kind) ?? 0) + 1);
        if (c.kind !== 'indent') continue;
        if (linePrefix.includes('\t')) tabs++;
        const where = `${f.lang} ${f.path} after ${JSON.stringify(linePrefix)}`;
        if (r.text.startsWith('\n') || r.text.startsWith(linePrefix)) bad.push(`${where}: ${JSON.stringify(r.text)}`);
        const raw = await engine.complete({ prompt, maxTokens: 10 });
        if (raw.text.startsWith('\n') || raw.text.startsWith(linePrefix)) unhealedBad.push(where);
      }
    }
    console.log(`healing: ${seen.get('indent')} line-start cursors (${tabs} after tabs), ${seen.get('identifier')} in identifiers, ${seen.get('operator')} after operators, ${seen.get('dot')} after dots; starts with a newline or doubled indentation: ${bad.length} healed, ${unhealedBad.length} unhealed`);
    assert.ok((seen.get('indent') ?? 0) >= 10 && tabs >= 1, 'too few line-start cursors');
    for (const k of ['identifier', 'operator', 'dot'] as const) assert.ok((seen.get(k) ?? 0) >= 5, `too few ${k} cursors`);
    assert.deepEqual(bad, []);
  });

  it('after a whole identifier (a selected IntelliSense item), never goes on inside it; drafting gives the same tokens', async () => {
    // Cursors right after an identifier of 4+ characters that the file follows with punctuation.
    const files = devFiles(6, { minBytes: 1500, maxBytes: 12000 });
    const word = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);
    let cursors = 0;
    let continued = 0;
    for (const f of files) {
      const re = /[A-Za-z_][A-Za-z0-9_]{3,}(?=[(.:,)\]])/g;
      let m: RegExpExecArray | null;
      let taken = 0;
      while ((m = re.exec(f.content)) && taken < 3) {
        const offset = m.index + m[0].length;
        if (offset < 400 || offset % 5 !== 0) continue;
        taken++;
        cursors++;
        const prompt = f.content.slice(Math.max(0, offset - 1200), offset);
        const free = await engine.complete({ prompt, maxTokens: 6, heal: true });
        if (word(free.text[0])) continued++;
        const r = await engine.complete({ prompt, maxTokens: 6, heal: true, wordEnd: true });
        assert.ok(!word(r.text[0]), `${f.path}: ${JSON.stringify(r.text)} goes on inside ${JSON.stringify(m[0])}`);
        assert.ok(prompt.endsWith(r.healed ?? ''));
        const spec = await engine.complete({ prompt, maxTokens: 6, heal: true, wordEnd: true }, {}, new NgramDrafter(), { kind: 'chain', depth: 4, topK: 1, totalTokens: 8, minProb: 0 });
        assert.deepEqual(spec.tokens, r.tokens, `${f.path}: drafting changed the tokens`);
      }
    }
    console.log(`word end: ${cursors} cursors after whole identifiers; without the rule ${continued} completions went on inside the word`);
    assert.ok(cursors >= 10, 'too few cursors');
    assert.ok(continued > 0, 'the model never went on inside a word here: the test shows nothing');
  });
});
