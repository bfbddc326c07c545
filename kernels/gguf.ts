// GGUF reader: header, metadata, tensor directory, and raw tensor bytes read on demand.
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (versions 2 and 3).
import * as fs from 'node:fs';

export const GGML_TYPE = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q8_1: 9,
  Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13, Q6_K: 14, Q8_K: 15, I8: 24, I16: 25, I32: 26, BF16: 30,
} as const;

const TYPE_NAMES: Record<number, string> = {
  ...Object.fromEntries(Object.entries(GGML_TYPE).map(([k, v]) => [v, k])),
  16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S',
  23: 'IQ4_XS', 29: 'IQ1_M', 34: 'TQ1_0', 35: 'TQ2_0', 39: 'MXFP4',
};

export function ggmlTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `type ${t}`;
}

/** The tensor types we decode (kernels/quant.ts): the one list every error message names. */
export const SUPPORTED_TYPES: readonly number[] = [
  GGML_TYPE.F32, GGML_TYPE.F16, GGML_TYPE.BF16, GGML_TYPE.Q4_0, GGML_TYPE.Q4_1,
  GGML_TYPE.Q5_0, GGML_TYPE.Q5_1, GGML_TYPE.Q8_0, GGML_TYPE.Q4_K, GGML_TYPE.Q6_K,
];

/** "F32, F16, ..., Q4_K or Q6_K". */
export function supportedTypeNames(): string {
  const names = SUPPORTED_TYPES.map(ggmlTypeName);
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1) as string}`;
}

/** [elements per block, bytes per block] for the tensor types whose size we know. */
const BLOCK: Record<number, [number, number]> = {
  [GGML_TYPE.F32]: [1, 4], [GGML_TYPE.F16]: [1, 2], [GGML_TYPE.BF16]: [1, 2],
  [GGML_TYPE.Q4_0]: [32, 18], [GGML_TYPE.Q4_1]: [32, 20],
  [GGML_TYPE.Q5_0]: [32, 22], [GGML_TYPE.Q5_1]: [32, 24],
  [GGML_TYPE.Q8_0]: [32, 34], [GGML_TYPE.Q8_1]: [32, 36],
  [GGML_TYPE.Q2_K]: [256, 84], [GGML_TYPE.Q3_K]: [256, 110], [GGML_TYPE.Q4_K]: [256, 144],
  [GGML_TYPE.Q5_K]: [256, 176], [GGML_TYPE.Q6_K]: [256, 210], [GGML_TYPE.Q8_K]: [256, 292],
  [GGML_TYPE.I8]: [1, 1], [GGML_TYPE.I16]: [1, 2], [GGML_TYPE.I32]: [1, 4],
};

/** Bytes taken by `elements` values of a ggml type, or -1 for a type we cannot size. */
export function byteSize(type: number, elements: number): number {
  const block = BLOCK[type];
  return block ? (elements / block[0]) * block[1] : -1;
}

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the contiguous (innermost) dimension. */
  dims: number[];
  type: number;
  /** Absolute byte offset of the tensor data in the file. */
  offset: number;
  byteLength: number;
  elements: number;
}

export interface GgufFile {
  path: string;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: Map<string, GgufTensorInfo>;
  fileSize: number;
}

export class GgufError extends Error {}

const MAGIC = 0x46554747; // "GGUF" little-endian

/** Reads the header with a growing window so huge files are never read whole. */
class HeaderReader {
  private buf: Buffer;
  private start = 0; // file offset of buf[0]
  pos = 0; // absolute file offset
  private static readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private fd: number, private fileSize: number, private path: string) {
    this.buf = Buffer.alloc(0);
  }

  private need(n: number): void {
    const end = this.pos + n;
    if (end > this.fileSize) {
      throw new GgufError(`${this.path}: truncated GGUF (header needs byte ${end}, file has ${this.fileSize}); re-download the model file`);
    }
    if (this.pos >= this.start && end <= this.start + this.buf.length) return;
    const size = Math.min(Math.max(n, 4 << 20), this.fileSize - this.pos);
    this.buf = Buffer.alloc(size);
    fs.readSync(this.fd, this.buf, 0, size, this.pos);
    this.start = this.pos;
  }

  private at(n: number): number {
    this.need(n);
    const off = this.pos - this.start;
    this.pos += n;
    return off;
  }

  u8(): number { const o = this.at(1); return this.buf.readUInt8(o); }
  i8(): number { const o = this.at(1); return this.buf.readInt8(o); }
  u16(): number { const o = this.at(2); return this.buf.readUInt16LE(o); }
  i16(): number { const o = this.at(2); return this.buf.readInt16LE(o); }
  u32(): number { const o = this.at(4); return this.buf.readUInt32LE(o); }
  i32(): number { const o = this.at(4); return this.buf.readInt32LE(o); }
  f32(): number { const o = this.at(4); return this.buf.readFloatLE(o); }
  f64(): number { const o = this.at(8); return this.buf.readDoubleLE(o); }
  u64(): bigint { const o = this.at(8); return this.buf.readBigUInt64LE(o); }
  i64(): bigint { const o = this.at(8); return this.buf.readBigInt64LE(o); }

  /** A u64 that must fit in a JS number (counts, sizes, offsets). */
  size(what: string): number {
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v > BigInt(this.fileSize) * 8n + 1024n) {
      throw new GgufError(`${this.path}: corrupt GGUF (${what} = ${v} is impossible for a ${this.fileSize}-byte file); re-download the model file`);
    }
    return Number(v);
  }

  str(): string {
    const n = this.size('string length');
    const off = this.at(n);
    return HeaderReader.decoder.decode(this.buf.subarray(off, off + n));
  }
}

function readValue(r: HeaderReader, type: number): GgufValue {
  switch (type) {
    case 0: return r.u8();
    case 1: return r.i8();
    case 2: return r.u16();
    case 3: return r.i16();
    case 4: return r.u32();
    case 5: return r.i32();
    case 6: return r.f32();
    case 7: return r.u8() !== 0;
    case 8: return r.str();
    case 9: {
      const itemType = r.u32();
      const n = r.size('array length');
      const out: GgufValue[] = new Array<GgufValue>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(r, itemType);
      return out;
    }
    case 10: { const v = r.u64(); return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
    case 11: { const v = r.i64(); return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v; }
    case 12: return r.f64();
    default: throw new GgufError(`corrupt GGUF: unknown metadata value type ${type}`);
  }
}

/** Parses the header of a GGUF file. Throws GgufError with a one-line, actionable message. */
export function readGguf(path: string): GgufFile {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GgufError(`model file not found: ${path}; set the model path or run the setup command to fetch the default model`);
    throw new GgufError(`cannot open model file ${path} (${code ?? String(e)}); check its permissions`);
  }
  try {
    const fileSize = fs.fstatSync(fd).size;
    const r = new HeaderReader(fd, fileSize, path);
    if (fileSize < 24 || r.u32() !== MAGIC) {
      throw new GgufError(`${path} is not a GGUF file (bad magic); point the model path at a .gguf model`);
    }
    const version = r.u32();
    if (version < 2 || version > 3) throw new GgufError(`${path}: GGUF version ${version} is not supported (2 and 3 are); convert it with a recent llama.cpp`);
    const nTensors = r.size('tensor count');
    const nKv = r.size('metadata count');
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < nKv; i++) {
      const key = r.str();
      metadata.set(key, readValue(r, r.u32()));
    }
    const infos: Omit<GgufTensorInfo, 'offset'>[] = [];
    const rel: number[] = [];
    for (let i = 0; i < nTensors; i++) {
      const name = r.str();
      const nd = r.u32();
      if (nd > 4) throw new GgufError(`${path}: corrupt GGUF (tensor ${name} has ${nd} dims)`);
      const dims: number[] = [];
      for (let d = 0; d < nd; d++) dims.push(r.size('tensor dim'));
      const type = r.u32();
      const off = r.u64();
      if (off > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError(`${path}: corrupt GGUF (tensor ${name} offset ${off}); re-download the model file`);
      rel.push(Number(off));
      const elements = dims.reduce((a, b) => a * b, 1);
      const byteLength = byteSize(type, elements);
      infos.push({ name, dims, type, byteLength, elements });
    }
    const alignment = Number(metadata.get('general.alignment') ?? 32);
    const dataStart = Math.ceil(r.pos / alignment) * alignment;
    const tensors = new Map<string, GgufTensorInfo>();
    infos.forEach((t, i) => {
      const offset = dataStart + (rel[i] as number);
      if (t.byteLength >= 0 && offset + t.byteLength > fileSize) {
        throw new GgufError(`${path}: truncated GGUF (tensor ${t.name} ends at byte ${offset + t.byteLength}, file has ${fileSize}); re-download the model file`);
      }
      tensors.set(t.name, { ...t, offset });
    });
    return { path, version, metadata, tensors, fileSize };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a tensor's raw bytes from disk. */
export function readTensorBytes(file: GgufFile, info: GgufTensorInfo): Uint8Array {
  if (info.byteLength < 0) {
    throw new GgufError(`${file.path}: tensor ${info.name} has unsupported type ${ggmlTypeName(info.type)}; use a GGUF with ${supportedTypeNames()} tensors`);
  }
  const buf = Buffer.alloc(info.byteLength);
  const fd = fs.openSync(file.path, 'r');
  try {
    let done = 0;
    while (done < info.byteLength) {
      const n = fs.readSync(fd, buf, done, info.byteLength - done, info.offset + done);
      if (n === 0) throw new GgufError(`${file.path}: truncated GGUF while reading ${info.name}; re-download the model file`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function metaString(file: GgufFile, key: string): string | undefined {
  const v = file.metadata.get(key);
  return typeof v === 'string' ? v : undefined;
}

export function metaNumber(file: GgufFile, key: string): number | undefined {
  const v = file.metadata.get(key);
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}
