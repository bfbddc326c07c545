// A tiny deterministic target with the real Target contract: a byte-level tokenizer (plus a few
// merged tokens for healing), logits that depend on the last three tokens of each row's own
// context (cache + its ancestors in the block, exactly what a tree mask lets it see), KV rows that
// record (token, position, context hash), and taps. It checks positions against tree depths, so
// a loop that verifies at wrong positions fails loudly. Runs in microseconds.
import { Tokenizer } from '../../kernels/tokenizer';
import { ancestors, depths } from '../../server/engine/draft-tree';
import type { ForwardRequest, ForwardResult, Target } from '../../server/engine/forward';
import { KvCache } from '../../server/engine/kv-cache';

/** GPT-2's byte-to-character map (the tokenizer's vocabulary strings use it). */
function byteChars(): string[] {
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    out.push(String.fromCodePoint(printable ? b : 256 + extra++));
  }
  return out;
}

/** Merged tokens beyond the 256 bytes ('Ġ' = space, 'Ċ' = newline, 'ĉ' = tab in GPT-2's map). */
const MERGES = ['Ġ Ġ', 'ĠĠ ĠĠ', 'Ċ ĠĠĠĠ', 'Ġ r', 'e t', 'Ġr et', 'ĉ ĉ', 'Ċ ĉ', 'r e', 'Ġ re', 'Ġre t'];

export function fakeTokenizer(): Tokenizer {
  const tokens = byteChars();
  for (const m of MERGES) tokens.push(m.replace(' ', ''));
  const eos = tokens.length;
  tokens.push('<eos>');
  const types = tokens.map((_, i) => (i === eos ? 3 : 1));
  return new Tokenizer(tokens, MERGES, types, 'gpt2', { eos, eog: [eos] }, false);
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

export class FakeTarget implements Target {
  readonly tokenizer = fakeTokenizer();
  readonly cfg: { vocabSize: number; hidden: number };
  readonly graphOptions = { maxPositions: 1024 };
  readonly padsSingleRow = false;
  runs = 0;
  rowsRun = 0;

  /** sharpness: how peaked the logits are (higher: greedy decoding loops more, drafts match more). */
  constructor(private readonly sharpness = 4, private readonly eosBias = -50) {
    this.cfg = { vocabSize: this.tokenizer.vocabSize, hidden: 1 };
  }

  newCache(): KvCache { return new KvCache(1, 2); }

  /** Logits after a context (only its last three tokens matter). */
  logitsAfter(context: readonly number[]): Float32Array {
    const V = this.cfg.vocabSize;
    let h = 0x1234;
    for (const t of context.slice(-3)) h = mix(h, t + 1);
    const out = new Float32Array(V);
    for (let v = 0; v < V; v++) out[v] = ((mix(h, v) % 1000) / 1000) * this.sharpness;
    // A preferred printable continuation, so greedy text is readable and repeats like code does.
    out[97 + (h % 26)] = (out[97 + (h % 26)] as number) + this.sharpness;
    out[V - 1] = (out[V - 1] as number) + this.eosBias;
    return out;
  }

  async forward(cache: KvCache, req: ForwardRequest): Promise<ForwardResult> {
    this.runs++;
    const S = req.ids.length;
    this.rowsRun += S;
    const P = cache.length;
    const V = this.cfg.vocabSize;
    const parents = req.parents ?? req.ids.map((_, i) => i - 1);
    const depth = depths(parents);
    const positions = req.positions ?? req.ids.map((_, i) => P + i);
    const past = cache.tokens;
    const contexts: number[][] = [];
    const newK = new Float32Array(S * 2);
    const newV = new Float32Array(S * 2);
    const taps = new Float32Array(S * 3);
    for (let i = 0; i < S; i++) {
      if (positions[i] !== P + (depth[i] as number)) throw new RangeError(`row ${i} at position ${positions[i]}, its tree depth says ${P + (depth[i] as number)}`);
      const path = ancestors(parents, i).reverse().map((a) => req.ids[a] as number);
      const ctx = [...past, ...path];
      contexts.push(ctx);
      let h = 7;
      for (const t of ctx) h = mix(h, t + 1);
      newK.set([req.ids[i] as number, positions[i] as number], i * 2);
      newV.set([h % 65536, 0], i * 2);
      taps.set([req.ids[i] as number, positions[i] as number, h % 65536], i * 3);
    }
    const rows = req.rows ?? [S - 1];
    const logits = new Float32Array(rows.length * V);
    const argmax = new Int32Array(rows.length);
    rows.forEach((r, j) => {
      const l = this.logitsAfter(contexts[r] as number[]);
      logits.set(l, j * V);
      let best = 0;
      for (let v = 1; v < V; v++) if ((l[v] as number) > (l[best] as number)) best = v;
      argmax[j] = best;
    });
    const out: ForwardResult = { argmax, newK: [newK], newV: [newV], taps: req.taps ? taps : undefined, logits: req.logits ? logits : undefined };
    const T = req.sampleTemperature;
    if (T) {
      const K = Math.min(64, V);
      out.topLogits = new Float32Array(rows.length * K);
      out.topIds = new Int32Array(rows.length * K);
      out.lse = new Float32Array(rows.length);
      rows.forEach((_, j) => {
        const row = logits.subarray(j * V, (j + 1) * V);
        const order = Array.from(row.keys()).sort((a, b) => (row[b] as number) - (row[a] as number)).slice(0, K);
        order.forEach((id, k) => { (out.topLogits as Float32Array)[j * K + k] = row[id] as number; (out.topIds as Int32Array)[j * K + k] = id; });
        let max = -Infinity;
        for (const x of row) max = Math.max(max, x / T);
        let z = 0;
        for (const x of row) z += Math.exp(x / T - max);
        (out.lse as Float32Array)[j] = max + Math.log(z);
      });
    }
    return out;
  }

  async extend(cache: KvCache, ids: readonly number[], opts: Omit<ForwardRequest, 'ids' | 'positions' | 'parents'> = {}): Promise<ForwardResult> {
    const r = await this.forward(cache, { ...opts, ids });
    cache.append(ids, r.newK, r.newV);
    return r;
  }
}
