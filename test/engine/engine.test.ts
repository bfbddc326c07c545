// Plain decoding behaviour: the sampler's distribution, stop sequences, token budget, and the
// worker client's cancellation, ordering and error lines.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EngineClient } from '../../server/engine/client';
import { Engine, PREFILL_CHUNK, SETTLE_TAIL, WARM_CHUNK } from '../../server/engine/engine';
import { Emitter, firstLineCut } from '../../server/engine/emitter';
import { Tokenizer } from '../../kernels/tokenizer';
import { readGguf } from '../../kernels/gguf';
import { drawFrom, Rng, sampleToken, targetDistribution } from '../../server/engine/sampler';
import { TargetModel } from '../../server/engine/target';
import { ABORT_ELSEWHERE } from '../../server/engine/types';
import { defaultModel, ROOT, tinyModel } from '../helpers';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { cachedGraph, graphDataFile } from '../../server/engine/graph-cache';
import { DT, GraphBuilder } from '../../kernels/onnx';
import { spawnSync } from 'node:child_process';
import { builderHash } from '../../kernels/llama-graph';
import { draftBuilderHash } from '../../kernels/draft-graph';

const WORKER = path.join(__dirname, '..', '..', 'server', 'engine', 'worker.js');

describe('sampler', () => {
  const logits = Float32Array.from([2.0, 1.0, 0.5, 0.0, -1.0, 3.0]);

  it('builds p = softmax(logits / T), top-k then top-p, renormalised', () => {
    const full = targetDistribution(logits, { temperature: 0.7, topK: 0, topP: 1, seed: 0 });
    const z = Array.from(logits).reduce((a, l) => a + Math.exp(l / 0.7), 0);
    assert.deepEqual(Array.from(full.ids), [0, 1, 2, 3, 4, 5]); // untruncated: every id, in id order
    full.ids.forEach((id, i) => assert.ok(Math.abs((full.probs[i] as number) - Math.exp((logits[id] as number) / 0.7) / z) < 1e-12));
    const k3 = targetDistribution(logits, { temperature: 1, topK: 3, topP: 1, seed: 0 });
    assert.deepEqual(Array.from(k3.ids), [5, 0, 1]);
    const z3 = Math.exp(3) + Math.exp(2) + Math.exp(1);
    assert.ok(Math.abs((k3.probs[0] as number) - Math.exp(3) / z3) < 1e-12);
    // top-p: the smallest prefix of the sorted tokens whose mass reaches p.
    const p = targetDistribution(logits, { temperature: 1, topK: 0, topP: 0.8, seed: 0 });
    const zf = Array.from(logits).reduce((a, l) => a + Math.exp(l), 0);
    const m0 = Math.exp(3) / zf;
    const m1 = m0 + Math.exp(2) / zf;
    assert.ok(m0 < 0.8 && m1 >= 0.8);
    assert.deepEqual(Array.from(p.ids), [5, 0]);
    assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it('draws tokens with the frequencies of p (chi-square, false-alarm rate 1e-3)', () => {
    const params = { temperature: 1.3, topK: 5, topP: 0.95, seed: 0 };
    const dist = targetDistribution(logits, params);
    const rng = new Rng(1234);
    const n = 20000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) { const t = drawFrom(dist, rng.next()); counts.set(t, (counts.get(t) ?? 0) + 1); }
    let chi2 = 0;
    dist.ids.forEach((id, i) => { const e = n * (dist.probs[i] as number); chi2 += ((counts.get(id) ?? 0) - e) ** 2 / e; });
    for (const id of counts.keys()) assert.ok(dist.ids.includes(id), `drew ${id}, outside the support`);
    // df = support - 1 (at most 4): the 0.999 quantile of chi-square(4) is 18.47.
    assert.ok(chi2 < 18.47, `chi2 ${chi2}`);
  });

  it('is greedy at temperature 0 and reproducible for a seed', () => {
    assert.equal(sampleToken(logits, { temperature: 0, topK: 0, topP: 1, seed: 0 }, new Rng(1)), 5);
    const run = (seed: number): number[] => { const r = new Rng(seed); return Array.from({ length: 50 }, () => sampleToken(logits, { temperature: 1, topK: 0, topP: 1, seed }, r)); };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
  });
});

describe('engine (SmolLM2)', () => {
  let target: TargetModel;
  before(async () => { target = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu' }); });
  after(async () => { await target.dispose(); });
  const prompt = 'def is_prime(n: int) -> bool:\n    """Return True if n is a prime number."""\n';

  it('stops at max tokens', async () => {
    const r = await new Engine(target).complete({ prompt, maxTokens: 7, ignoreEos: true });
    assert.equal(r.tokens.length, 7);
    assert.equal(r.finishReason, 'length');
    assert.equal(r.text, target.tokenizer.decode(r.tokens));
  });

  it('stops before a stop sequence and leaves it out', async () => {
    const e = new Engine(target);
    const free = await e.complete({ prompt, maxTokens: 40, ignoreEos: true });
    const lines = free.text.split('\n');
    assert.ok(lines.length > 2, `need a multi-line completion, got ${JSON.stringify(free.text)}`);
    const stop = '\n';
    const r = await e.complete({ prompt, maxTokens: 40, stop: [stop] });
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.text, free.text.slice(0, free.text.indexOf(stop)));
    // A stop string spanning tokens: the middle of the second line.
    const second = lines[1] as string;
    const mid = second.slice(Math.floor(second.length / 3), Math.floor(second.length / 3) + 4);
    if (mid.trim().length > 0) {
      const r2 = await e.complete({ prompt, maxTokens: 40, stop: [mid] });
      assert.equal(r2.text, free.text.slice(0, free.text.indexOf(mid)));
    }
  });

  it('samples reproducibly with a seed, and differently with another', async () => {
    const e = new Engine(target);
    const s = (seed: number): Promise<number[]> => e.complete({ prompt, maxTokens: 16, ignoreEos: true, sampling: { temperature: 1, topK: 50, topP: 0.95, seed } }).then((r) => r.tokens);
    const a = await s(1);
    assert.deepEqual(await s(1), a);
    const others = [await s(2), await s(3), await s(4)];
    assert.ok(others.some((o) => JSON.stringify(o) !== JSON.stringify(a)));
  });
});

describe('engine client (worker thread)', () => {
  let client: EngineClient;
  before(async () => { client = await EngineClient.start({ modelPath: defaultModel(), device: 'cpu' }, () => undefined, WORKER); });
  after(async () => { await client.dispose(); });

  it('reports the loaded model', () => {
    assert.equal(client.info.config.arch, 'llama');
    assert.equal(client.info.device, 'cpu');
    assert.equal(client.info.fim, false);
  });

  it('cancels between decode steps and keeps the main thread responsive', async () => {
    const ac = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 5);
    let pieces = 0;
    const r = await client.complete({ prompt: 'for (let i = 0; i < 10; i++) {\n', maxTokens: 400, ignoreEos: true }, {
      signal: ac.signal,
      onText: () => { pieces++; if (pieces === 5) ac.abort(); },
    });
    clearInterval(timer);
    assert.equal(r.finishReason, 'cancelled');
    assert.ok(r.tokens.length >= 5 && r.tokens.length < 400, `generated ${r.tokens.length}`);
    assert.ok(ticks > 0, 'the main thread never ran a timer while generating');
  });

  it('runs requests in order; one aborted before it starts comes back cancelled', async () => {
    const ac = new AbortController();
    const a = client.complete({ prompt: 'int main(void) {\n', maxTokens: 6, ignoreEos: true });
    const b = client.complete({ prompt: 'int main(void) {\n', maxTokens: 6, ignoreEos: true }, { signal: ac.signal });
    ac.abort();
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.tokens.length, 6);
    assert.equal(rb.finishReason, 'cancelled');
    assert.equal(rb.tokens.length, 0);
  });

  it('a request aborted for a request elsewhere stops its prefill after the chunk under way; one replaced in place settles it', async () => {
    const prompt = Array.from({ length: 60 }, (_, i) => `    total_${i} = compute(values[${i}], scale=${i * 3})\n`).join('');
    for (const reason of [undefined, ABORT_ELSEWHERE]) {
      const ac = new AbortController();
      const first = client.complete({ prompt, maxTokens: 4, fresh: true }, { signal: ac.signal });
      setTimeout(() => ac.abort(reason), 30); // inside the first chunk
      assert.equal((await first).finishReason, 'cancelled');
      const again = await client.complete({ prompt, maxTokens: 4 });
      const reused = again.timings.reusedTokens;
      if (reason) assert.ok(reused <= PREFILL_CHUNK, `stopped: ${reused} reused`);
      else assert.equal(reused, again.timings.promptTokens - SETTLE_TAIL, 'settled all but the tail');
    }
  });

  it('builds the datastore with its suffix array sorted in a thread of its own: every file\'s tokens and one row per token come back', async () => {
    const files = [
      { path: '/w/a.py', text: 'def area(r):\n    return 3.14159 * r * r\n' },
      { path: '/w/b.go', text: 'package main\n\nfunc main() {\n\tprintln("hi")\n}\n' },
      { path: '/w/c.ts', text: 'export const twice = (x: number): number => 2 * x;\n' },
    ];
    const tok = Tokenizer.fromGguf(readGguf(defaultModel()));
    const n = files.reduce((a, f) => a + tok.encode(f.text).length, 0);
    const stats = await client.index(files.map((f) => ({ ...f })), true);
    assert.equal(stats.files, 3);
    assert.equal(stats.tokens, n);
    // The tokens with a separator after each file, and the suffix array's one row per token (4 bytes each).
    assert.equal(stats.bytes, 4 * (n + files.length) + 4 * n);
    // Replaced by nothing: empty again.
    assert.equal((await client.index([], true)).tokens, 0);
  });

  it('counts a prompt\'s tokens as the tokenizer does, running nothing: the cache stays as the last completion left it', async () => {
    const prompt = 'def area(r):\n    return 3.14159 * r * r\n\nprint(area(2))\n';
    const first = await client.complete({ prompt, maxTokens: 3, fresh: true });
    const tok = Tokenizer.fromGguf(readGguf(defaultModel()));
    // Another prompt counted: had it run, the one cache would hold it instead.
    const other = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n';
    assert.equal(await client.count(other, false), tok.encode(other).length);
    assert.equal(await client.count('<|im_start|>user', true), tok.encode('<|im_start|>user', { allowSpecial: true }).length);
    assert.equal(first.timings.promptTokens, tok.encode(prompt).length);
    const again = await client.complete({ prompt, maxTokens: 3 });
    assert.equal(again.timings.reusedTokens, again.timings.promptTokens - 1, 'the count left the cache whole');
    assert.deepEqual(again.tokens, first.tokens);
    const ac = new AbortController();
    ac.abort();
    assert.equal(await client.count(prompt, false, ac.signal), 0, 'aborted: no count');
  });

  it('a warm-up whose draft head fails to load still prefills; the completion that drafts with it says why', async () => {
    const prompt = 'def fib(n):\n    if n < 2:\n        return n\n';
    const draft = { drafter: 'head' as const, head: '/nonexistent/head.gguf', tree: { kind: 'chain' as const, depth: 1 } };
    const warm = await client.complete({ prompt, maxTokens: 8, prefillOnly: true, keepTaps: true, draft, fresh: true });
    assert.equal(warm.finishReason, 'length');
    assert.ok(warm.timings.prefillTokens > 10, `prefilled ${warm.timings.prefillTokens}`);
    await assert.rejects(client.complete({ prompt, maxTokens: 8, draft }), /^Error: draft head not found: \/nonexistent\/head\.gguf; check the draft head path, or use the n-gram drafter$/);
  });

  it('disposed while a completion runs: the run stops first (the process lives on), queued requests fail, and it says it is not running', async () => {
    const c = await EngineClient.start({ modelPath: defaultModel(), device: 'cpu' }, () => undefined, WORKER);
    let pieces = 0;
    let disposing: Promise<void> | undefined;
    const running = c.complete({ prompt: 'for (let i = 0; i < 10; i++) {\n', maxTokens: 400, ignoreEos: true }, {
      onText: () => { if (++pieces === 3) disposing = c.dispose(); },
    });
    const queued = c.complete({ prompt: 'x = ', maxTokens: 4 });
    const r = await running;
    assert.equal(r.finishReason, 'cancelled');
    assert.ok(r.tokens.length >= 3 && r.tokens.length < 400, `generated ${r.tokens.length}`);
    await disposing;
    await assert.rejects(queued, /the engine worker is not running/);
    assert.equal(c.running, false);
  });

  it('rejects a missing model with the loader\'s one line', async () => {
    await assert.rejects(EngineClient.start({ modelPath: '/nonexistent/model.gguf' }, () => undefined, WORKER),
      /^Error: model file not found: \/nonexistent\/model\.gguf; set the model path or run the setup command/);
  });

  it('serves a tiny model of another architecture', async () => {
    const c = await EngineClient.start({ modelPath: tinyModel('qwen2', 'Q8_0'), device: 'cpu' }, () => undefined, WORKER);
    try {
      const r = await c.complete({ prompt: 'def f', maxTokens: 5, ignoreEos: true });
      assert.equal(r.tokens.length, 5);
      assert.equal(c.info.config.arch, 'qwen2');
    } finally {
      await c.dispose();
    }
  });
});

describe('graph cache', () => {
  it('writes atomically, reuses a cached graph, and drops other builder generations of the same model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-cache-'));
    fs.mkdirSync(path.join(dir, 'graphs'));
    fs.writeFileSync(path.join(dir, 'graphs', 'abc-v1-old-nbits.onnx'), 'old');
    fs.writeFileSync(path.join(dir, 'graphs', 'xyz-v1-old-nbits.onnx'), 'other model');
    let builds = 0;
    const build = (): Uint8Array => { builds++; return Uint8Array.of(1, 2, 3); };
    const stale = { prefix: 'abc-', generation: '-v2-new-' };
    const f1 = cachedGraph(dir, 'abc-v2-new-nbits', build, undefined, stale);
    const f2 = cachedGraph(dir, 'abc-v2-new-nbits', build, undefined, stale);
    assert.equal(f1, f2);
    assert.equal(builds, 1);
    assert.deepEqual([...fs.readFileSync(f1)], [1, 2, 3]);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'graphs')).sort(), ['abc-v2-new-nbits.onnx', 'xyz-v1-old-nbits.onnx']);
  });

  it('writes a built model as a graph and its weights file (weights first), and drops both with their generation', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-cache-'));
    const g = path.join(dir, 'graphs');
    const model = (): GraphBuilder => {
      const b = new GraphBuilder('m');
      b.input('x', DT.FLOAT, [1, 1024]);
      b.op('Add', ['x', b.f32('w', [1024], new Float32Array(1024).fill(1))], {}, { out: 'y' });
      b.output('y', DT.FLOAT, [1, 1024]);
      return b;
    };
    const f1 = cachedGraph(dir, 'abc-v1-old', () => model().model(), undefined, { prefix: 'abc-', generation: '-v1-' });
    assert.equal(fs.statSync(graphDataFile(f1)).size, 4096); // the 4 KB weight, at offset 0
    assert.ok(fs.statSync(f1).mtimeMs >= fs.statSync(graphDataFile(f1)).mtimeMs, 'the graph is written after its weights');
    const f2 = cachedGraph(dir, 'abc-v2-new', () => model().model(), undefined, { prefix: 'abc-', generation: '-v2-' });
    assert.deepEqual(fs.readdirSync(g).sort(), [path.basename(f2), path.basename(graphDataFile(f2))]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('drops a graph\'s weights file with it under the cap, and weights files without a graph once a day old', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-cache-'));
    const g = path.join(dir, 'graphs');
    fs.mkdirSync(g);
    const put = (name: string, bytes: number, days: number): void => {
      fs.writeFileSync(path.join(g, name), Buffer.alloc(bytes));
      const t = new Date(Date.now() - days * 86400_000);
      fs.utimesSync(path.join(g, name), t, t);
    };
    put('old.onnx', 10, 3);
    put('old.onnx.data', 500, 3); // a graph counts with its weights: 510 bytes
    put('orphan-old.onnx.data', 50, 2);
    put('orphan-young.onnx.data', 50, 0); // another server may be writing its graph right now
    cachedGraph(dir, 'new', () => new Uint8Array(600), undefined, undefined, 1000);
    assert.deepEqual(fs.readdirSync(g).sort(), ['new.onnx', 'orphan-young.onnx.data']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the cache under its cap by dropping the least recently used graphs; a hit marks a graph used; a graph used today stays', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-cache-'));
    const g = path.join(dir, 'graphs');
    fs.mkdirSync(g);
    const age = (name: string, days: number): void => {
      const t = new Date(Date.now() - days * 86400_000);
      fs.utimesSync(path.join(g, name), t, t);
    };
    const put = (name: string, bytes: number, days: number): void => {
      fs.writeFileSync(path.join(g, name), Buffer.alloc(bytes));
      age(name, days);
    };
    put('model-a.onnx', 400, 3);
    put('draft-old-step.onnx', 300, 2);
    put('draft-old-fc.onnx', 100, 1.5);
    fs.writeFileSync(path.join(g, 'notes.txt'), Buffer.alloc(5000));
    // A hit on the oldest graph makes it the most recently used.
    assert.equal(cachedGraph(dir, 'model-a', () => { throw new Error('no build on a hit'); }, undefined, undefined, 1000), path.join(g, 'model-a.onnx'));
    // A new 600-byte graph: 1,400 bytes in all; the two least recently used go, the rest stay.
    cachedGraph(dir, 'draft-new-step', () => new Uint8Array(600), undefined, undefined, 1000);
    assert.deepEqual(fs.readdirSync(g).sort(), ['draft-new-step.onnx', 'model-a.onnx', 'notes.txt']);
    // A graph larger than the cap: the graphs used today stay (a model larger than the cap never
    // evicts itself or its head's graphs), so the cap is exceeded for now.
    cachedGraph(dir, 'huge', () => new Uint8Array(2000), undefined, undefined, 1000);
    assert.deepEqual(fs.readdirSync(g).sort(), ['draft-new-step.onnx', 'huge.onnx', 'model-a.onnx', 'notes.txt']);
    // Two days later all three go, least recently used first; the one just written stays.
    age('model-a.onnx', 2.5);
    age('draft-new-step.onnx', 2);
    age('huge.onnx', 2);
    cachedGraph(dir, 'next', () => new Uint8Array(10), undefined, undefined, 1000);
    assert.deepEqual(fs.readdirSync(g).sort(), ['next.onnx', 'notes.txt']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keys graphs on the builders\' sources: the tsc output and the bundles that build graphs share one key, and the key follows the sources', () => {
    // Function.toString() once keyed the cache, so out/ and dist/ evicted each other's 148 MB graph.
    const check = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'kernel-hash.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.match(builderHash(), /^[0-9a-f]{12}$/);
    assert.notEqual(draftBuilderHash(), builderHash());
    for (const bundle of ['cli.js', 'worker.js']) {
      const text = fs.readFileSync(path.join(ROOT, 'dist', bundle), 'utf8');
      assert.ok(text.includes(`'${builderHash()}'`) || text.includes(`"${builderHash()}"`), `dist/${bundle} keys graphs on another hash`);
    }
    // A changed source makes the committed hash stale, and --check says what to run.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-khash-'));
    fs.cpSync(path.join(ROOT, 'kernels'), path.join(tmp, 'kernels'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'scripts'));
    fs.cpSync(path.join(ROOT, 'scripts', 'kernel-hash.mjs'), path.join(tmp, 'scripts', 'kernel-hash.mjs'));
    fs.appendFileSync(path.join(tmp, 'kernels', 'quant.ts'), '\n// changed\n');
    const stale = spawnSync(process.execPath, [path.join(tmp, 'scripts', 'kernel-hash.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(stale.status, 1);
    assert.equal(stale.stderr.trim(), 'kernels/builder-hash.ts is stale for the current kernel sources: run `node scripts/kernel-hash.mjs` (npm run build does)');
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe('first-line cut (the emitter and the remote engine share it)', () => {
  it('cuts only an open first line, only once its time is spent, only at a word boundary; anywhere once twice spent', () => {
    // (text, where the last token began, now, deadline, hard)
    assert.equal(firstLineCut('foo(', 3, 10, 5), 4, 'after punctuation');
    assert.equal(firstLineCut('a + b,', 5, 10, 5), 6);
    assert.equal(firstLineCut('foo(', 3, 5, 5), -1, 'not before the deadline');
    assert.equal(firstLineCut('foo(bar', 4, 10, 5), -1, 'inside a word');
    assert.equal(firstLineCut('foo ', 3, 10, 5), 3, 'before a space after a word, not after it');
    assert.equal(firstLineCut('foo ', 2, 10, 5), -1, 'after white space');
    assert.equal(firstLineCut('# see the', 5, 10, 5), 5, 'before a token that starts with a space after a word: the word is whole');
    assert.equal(firstLineCut('# see the', 7, 10, 5), -1, 'not inside the token');
    assert.equal(firstLineCut('x =  y', 4, 10, 5), -1, 'a space after a space is no word end');
    assert.equal(firstLineCut('id = 1000000', 11, 10, 5, 20), -1, 'a long number: no boundary before `hard`');
    assert.equal(firstLineCut('id = 1000000', 11, 30, 5, 20), 12, 'after it, anywhere');
    assert.equal(firstLineCut('x\ny(', 4, 10, 5), -1, 'the first line is closed');
    assert.equal(firstLineCut('x\ny zz', 3, 30, 5, 20), -1, 'closed, even past `hard`');
    assert.equal(firstLineCut('', 0, 10, 5), -1);
    assert.equal(firstLineCut('foo(', 3, 10, Infinity), -1, 'no budget');
  });

  it('a cut before a token keeps its text out; marked early, the mark is before it', () => {
    const pieces = ['#', ' see', ' the', ' notes', ' below'];
    const tok = { special: { eog: [] }, bytes: (id: number) => new TextEncoder().encode(pieces[id] as string) } as unknown as Tokenizer;
    const ended = new Emitter(tok, { prompt: '', maxTokens: 64, firstLineBudgetMs: 50 });
    ended.decoding(performance.now() - 100);
    let n = 0;
    while (n < pieces.length && ended.push(n)) n++;
    assert.equal(ended.finish, 'time');
    assert.equal(ended.close('time'), '# see', 'cut before " the": "#" is no word, so " see" was no boundary');
    const marks: string[] = [];
    let text = '';
    const early = new Emitter(tok, { prompt: '', maxTokens: 64, firstLineBudgetMs: 50, firstLineEarly: true }, (d, e) => { text += d; if (e) marks.push(text); });
    early.decoding(performance.now() - 100);
    n = 0;
    while (n < pieces.length && early.push(n)) n++;
    assert.deepEqual(marks, ['# see'], 'marked before " the", once');
    assert.equal(text, pieces.join(''));
  });

  it('the budget counts from the end of the prompt phase', () => {
    // A tokenizer of one character per token.
    const chars = 'x = f(a, b)';
    const tok = { special: { eog: [] }, bytes: (id: number) => new TextEncoder().encode(chars[id] as string) } as unknown as Tokenizer;
    const run = (decodingSince: number | undefined): string => {
      const out = new Emitter(tok, { prompt: '', maxTokens: 64, firstLineBudgetMs: 50 });
      if (decodingSince !== undefined) out.decoding(performance.now() - decodingSince);
      for (let i = 0; i < chars.length && out.push(i); i++);
      return out.close(out.finish ?? 'length');
    };
    assert.equal(run(undefined), chars, 'the prompt phase is not over: no cut');
    assert.equal(run(0), chars, 'the budget is not spent');
    assert.equal(run(100), 'x', 'spent: the first word boundary after two tokens (before the space)');
  });

  it('with firstLineEarly, marks the text so far where the budget ran out, once, and goes on', () => {
    const chars = 'x = f(a, b)';
    const tok = { special: { eog: [] }, bytes: (id: number) => new TextEncoder().encode(chars[id] as string) } as unknown as Tokenizer;
    const seen: string[] = [];
    let text = '';
    const out = new Emitter(tok, { prompt: '', maxTokens: 64, firstLineBudgetMs: 50, firstLineEarly: true }, (delta, early) => {
      text += delta;
      if (early) seen.push(text);
    });
    out.decoding(performance.now() - 100);
    let n = 0;
    while (n < chars.length && out.push(n)) n++;
    assert.deepEqual(seen, ['x'], 'marked at the first word boundary after two tokens (before the space), and only there');
    assert.equal(n, chars.length, 'every token taken');
    assert.equal(out.close('length'), chars);
    assert.equal(text, chars);
  });
});

describe('stop strings after a line break first (stopAfterContent: the next line after an accepted one)', () => {
  const pieces = ['  ', '\n', '\n', '    c', ' = 3', '\n', 'd'];
  const tok = { special: { eog: [] }, bytes: (id: number) => new TextEncoder().encode(pieces[id] as string) } as unknown as Tokenizer;
  const run = (stopAfterContent: boolean, from = 0): { text: string; finish: string | undefined } => {
    const out = new Emitter(tok, { prompt: '', maxTokens: 64, stop: ['\n'], stopAfterContent });
    for (let n = from; n < pieces.length && out.push(n); n++);
    return { text: out.close(out.finish ?? 'length'), finish: out.finish };
  };

  it('ends at the line break after the first character that is not white space', () => {
    assert.deepEqual(run(true), { text: '  \n\n    c = 3', finish: 'stop' });
    assert.deepEqual(run(true, 3), { text: '    c = 3', finish: 'stop' }, 'no line break first: the line itself');
  });

  it('where the first line has content, a line break ends it even without a line-break stop', () => {
    const out = new Emitter(tok, { prompt: '', maxTokens: 64, stop: ['\n\n\n'], stopAfterContent: true });
    let n = 3;
    while (n < pieces.length && out.push(n)) n++;
    assert.deepEqual([out.close(out.finish ?? 'length'), out.finish], ['    c = 3', 'stop']);
    const block = new Emitter(tok, { prompt: '', maxTokens: 64, stop: ['\n\n\n'], stopAfterContent: true });
    for (n = 0; n < pieces.length && block.push(n); n++);
    assert.deepEqual([block.close(block.finish ?? 'length'), block.finish], ['  \n\n    c = 3\nd', undefined], 'line breaks first: on to the block (no stop met)');
  });

  it('where the first line has content from its first character, a line break ends it too', () => {
    // The line the user is typing, its end at the cursor: the model goes on in it (`c = 3`).
    const line = ['c', ' = 3', '\n', 'd'];
    const lineTok = { special: { eog: [] }, bytes: (id: number) => new TextEncoder().encode(line[id] as string) } as unknown as Tokenizer;
    const out = new Emitter(lineTok, { prompt: '', maxTokens: 64, stop: ['\n\n\n'], stopAfterContent: true });
    for (let n = 0; n < line.length && out.push(n); n++);
    assert.deepEqual([out.close(out.finish ?? 'length'), out.finish], ['c = 3', 'stop']);
    // Without stopAfterContent a block's line breaks are no stop (a block after Enter).
    const block = new Emitter(lineTok, { prompt: '', maxTokens: 64, stop: ['\n\n\n'] });
    for (let n = 0; n < line.length && block.push(n); n++);
    assert.deepEqual([block.close(block.finish ?? 'length'), block.finish], ['c = 3\nd', undefined]);
  });

  it('without it, a stop ends at its first place', () => {
    assert.deepEqual(run(false), { text: '  ', finish: 'stop' });
  });
});

describe('engine: cancelled prefill and time budget (default model)', () => {
  let target: TargetModel;
  before(async () => { target = await TargetModel.load({ modelPath: defaultModel(), device: 'cpu' }); });
  after(async () => { await target.dispose(); });

  it('a cancelled request still caches its prompt but the last tokens, for the next request to reuse', async () => {
    const engine = new Engine(target);
    const prompt = 'import os\nimport sys\n\n\ndef main(argv):\n    """Parse the arguments and run."""\n    if len(argv) < 2:\n        print("usage")\n';
    const ids = target.tokenizer.encode(prompt);
    const r = await engine.complete({ prompt, maxTokens: 8 }, { isCancelled: () => true });
    assert.equal(r.finishReason, 'cancelled');
    assert.equal(r.tokens.length, 0);
    assert.equal(engine.cache.length, ids.length - SETTLE_TAIL);
    const again = await engine.complete({ prompt, maxTokens: 8 });
    assert.equal(again.timings.reusedTokens, ids.length - SETTLE_TAIL);
    assert.deepEqual(again.tokens, (await new Engine(target).complete({ prompt, maxTokens: 8 })).tokens);
  });

  it('a cancelled warm-up stops at its next chunk: the request that cancelled it does not wait for a guess', async () => {
    const engine = new Engine(target);
    const prompt = Array.from({ length: 60 }, (_, i) => `    total_${i} = compute(values[${i}], scale=${i * 3})\n`).join('');
    const ids = target.tokenizer.encode(prompt);
    assert.ok(ids.length > 2 * PREFILL_CHUNK, `${ids.length} prompt tokens`);
    let asked = 0;
    const r = await engine.complete({ prompt, maxTokens: 8, prefillOnly: true }, { isCancelled: () => asked++ > 0 });
    assert.equal(r.finishReason, 'cancelled');
    assert.equal(engine.cache.length, WARM_CHUNK, 'the (warm-up\'s) chunk under way when it was cancelled, no more');
    const again = await engine.complete({ prompt, maxTokens: 8 });
    assert.equal(again.timings.reusedTokens, WARM_CHUNK);
    assert.deepEqual(again.tokens, (await new Engine(target).complete({ prompt, maxTokens: 8 })).tokens);
  });

  it('a request replaced by one for another prompt stops at its next chunk too', async () => {
    const engine = new Engine(target);
    const prompt = Array.from({ length: 60 }, (_, i) => `    total_${i} = compute(values[${i}], scale=${i * 3})\n`).join('');
    let asked = 0;
    const r = await engine.complete({ prompt, maxTokens: 8 }, { isCancelled: () => asked++ > 0, stopAtOnce: () => true });
    assert.equal(r.finishReason, 'cancelled');
    assert.equal(engine.cache.length, PREFILL_CHUNK);
  });

  it('a spent first-line budget ends an open first line at a word boundary', async () => {
    const engine = new Engine(target);
    const prompt = 'const server = http.createServer(';
    const full = await engine.complete({ prompt, maxTokens: 32, stop: ['\n'] });
    const cut = await engine.complete({ prompt, maxTokens: 32, stop: ['\n'], firstLineBudgetMs: 0 });
    assert.equal(full.finishReason, 'stop');
    assert.equal(cut.finishReason, 'time');
    assert.ok(full.text.startsWith(cut.text) && cut.text.length < full.text.length, `${JSON.stringify(cut.text)} begins ${JSON.stringify(full.text)}`);
    assert.ok(/[^\w\s]$/.test(cut.text) || /^[ \t]/.test(full.text.slice(cut.text.length)), `${JSON.stringify(cut.text)} ends after punctuation or an operator, or before a space after a whole word, never inside one`);
    assert.ok(cut.tokens.length >= 2, 'at least two tokens first');
    // A first line that is already closed is left to the line budget: after `def fibonacci(n):` the
    // model's first token is the line break. (After the prompt 'def fibonacci(n):\n' the greedy
    // text differs by CPU: on the AVX2-only EPYC it repeats `def ...`, an open first line.)
    const after = await engine.complete({ prompt: 'def fibonacci(n):', maxTokens: 24, firstLineBudgetMs: 0 });
    assert.ok(after.text.startsWith('\n'), JSON.stringify(after.text));
    assert.notEqual(after.finishReason, 'time', JSON.stringify(after.text));
  });

  it('a spent time budget ends the completion at a line boundary', async () => {
    const engine = new Engine(target);
    const prompt = 'def fibonacci(n):\n';
    const full = await engine.complete({ prompt, maxTokens: 48 });
    assert.ok(full.text.includes('\n'), 'the model writes several lines here');
    const cut = await engine.complete({ prompt, maxTokens: 48, timeBudgetMs: 0 });
    assert.equal(cut.finishReason, 'time');
    // It stops at the first line boundary after its first token: whole lines, fewer of them.
    assert.ok(full.text.startsWith(`${cut.text}\n`), `${JSON.stringify(cut.text)} is the first line(s) of ${JSON.stringify(full.text)}`);
    assert.ok(cut.text.split('\n').length <= 2 && cut.text.trim().length > 0, JSON.stringify(cut.text));
  });
});
