// GGUF reading and tensor decoding against the gguf Python package, and the loader's error lines.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { GGML_TYPE, GgufError, readGguf, readTensorBytes } from '../../kernels/gguf';
import { splitQ8 } from '../../kernels/llama-graph';
import { readModelConfig } from '../../kernels/model-config';
import { dequantize, floatToHalf, halfToFloat, toNBits } from '../../kernels/quant';
import { quantize8 } from '../../kernels/draft-graph';
import { defaultModel, reference, tinyModel } from '../helpers';

const TYPES = ['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q4_K', 'Q6_K'];

describe('GGUF reader', () => {
  it('reads the default model header and config', () => {
    const f = readGguf(defaultModel());
    assert.equal(f.version, 3);
    assert.equal(f.metadata.get('general.architecture'), 'llama');
    assert.equal(f.tensors.size, 272);
    const cfg = readModelConfig(f);
    assert.deepEqual([cfg.nLayers, cfg.hidden, cfg.nHeads, cfg.nKvHeads, cfg.headDim, cfg.ffn, cfg.vocabSize],
      [30, 576, 9, 3, 64, 1536, 49152]);
    assert.equal(cfg.tiedEmbeddings, true);
    assert.deepEqual(cfg.tapLayers, [2, 15, 27]);
    assert.equal(f.tensors.get('token_embd.weight')?.type, GGML_TYPE.Q8_0);
    assert.equal(f.tensors.get('blk.0.attn_q.weight')?.type, GGML_TYPE.Q4_1);
  });

  for (const type of TYPES) {
    it(`decodes ${type} tensors exactly as gguf's dequantize`, () => {
      const file = tinyModel('llama', type);
      const g = readGguf(file);
      const names = ['blk.0.attn_k.weight', 'blk.1.ffn_down.weight'];
      const ref = reference<{ values: Record<string, number[]> }>({ op: 'dequantize', gguf: file, names });
      for (const name of names) {
        const t = g.tensors.get(name);
        assert.ok(t, name);
        const ours = dequantize(t.type, readTensorBytes(g, t), t.elements);
        const want = ref.values[name] as number[];
        assert.equal(ours.length, want.length);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((ours[i] as number) - (want[i] as number)));
        assert.ok(worst <= 1e-6, `${name} (${type}) differs by ${worst}`);
      }
    });
  }

  for (const type of ['Q4_0', 'Q4_1', 'Q4_K']) {
    it(`repacks ${type} for MatMulNBits without changing any weight`, () => {
      const g = readGguf(tinyModel('llama', type));
      const t = g.tensors.get('blk.0.ffn_gate.weight');
      assert.ok(t);
      const [k, n] = t.dims as [number, number];
      const bytes = readTensorBytes(g, t);
      const want = dequantize(t.type, bytes, t.elements);
      const nb = toNBits(t.type, bytes, n, k);
      let worst = 0;
      for (let i = 0; i < n * k; i++) {
        const blk = Math.floor(i / 32);
        const j = i % 32;
        const byte = nb.packed[blk * 16 + (j >> 1)] as number;
        const q = j & 1 ? byte >> 4 : byte & 15;
        const zp = nb.zeroPoints[blk] as number;
        assert.ok(zp <= 15);
        const w = (q - zp) * (nb.scales[blk] as number) + (nb.mins?.[blk] ?? 0);
        worst = Math.max(worst, Math.abs(w - (want[i] as number)));
      }
      assert.ok(worst < 1e-6, `worst difference ${worst}`);
      // Centred: where a block has an offset, its zero point leaves at most half a step of it
      // (unless the offset lies beyond 0..15 steps), so int8 activation error is weighted by w.
      let centred = 0;
      for (let blk = 0; blk < (n * k) / 32; blk++) {
        if (type === 'Q4_0') { assert.equal(nb.zeroPoints[blk], 8); continue; }
        const zp = nb.zeroPoints[blk] as number;
        const s = nb.scales[blk] as number;
        const m = nb.mins?.[blk] as number;
        if (zp > 0 && zp < 15) { assert.ok(Math.abs(m) <= s / 2 + 1e-6 * s, `block ${blk}: offset ${m} with step ${s}`); centred++; }
      }
      if (type !== 'Q4_0') assert.ok(centred > 0, 'some block is centred');
    });
  }

  it('quantizes draft-head weights to symmetric 8-bit blocks within half a step of every value', () => {
    const n = 32 * 40;
    const w = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * (1 + (i % 97)) * 1e-2);
    w.fill(0, 64, 96); // an all-zero block
    const { packed, scales } = quantize8(w, n);
    assert.equal(scales.length, n / 32);
    assert.equal(scales[2], 0);
    for (let i = 0; i < n; i++) {
      const s = scales[Math.floor(i / 32)] as number;
      const q = (packed[i] as number) - 128;
      assert.ok(q >= -127 && q <= 127, `value ${i}: ${q}`);
      assert.ok(Math.abs(q * s - (w[i] as number)) <= s / 2 + 1e-9, `value ${i}: ${q * s} vs ${w[i]}`);
    }
    // The largest value of each block is exact up to rounding of its scale: q = +-127.
    for (let b = 0; b < n / 32; b++) {
      if (scales[b] === 0) continue;
      const block = Array.from(packed.subarray(b * 32, (b + 1) * 32), (u) => Math.abs(u - 128));
      assert.equal(Math.max(...block), 127);
    }
  });

  it('splits Q8_0 into int8 values and scales whose products are the dequantized values, exactly', () => {
    // The target graph looks the embedding up as int8 * scale (kernels/llama-graph.ts): each
    // product must be exact in float32, so any float32 multiply gives the dequantized row bit for bit.
    const f = readGguf(defaultModel());
    const t = f.tensors.get('token_embd.weight');
    assert.ok(t && t.type === GGML_TYPE.Q8_0);
    const n = t.elements;
    const { q, scales } = splitQ8(readTensorBytes(f, t), n);
    const want = dequantize(t.type, readTensorBytes(f, t), n);
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      const p = (q[i] as number) * (scales[i >> 5] as number);
      if (Math.fround(p) !== p || p !== want[i]) mismatches++;
    }
    assert.equal(mismatches, 0);
    assert.ok(q.some((v) => v < 0) && q.some((v) => v > 0));
  });

  it('converts float16 both ways', () => {
    for (const v of [0, 1, -2.5, 65504, 6.1035e-5, 5.96e-8, 0.1, -1234.5]) {
      const back = halfToFloat(floatToHalf(v));
      assert.ok(Math.abs(back - v) <= Math.abs(v) * 1e-3 + 6e-8, `${v} -> ${back}`);
    }
    assert.equal(floatToHalf(1), 0x3c00);
    assert.equal(floatToHalf(-2), 0xc000);
  });
});

describe('GGUF errors are one actionable line', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-bad-'));
  const oneLine = (fn: () => unknown, pattern: RegExp): void => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof GgufError, `expected GgufError, got ${String(e)}`);
      assert.ok(!e.message.includes('\n'), 'message must be one line');
      assert.match(e.message, pattern);
      return true;
    });
  };

  it('missing file', () => oneLine(() => readGguf(path.join(tmp, 'nope.gguf')), /model file not found: .*nope\.gguf; set the model path or run the setup command/));

  it('not a GGUF', () => {
    const p = path.join(tmp, 'text.gguf');
    fs.writeFileSync(p, 'hello world, this is not a model at all');
    oneLine(() => readGguf(p), /is not a GGUF file \(bad magic\)/);
  });

  it('truncated GGUF (header cut)', () => {
    const p = path.join(tmp, 'cut-header.gguf');
    const src = fs.readFileSync(tinyModel('llama', 'Q8_0'));
    fs.writeFileSync(p, src.subarray(0, 300));
    oneLine(() => readGguf(p), /truncated GGUF .*re-download the model file/);
  });

  it('truncated GGUF (tensor data cut)', () => {
    const p = path.join(tmp, 'cut-data.gguf');
    const src = fs.readFileSync(tinyModel('llama', 'Q8_0'));
    fs.writeFileSync(p, src.subarray(0, src.length - 1000));
    oneLine(() => readGguf(p), /truncated GGUF \(tensor .* ends at byte \d+, file has \d+\); re-download/);
  });

  it('unsupported architecture', () => {
    const p = path.join(tmp, 'arch.gguf');
    const src = Buffer.from(fs.readFileSync(tinyModel('llama', 'F16')));
    // Same-length rename of the architecture value and its metadata keys: llama -> gemma.
    const patched = Buffer.from(src.toString('latin1').replace(/llama/g, 'gemma'), 'latin1');
    fs.writeFileSync(p, patched);
    oneLine(() => readModelConfig(readGguf(p)), /architecture 'gemma' is not supported \(supported: llama, qwen2\); use a Llama-family GGUF/);
  });

  it('unsupported tensor type', () => {
    const p = path.join(tmp, 'type.gguf');
    const src = Buffer.from(fs.readFileSync(tinyModel('llama', 'Q8_0')));
    const g = readGguf(tinyModel('llama', 'Q8_0'));
    // Rewrite the type field (u32 after the dims) of the first tensor's directory entry to IQ2_XXS (16).
    const name = Buffer.from('token_embd.weight');
    const at = src.indexOf(name);
    const info = g.tensors.get('token_embd.weight');
    assert.ok(info && at > 0);
    const typeOffset = at + name.length + 4 + 8 * info.dims.length;
    assert.equal(src.readUInt32LE(typeOffset), GGML_TYPE.Q8_0);
    src.writeUInt32LE(16, typeOffset);
    fs.writeFileSync(p, src);
    oneLine(() => readModelConfig(readGguf(p)), /tensor token_embd\.weight has type IQ2_XXS, which is not supported; use a GGUF quantized as/);
  });
});
