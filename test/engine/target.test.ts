// The target graph against transformers on the same GGUF: whole prompts, cached step-by-step
// decoding, a tree-shaped block with a custom mask, greedy continuations of real code, and every
// supported architecture and tensor type on tiny random-weight models.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_GRAPH_OPTIONS, FP32_GRAPH_OPTIONS } from '../../kernels/llama-graph';
import { compare, ourScores } from '../../server/bench/numerics';
import { Engine } from '../../server/engine/engine';
import { spinConfig, spinMode, TargetModel, threadCount } from '../../server/engine/target';
import { defaultModel, devFiles, type LogitsReply, reference, refRow, tinyModel } from '../helpers';

/** Largest |a - b| over a row of ours (offset into a flat array) and a reference row. */
function maxDiff(ours: Float32Array, offset: number, ref: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs((ours[offset + i] as number) - (ref[i] as number)));
  return worst;
}

async function allLogits(t: TargetModel, ids: number[]): Promise<Float32Array> {
  const cache = t.newCache();
  const r = await t.forward(cache, { ids, rows: ids.map((_, i) => i), logits: true });
  return r.logits as Float32Array;
}

/**
 * A tree-shaped block after 48 tokens of a prompt: 0 is the root; 1, 2 children of 0; 3 child of
 * 1; 4 child of 2; 5 child of 3. `requests`: each node's path as an ordinary sequence, then the
 * whole block through transformers' own 4-D mask with the same positions.
 */
function treeBlock(ids: number[]) {
  const P = 48;
  const prefix = ids.slice(0, P);
  const tokens = [ids[P], ids[P + 1], 1234, ids[P + 2], 567, ids[P + 3]] as number[];
  const parent = [-1, 0, 0, 1, 2, 3];
  const S = tokens.length;
  const depth = parent.map(function d(p: number): number { return p < 0 ? 0 : 1 + d(parent[p] as number); });
  const ancestors = (i: number): number[] => (i < 0 ? [] : [...ancestors(parent[i] as number), i]);
  const paths = tokens.map((_, i) => [...prefix, ...ancestors(i).map((a) => tokens[a] as number)]);
  const allowed = tokens.map((_, i) => [...Array(P).fill(true), ...tokens.map((__, j) => ancestors(i).includes(j))]);
  const full = [...prefix.map((_, i) => prefix.map((__, j) => j <= i).concat(Array(S).fill(false))), ...allowed];
  const requests = (gguf: string): unknown[] => [
    ...paths.map((p) => ({ op: 'logits', gguf, ids: p, rows: [p.length - 1] })),
    { op: 'logits', gguf, ids: [...prefix, ...tokens], mask: full, positions: [...prefix.map((_, i) => i), ...depth.map((d) => P + d)], rows: tokens.map((_, i) => P + i) },
  ];
  return { P, prefix, tokens, parent, depth, requests };
}

// Tolerances: our graph and transformers compute in fp32 from the same dequantized weights, in
// different orders; differences of a few 1e-4 on logits of magnitude ~20 are rounding.
const EXACT_TOL = 2e-3;
// The optional int8 LM head (ORT's fast 8-bit kernel on int8 activations) is lossy: measured up
// to 0.50 on these prompts, and it changes some greedy continuations (so only the fp32, exact
// graph is held to transformers' tokens below; the default int8 numerics have their own bound, last in that suite).
const INT8_HEAD_TOL = 1.0;

describe('SmolLM2-135M Q4_1 against transformers', () => {
  const file = defaultModel();
  let exact: TargetModel;
  let fast: TargetModel;
  const code = devFiles(3, { minBytes: 1500, maxBytes: 8000 });
  let prompts: number[][];
  let ref: LogitsReply[];
  let refGreedy: { ids: number[] }[];
  let tree: ReturnType<typeof treeBlock>;
  let treeRefs: LogitsReply[];
  let windows: number[][];
  let scored: { argmax: number[][]; logp: number[][] };

  before(async () => {
    // fp32 activations and the exact head: the reference's arithmetic (the default numerics are
    // int8; they are held to their own bound below).
    exact = await TargetModel.load({ modelPath: file, device: 'cpu', graph: FP32_GRAPH_OPTIONS });
    fast = await TargetModel.load({ modelPath: file, device: 'cpu', graph: { ...FP32_GRAPH_OPTIONS, head: 'int8' } });
    assert.equal(exact.graphOptions.head, 'f32');
    prompts = code.map((f) => exact.tokenizer.encode(f.content).slice(0, 96));
    tree = treeBlock(prompts[1] as number[]);
    windows = devFiles(24, { minBytes: 4000, maxBytes: 60000 })
      .map((f) => exact.tokenizer.encode(f.content)).filter((ids) => ids.length >= 256).slice(0, 6).map((ids) => ids.slice(ids.length - 256));
    // Every request in one process: transformers loads the GGUF in ~20 s.
    const batch = [
      ...prompts.map((ids) => ({ op: 'logits', gguf: file, ids })),
      ...prompts.map((ids) => ({ op: 'greedy', gguf: file, ids, n: 32 })),
      ...tree.requests(file),
      { op: 'score', gguf: file, windows },
    ];
    const out = reference<unknown[]>({ batch });
    ref = out.slice(0, prompts.length) as LogitsReply[];
    refGreedy = out.slice(prompts.length, 2 * prompts.length) as { ids: number[] }[];
    treeRefs = out.slice(2 * prompts.length, -1) as LogitsReply[];
    scored = out.at(-1) as typeof scored;
  });
  after(async () => { await exact.dispose(); await fast.dispose(); });

  it(`whole-prompt logits within ${EXACT_TOL} (exact head) and ${INT8_HEAD_TOL} (int8 head)`, async () => {
    for (let p = 0; p < prompts.length; p++) {
      const ids = prompts[p] as number[];
      const r = ref[p] as LogitsReply;
      const ours = await allLogits(exact, ids);
      const oursFast = await allLogits(fast, ids);
      const V = exact.cfg.vocabSize;
      let worst = 0;
      let worstFast = 0;
      for (let i = 0; i < ids.length; i++) {
        worst = Math.max(worst, maxDiff(ours, i * V, refRow(r, i)));
        worstFast = Math.max(worstFast, maxDiff(oursFast, i * V, refRow(r, i)));
      }
      assert.ok(worst < EXACT_TOL, `prompt ${p}: exact head differs by ${worst}`);
      assert.ok(worstFast < INT8_HEAD_TOL, `prompt ${p}: int8 head differs by ${worstFast}`);
    }
  });

  it('cached step-by-step decoding gives the whole-prompt logits', async () => {
    const ids = prompts[0] as number[];
    const r = ref[0] as LogitsReply;
    const V = exact.cfg.vocabSize;
    const cache = exact.newCache();
    const split = 40;
    const first = await exact.extend(cache, ids.slice(0, split), { rows: [split - 1], logits: true });
    assert.ok(maxDiff(first.logits as Float32Array, 0, refRow(r, split - 1)) < EXACT_TOL);
    for (let i = split; i < ids.length; i++) {
      const step = await exact.extend(cache, [ids[i] as number], { logits: true });
      const d = maxDiff(step.logits as Float32Array, 0, refRow(r, i));
      assert.ok(d < EXACT_TOL, `step ${i} differs by ${d}`);
      assert.equal(step.argmax[0], r.argmax[i]);
    }
    assert.equal(cache.length, ids.length);
    // The logits cover the whole vocabulary of the reference (one row per step).
    assert.equal(V, r.shape[1]);
    // What one more step feeds and fetches (on CUDA all of it crosses host <-> device): the
    // whole past KV cache in, only the new rows (padded to two), the argmax and one logits row out.
    const before = { ...exact.traffic };
    await exact.extend(cache, [ids[0] as number], { logits: true });
    const width = exact.cfg.nKvHeads * exact.cfg.headDim;
    const P = ids.length;
    assert.equal(exact.traffic.runs - before.runs, 1);
    assert.equal(exact.traffic.pastBytesIn - before.pastBytesIn, P * width * 4 * 2 * exact.cfg.nLayers);
    assert.equal(exact.traffic.bytesOut - before.bytesOut, 2 * width * 4 * 2 * exact.cfg.nLayers + 8 + V * 4);
  });

  it('a tree-shaped block with a custom mask and depth positions gives each path\'s logits', async () => {
    const { P, prefix, tokens, parent, depth } = tree;
    const S = tokens.length;
    const cache = exact.newCache();
    await exact.extend(cache, prefix);
    const r = await exact.forward(cache, { ids: tokens, positions: depth.map((d) => P + d), parents: parent, rows: tokens.map((_, i) => i), logits: true });
    // Reference 1: each node's path as an ordinary sequence. Reference 2: the whole block through
    // transformers' own 4-D mask with the same positions.
    const viaMask = treeRefs[S] as LogitsReply;
    const V = exact.cfg.vocabSize;
    for (let i = 0; i < S; i++) {
      const d = maxDiff(r.logits as Float32Array, i * V, refRow(treeRefs[i] as LogitsReply, 0));
      assert.ok(d < EXACT_TOL, `node ${i} differs by ${d}`);
    }
    for (let i = 0; i < S; i++) assert.ok(maxDiff(r.logits as Float32Array, i * V, refRow(viaMask, i)) < EXACT_TOL);
  });

  it('greedy continuation of real code (32 tokens) equals transformers generate', async () => {
    for (const model of [exact]) {
      for (let p = 0; p < prompts.length; p++) {
        const engine = new Engine(model);
        const prompt = model.tokenizer.decode(prompts[p] as number[]);
        assert.deepEqual(engine.promptIds({ prompt, maxTokens: 32 }), prompts[p]);
        const r = await engine.complete({ prompt, maxTokens: 32, ignoreEos: true });
        assert.deepEqual(r.tokens, (refGreedy[p] as { ids: number[] }).ids, `prompt ${p} (${model.graphOptions.head} head)`);
      }
    }
  });

  it('prefix reuse gives the same tokens as a cold run and recomputes only the new suffix', async () => {
    const f = code[2] as { content: string };
    const warm = new Engine(fast);
    const a = f.content.slice(0, 700);
    const b = f.content.slice(0, 760);
    await warm.complete({ prompt: a, maxTokens: 8 });
    const rWarm = await warm.complete({ prompt: b, maxTokens: 24 });
    const rCold = await new Engine(fast).complete({ prompt: b, maxTokens: 24 });
    assert.deepEqual(rWarm.tokens, rCold.tokens);
    assert.equal(rWarm.text, rCold.text);
    assert.ok(rWarm.timings.reusedTokens > 150, `reused ${rWarm.timings.reusedTokens}`);
    assert.equal(rWarm.timings.reusedTokens + rWarm.timings.prefillTokens, rWarm.timings.promptTokens);
    assert.ok(rWarm.timings.prefillTokens < 30, `prefilled ${rWarm.timings.prefillTokens}`);
    // A shorter prompt that diverges inside the cache also matches a cold run.
    const c = f.content.slice(0, 650);
    assert.deepEqual((await warm.complete({ prompt: c, maxTokens: 16 })).tokens, (await new Engine(fast).complete({ prompt: c, maxTokens: 16 })).tokens);
  });

  // bench-numerics' rule made them the default because they lose no more than llama.cpp's own
  // 8-bit activations (top-1 agreement 97.8-98.4% and perplexity +0.5% on its windows; llama.cpp
  // 98.0-98.1%, +0.5%). With the Q4_1 offsets taken off a zero point of 0 instead of centred per
  // block (kernels/quant.ts toNBits), the same windows gave 95.1% and +1.8%: these bounds fail then.
  it('the default numerics (int8 activations, 8-bit LM head) agree on the top-1 token at >= 97% of 1,530 positions, perplexity within 1%', async () => {
    const t = await TargetModel.load({ modelPath: file, device: 'cpu' });
    try {
      assert.equal(t.graphOptions.accuracyLevel, DEFAULT_GRAPH_OPTIONS.accuracyLevel);
      assert.equal(t.graphOptions.head, 'int8');
      assert.equal(windows.length, 6);
      const q = compare('dev', 'default', await ourScores(t, windows), scored);
      assert.equal(q.positions, 6 * 255);
      assert.ok(q.top1_agreement >= 0.97, `top-1 agreement ${(q.top1_agreement * 100).toFixed(2)}%`);
      assert.ok(Math.abs(q.ppl_change) <= 0.01, `perplexity change ${(q.ppl_change * 100).toFixed(2)}%`);
    } finally {
      await t.dispose();
    }
  });
});

describe('every architecture and tensor type against transformers (tiny random models)', () => {
  const cases: { arch: 'llama' | 'qwen2'; type: string; untied?: boolean }[] = [
    { arch: 'llama', type: 'F32', untied: true }, { arch: 'llama', type: 'F16' }, { arch: 'llama', type: 'BF16' },
    { arch: 'llama', type: 'Q4_0' }, { arch: 'llama', type: 'Q4_1' }, { arch: 'llama', type: 'Q5_0' },
    { arch: 'llama', type: 'Q5_1' }, { arch: 'llama', type: 'Q8_0' }, { arch: 'llama', type: 'Q4_K' },
    { arch: 'llama', type: 'Q6_K' }, { arch: 'qwen2', type: 'Q8_0' }, { arch: 'qwen2', type: 'Q4_1', untied: true },
  ];
  const ids = [40, 257, 71, 258, 33, 99, 100, 101, 266, 48, 49, 50, 260, 62];
  const files = cases.map((c) => tinyModel(c.arch, c.type, c));
  let refs: LogitsReply[];
  before(() => { refs = reference<LogitsReply[]>({ batch: files.map((gguf) => ({ op: 'logits', gguf, ids })) }); });

  cases.forEach((c, k) => {
    it(`${c.arch} ${c.type}${c.untied ? ' (untied head)' : ''}: nbits and f32 graphs`, async () => {
      for (const weights of ['nbits', 'f32'] as const) {
        const t = await TargetModel.load({ modelPath: files[k] as string, device: 'cpu', graph: { weights, ...FP32_GRAPH_OPTIONS } });
        const ours = await allLogits(t, ids);
        const V = t.cfg.vocabSize;
        const r = refs[k] as LogitsReply;
        let worst = 0;
        for (let i = 0; i < ids.length; i++) worst = Math.max(worst, maxDiff(ours, i * V, refRow(r, i)));
        assert.ok(worst < 1e-3, `${weights}: differs by ${worst}`);
        await t.dispose();
      }
    });
  });
});

describe('the graph cache on disk', () => {
  it('a cached graph whose weights file is gone is built again, once, with a log line, and computes the same', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-graphs-'));
    const ids = [40, 257, 71, 258, 33];
    const modelPath = tinyModel('llama', 'Q4_1');
    const logs: string[] = [];
    const load = (): Promise<TargetModel> => TargetModel.load({ modelPath, device: 'cpu', cacheDir, log: (l) => logs.push(l) });
    const first = await load();
    const want = await allLogits(first, ids);
    await first.dispose();
    const graphs = fs.readdirSync(path.join(cacheDir, 'graphs'));
    const data = graphs.find((f) => f.endsWith('.onnx.data'));
    assert.ok(data, `a weights file beside the graph: ${graphs.join(', ')}`);
    assert.equal(logs.filter((l) => l.startsWith('building the ONNX graph')).length, 1);
    fs.rmSync(path.join(cacheDir, 'graphs', data));
    const again = await load();
    assert.deepEqual(await allLogits(again, ids), want);
    await again.dispose();
    assert.match(logs.find((l) => l.includes('did not load')) ?? '', /^the cached graph .*\.onnx did not load \(.*\); building it again$/);
    assert.equal(logs.filter((l) => l.startsWith('building the ONNX graph')).length, 2);
    assert.ok(fs.existsSync(path.join(cacheDir, 'graphs', data)));
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });
});

describe('how the target\'s threads wait (spin modes), and how many there are', () => {
  // The suite runs with PRISM_ORT_SPIN=off and PRISM_ORT_THREADS=1 (scripts/setup.sh); these tests
  // are about the defaults.
  const env = { spin: process.env.PRISM_ORT_SPIN, threads: process.env.PRISM_ORT_THREADS };
  before(() => { delete process.env.PRISM_ORT_SPIN; delete process.env.PRISM_ORT_THREADS; });
  after(() => {
    for (const [k, v] of [['PRISM_ORT_SPIN', env.spin], ['PRISM_ORT_THREADS', env.threads]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  it('defaults to spinning within a run only; PRISM_ORT_SPIN overrides the option; a bad value says what to set', () => {
    assert.equal(spinMode(undefined, undefined), 'run');
    assert.equal(spinMode('off', undefined), 'off');
    assert.equal(spinMode('off', ''), 'off');
    assert.equal(spinMode('run', 'always'), 'always');
    assert.throws(() => spinMode(undefined, '1'), { message: 'PRISM_ORT_SPIN must be one of run, always, off (got "1"); unset it for the default' });
    assert.deepEqual(spinConfig('run'), { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '0' }, force_spinning_stop: '1' });
    assert.deepEqual(spinConfig('always'), { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '0' }, force_spinning_stop: '0' });
    assert.deepEqual(spinConfig('off'), { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' }, force_spinning_stop: '0' });
  });

  it('a thread per core by default; PRISM_ORT_THREADS overrides the option; a bad value says what to set', () => {
    assert.equal(threadCount(undefined, undefined), 0);
    assert.equal(threadCount(2, undefined), 2);
    assert.equal(threadCount(2, ''), 2);
    assert.equal(threadCount(2, '1'), 1);
    for (const bad of ['0', 'two', '1.5', '-1']) {
      assert.throws(() => threadCount(undefined, bad), { message: `PRISM_ORT_THREADS must be a whole number of threads, 1 or more (got "${bad}"); unset it for a thread per core` });
    }
  });

  it('one thread and two give the same logits bit for bit (SmolLM2, default numerics: a prompt\'s rows and a step)', async () => {
    let want: number[] | undefined;
    for (const threads of [1, 2]) {
      const lines: string[] = [];
      const t = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu', threads, log: (l) => lines.push(l) });
      try {
        assert.ok(lines.includes(`onnxruntime on the CPU: ${threads} thread${threads === 1 ? '' : 's'}, spin mode run`), lines.join('; '));
        const ids = t.tokenizer.encode('def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n\nclass Tree:\n    def __init__(self, left, right):\n        self.left = left');
        const cache = t.newCache();
        const all = await t.forward(cache, { ids, rows: ids.map((_, i) => i), logits: true });
        const step = await t.forward(cache, { ids: [ids[3] as number], logits: true });
        const got = [...(all.logits as Float32Array), ...(step.logits as Float32Array)];
        assert.equal(got.length, (ids.length + 1) * t.cfg.vocabSize);
        if (want) assert.ok(got.every((x, i) => x === want?.[i]), 'one thread and two differ');
        want = got;
      } finally {
        await t.dispose();
      }
    }
  });

  it('onnxruntime takes every mode, and the logits are the same bit for bit', async () => {
    const ids = [40, 257, 71, 258, 33, 99, 100];
    const modelPath = tinyModel('llama', 'Q4_1');
    let want: Float32Array | undefined;
    for (const spin of ['run', 'always', 'off'] as const) {
      const lines: string[] = [];
      const t = await TargetModel.load({ modelPath, device: 'cpu', threads: 2, spin, log: (l) => lines.push(l) });
      assert.ok(lines.includes(`onnxruntime on the CPU: 2 threads, spin mode ${spin}`), lines.join('; '));
      const got = await allLogits(t, ids);
      await t.dispose();
      if (want) assert.deepEqual(got, want, spin);
      want = got;
    }
  });
});
