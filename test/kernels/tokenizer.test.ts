// The TypeScript BPE tokenizer against the Hugging Face `tokenizers` reference built from the same
// GGUF vocabulary, and exact round trips on arbitrary UTF-8.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readGguf } from '../../kernels/gguf';
import { Tokenizer } from '../../kernels/tokenizer';
import { defaultModel, devFiles, reference, tinyModel } from '../helpers';

const VARIED = [
  'def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n',
  'const x = await fetch(`${base}/api/v2/items?id=${id}`);\n\t\tconsole.log(x);',
  'fn main() {\n    let v: Vec<u64> = (0..1000).map(|i| i * 31337).collect();\n}\n',
  'SELECT id, name FROM users WHERE age >= 21 ORDER BY name DESC LIMIT 100;',
  'Ünïcödé — “quotes”, emoji 😀🚀, CJK 漢字かなカナ, Arabic مرحبا, Hindi नमस्ते',
  '    \n\n\n        \t\t  trailing   spaces   \r\n\r\nwindows line endings\r\n',
  "I'm sure they'll say it's what we've done, he'd said; YOU'RE right",
  '12345678901234567890 3.14159e-10 0xDEADBEEF 1_000_000',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); return 0; }',
  '',
  ' ',
  'a',
  '<|im_start|>user\nhello<|im_end|>',
  '<fim_prefix>def f(x):<fim_suffix>    return y<fim_middle>',
];

function randomUnicode(seed: number, n: number): string {
  let s = seed;
  const rnd = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 2 ** 32; };
  const ranges: [number, number][] = [[0x20, 0x7e], [0x09, 0x0d], [0xa0, 0x2ff], [0x370, 0x3ff], [0x400, 0x4ff], [0x4e00, 0x4fff], [0x1f600, 0x1f64f], [0x3040, 0x30ff], [0x0600, 0x06ff]];
  let out = '';
  for (let i = 0; i < n; i++) {
    const [a, b] = ranges[Math.floor(rnd() * ranges.length)] as [number, number];
    out += String.fromCodePoint(a + Math.floor(rnd() * (b - a + 1)));
  }
  return out;
}

describe('tokenizer (SmolLM2, byte-level BPE, smollm pre-tokenizer)', () => {
  const file = defaultModel();
  const tok = Tokenizer.fromGguf(readGguf(file));
  const code = devFiles(14, { maxBytes: 6000 }).map((f) => f.content);
  const texts = [...VARIED, ...code, randomUnicode(1, 300), randomUnicode(2, 300)];

  it('gives the reference ids (control tokens parsed, as transformers does)', () => {
    const ref = reference<{ ids: number[][] }>({ op: 'tokenize', gguf: file, texts });
    texts.forEach((t, i) => assert.deepEqual(tok.encode(t, { allowSpecial: true }), ref.ids[i], `text ${i}: ${JSON.stringify(t.slice(0, 60))}`));
  });

  it('encodes control-token strings as plain text unless allowed', () => {
    const ids = tok.encode('<|im_start|>');
    assert.ok(ids.length > 1);
    assert.equal(tok.decode(ids), '<|im_start|>');
    assert.deepEqual(tok.encode('<|im_start|>', { allowSpecial: true }).length, 1);
  });

  it('round-trips any UTF-8 text exactly', () => {
    for (let seed = 10; seed < 40; seed++) {
      const t = randomUnicode(seed, 200);
      assert.equal(tok.decode(tok.encode(t)), t);
    }
    for (const t of [...VARIED, ...code]) assert.equal(tok.decode(tok.encode(t)), t);
  });

  it('knows the end tokens of SmolLM2, and that it has no FIM tokens', () => {
    assert.equal(tok.special.eos, 2);
    assert.deepEqual([...tok.special.eog].sort(), [0, 2]);
    assert.equal(tok.tokenText(0), '<|endoftext|>');
    assert.equal(tok.special.fimPrefix, undefined);
    assert.equal(tok.special.fimSuffix, undefined);
  });
});

describe('tokenizer (tiny test vocabulary)', () => {
  it('matches the reference on a vocabulary with few merges', () => {
    const file = tinyModel('llama', 'F32');
    const tok = Tokenizer.fromGguf(readGguf(file));
    const texts = VARIED.filter((t) => !t.includes('<'));
    const ref = reference<{ ids: number[][] }>({ op: 'tokenize', gguf: file, texts });
    texts.forEach((t, i) => assert.deepEqual(tok.encode(t), ref.ids[i], `text ${i}`));
  });
});
