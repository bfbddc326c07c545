// Tensor decoding for GGUF block formats, and repacking of 4-bit blocks for ORT's MatMulNBits.
// Block layouts follow ggml's dequantize_row_* (ggml-quants.c); each is checked in the tests
// against the gguf Python package's dequantizer on tensors it wrote.
import { GGML_TYPE, ggmlTypeName, supportedTypeNames } from './gguf';

let halfTable: Float32Array | undefined;

/** float16 bits -> float32, through a 64 Ki-entry table built once. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) t[h] = s * m * 2 ** -24;
    else if (e === 31) t[h] = m ? NaN : s * Infinity;
    else t[h] = s * (1 + m / 1024) * 2 ** (e - 15);
  }
  halfTable = t;
  return t;
}

export function halfToFloat(bits: number): number {
  return halfToFloatTable()[bits & 0xffff] as number;
}

/** float32 -> float16 bits, round to nearest even. */
export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

export { SUPPORTED_TYPES } from './gguf';

/** Decodes `n` elements of a tensor of ggml type `type` into float32. */
export function dequantize(type: number, src: Uint8Array, n: number, out = new Float32Array(n)): Float32Array {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const h = halfToFloatTable();
  const f16 = (o: number): number => h[dv.getUint16(o, true)] as number;
  switch (type) {
    case GGML_TYPE.F32:
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    case GGML_TYPE.F16:
      for (let i = 0; i < n; i++) out[i] = f16(i * 2);
      return out;
    case GGML_TYPE.BF16: {
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        tmp.setUint32(0, dv.getUint16(i * 2, true) << 16, true);
        out[i] = tmp.getFloat32(0, true);
      }
      return out;
    }
    case GGML_TYPE.Q4_0:
      for (let b = 0, o = 0; o < n; b += 18, o += 32) {
        const d = f16(b);
        for (let j = 0; j < 16; j++) {
          const q = src[b + 2 + j] as number;
          out[o + j] = ((q & 15) - 8) * d;
          out[o + j + 16] = ((q >> 4) - 8) * d;
        }
      }
      return out;
    case GGML_TYPE.Q4_1:
      for (let b = 0, o = 0; o < n; b += 20, o += 32) {
        const d = f16(b);
        const m = f16(b + 2);
        for (let j = 0; j < 16; j++) {
          const q = src[b + 4 + j] as number;
          out[o + j] = (q & 15) * d + m;
          out[o + j + 16] = (q >> 4) * d + m;
        }
      }
      return out;
    case GGML_TYPE.Q5_0:
    case GGML_TYPE.Q5_1: {
      const q51 = type === GGML_TYPE.Q5_1;
      const size = q51 ? 24 : 22;
      const head = q51 ? 4 : 2;
      for (let b = 0, o = 0; o < n; b += size, o += 32) {
        const d = f16(b);
        const m = q51 ? f16(b + 2) : 0;
        const qh = dv.getUint32(b + head, true);
        for (let j = 0; j < 16; j++) {
          const q = src[b + head + 4 + j] as number;
          const x0 = (q & 15) | (((qh >>> j) << 4) & 0x10);
          const x1 = (q >> 4) | ((qh >>> (j + 12)) & 0x10);
          out[o + j] = q51 ? x0 * d + m : (x0 - 16) * d;
          out[o + j + 16] = q51 ? x1 * d + m : (x1 - 16) * d;
        }
      }
      return out;
    }
    case GGML_TYPE.Q8_0:
      for (let b = 0, o = 0; o < n; b += 34, o += 32) {
        const d = f16(b);
        for (let j = 0; j < 32; j++) out[o + j] = dv.getInt8(b + 2 + j) * d;
      }
      return out;
    case GGML_TYPE.Q4_K:
      for (let b = 0, o = 0; o < n; b += 144, o += 256) {
        const d = f16(b);
        const dmin = f16(b + 2);
        const sc = b + 4;
        let q = b + 16;
        for (let j = 0, is = 0; j < 256; j += 64, is += 2) {
          const [s1, m1] = scaleMinK4(src, sc, is);
          const [s2, m2] = scaleMinK4(src, sc, is + 1);
          const d1 = d * s1, mm1 = dmin * m1, d2 = d * s2, mm2 = dmin * m2;
          for (let l = 0; l < 32; l++) out[o + j + l] = d1 * ((src[q + l] as number) & 15) - mm1;
          for (let l = 0; l < 32; l++) out[o + j + 32 + l] = d2 * ((src[q + l] as number) >> 4) - mm2;
          q += 32;
        }
      }
      return out;
    case GGML_TYPE.Q6_K:
      for (let b = 0, o = 0; o < n; b += 210, o += 256) {
        const d = f16(b + 208);
        for (let half = 0; half < 2; half++) {
          const ql = b + half * 64;
          const qh = b + 128 + half * 32;
          const sc = b + 192 + half * 8;
          const y = o + half * 128;
          for (let l = 0; l < 32; l++) {
            const is = l >> 4;
            const a = src[ql + l] as number;
            const c = src[ql + l + 32] as number;
            const hb = src[qh + l] as number;
            const q1 = ((a & 15) | ((hb & 3) << 4)) - 32;
            const q2 = ((c & 15) | (((hb >> 2) & 3) << 4)) - 32;
            const q3 = ((a >> 4) | (((hb >> 4) & 3) << 4)) - 32;
            const q4 = ((c >> 4) | (((hb >> 6) & 3) << 4)) - 32;
            out[y + l] = d * dv.getInt8(sc + is) * q1;
            out[y + l + 32] = d * dv.getInt8(sc + is + 2) * q2;
            out[y + l + 64] = d * dv.getInt8(sc + is + 4) * q3;
            out[y + l + 96] = d * dv.getInt8(sc + is + 6) * q4;
          }
        }
      }
      return out;
    default:
      throw new RangeError(`tensor type ${ggmlTypeName(type)} is not supported; use a GGUF with ${supportedTypeNames()} tensors`);
  }
}

function scaleMinK4(q: Uint8Array, base: number, j: number): [number, number] {
  const at = (i: number): number => q[base + i] as number;
  if (j < 4) return [at(j) & 63, at(j + 4) & 63];
  return [(at(j + 4) & 15) | ((at(j - 4) >> 6) << 4), (at(j + 4) >> 4) | ((at(j) >> 6) << 4)];
}

/**
 * Weights in ORT MatMulNBits form with integer zero points (its fast, prepacked path):
 * B [N, K/32, 16] uint8, scales [N*K/32], one uint8 zero point per block (`zeroPoints`
 * [N*K/32]), and for formats with a per-block offset (Q4_1, Q4_K) `mins` [N*K/32]:
 * w = (q - zp) * scale + min. The graph adds the offsets exactly as (block sums of x) @ mins^T.
 *
 * Where a block has an offset, its zero point is the integer nearest to -offset/scale, so that
 * the residual `min` is at most half a step: then (q - zp) * scale is the weight itself, up to
 * that half step. This matters with int8 activations, where MatMulNBits quantizes x per block
 * and the error it adds is sum_i e_i (q_i - zp) scale: with zp = 0 that is weighted by w - min,
 * whose mean is |min| (about 2.5 standard deviations of the block for Q4_1); centred, it is
 * weighted by w, as in llama.cpp's Q8 dot products (docs/BENCHMARKS.md, numerics).
 */
export interface NBitsWeight {
  n: number;
  k: number;
  packed: Uint8Array;
  scales: Float32Array;
  zeroPoints: Uint8Array;
  mins?: Float32Array;
}

/** True when a tensor of this type can feed MatMulNBits (4 bits, block 32) without requantizing. */
export function isNBitsType(type: number): boolean {
  return type === GGML_TYPE.Q4_0 || type === GGML_TYPE.Q4_1 || type === GGML_TYPE.Q4_K;
}

/**
 * Repacks a [N rows x K] GGUF tensor of Q4_0, Q4_1 or Q4_K blocks into MatMulNBits form.
 * ggml: w = d*(q - 8) (Q4_0), d*q + m (Q4_1), d*sc*q - dmin*mn (Q4_K sub-blocks of 32).
 * ggml keeps weights j and j+16 in the low/high nibbles of byte j; MatMulNBits wants 2i low and
 * 2i+1 high in byte i.
 */
export function toNBits(type: number, src: Uint8Array, n: number, k: number): NBitsWeight {
  if (k % 32 !== 0) throw new RangeError(`MatMulNBits needs K divisible by 32, got ${k}`);
  const blocks = (n * k) / 32;
  const packed = new Uint8Array(blocks * 16);
  const scales = new Float32Array(blocks);
  const mins = type === GGML_TYPE.Q4_0 ? undefined : new Float32Array(blocks);
  const zeroPoints = new Uint8Array(blocks).fill(type === GGML_TYPE.Q4_0 ? 8 : 0);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const h = halfToFloatTable();
  const f16 = (o: number): number => h[dv.getUint16(o, true)] as number;
  const nib = new Uint8Array(32);
  const put = (blk: number, d: number, m: number): void => {
    scales[blk] = d;
    if (mins) {
      const zp = d > 0 ? Math.min(15, Math.max(0, Math.round(-m / d))) : 0;
      zeroPoints[blk] = zp;
      mins[blk] = m + zp * d;
    }
    const p = blk * 16;
    for (let i = 0; i < 16; i++) packed[p + i] = (nib[2 * i] as number) | ((nib[2 * i + 1] as number) << 4);
  };
  if (type === GGML_TYPE.Q4_0 || type === GGML_TYPE.Q4_1) {
    const size = type === GGML_TYPE.Q4_0 ? 18 : 20;
    const qo = type === GGML_TYPE.Q4_0 ? 2 : 4;
    for (let blk = 0, b = 0; blk < blocks; blk++, b += size) {
      for (let j = 0; j < 16; j++) {
        const q = src[b + qo + j] as number;
        nib[j] = q & 15;
        nib[j + 16] = q >> 4;
      }
      put(blk, f16(b), type === GGML_TYPE.Q4_0 ? 0 : f16(b + 2));
    }
  } else if (type === GGML_TYPE.Q4_K) {
    for (let b = 0, blk = 0; blk < blocks; b += 144) {
      const d = f16(b);
      const dmin = f16(b + 2);
      for (let j = 0, q = b + 16; j < 4; j++, q += 32) {
        for (let hi = 0; hi < 2; hi++, blk++) {
          const [s, mn] = scaleMinK4(src, b + 4, 2 * j + hi);
          for (let l = 0; l < 32; l++) nib[l] = hi ? (src[q + l] as number) >> 4 : (src[q + l] as number) & 15;
          put(blk, d * s, -dmin * mn);
        }
      }
    }
  } else {
    throw new RangeError(`tensor type ${ggmlTypeName(type)} cannot be repacked for MatMulNBits`);
  }
  return { n, k, packed, scales, zeroPoints, mins };
}
