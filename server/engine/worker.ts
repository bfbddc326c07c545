// The engine's worker thread: onnxruntime's session.run blocks its thread, so the model lives
// here and the main thread (CLI, language server) stays responsive. Requests run one at a time;
// cancellation is a shared flag read between decode steps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import { concat, Datastore, KEY, suffixArray } from './datastore';
import { DEFAULT_TREE, type Drafter } from './drafter';
import { Engine } from './engine';
import { prepareHealing } from './healing';
import { HybridDrafter } from './hybrid';
import type { CompletionRequest } from './types';
import { DEFAULT_NGRAM, NgramDrafter } from './ngram';
import { PrismDrafter } from './prism-drafter';
import { PrismHead } from './prism-head';
import type { FromWorker, IndexFile, ToWorker } from './protocol';
import type { SortReply, SortRequest } from './suffix-worker';
import { TargetModel } from './target';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

let engine: Engine | undefined;
let model: TargetModel | undefined;
// Drafters keep their state across requests: heads are loaded once per path (the n-gram drafter
// has no state and is made per request).
const heads = new Map<string, PrismDrafter>();
// The repository datastore (filled by 'index' messages, in slices between completions).
const store = new Datastore();
let indexing: Promise<void> = Promise.resolve();

async function drafterFor(target: TargetModel, d: CompletionRequest['draft']): Promise<Drafter | undefined> {
  if (!d || d.drafter === 'none') return undefined;
  const lookup = (): NgramDrafter => new NgramDrafter({ ...DEFAULT_NGRAM, ...d.ngram }, d.datastore === false ? undefined : store);
  if (d.drafter === 'ngram') return lookup();
  if (!d.head) throw new Error('a draft head needs its path');
  let drafter = heads.get(d.head);
  if (!drafter) {
    const head = await PrismHead.load(d.head, target);
    drafter = new PrismDrafter(head, head.head.manifest.variant);
    heads.set(d.head, drafter);
  }
  return d.drafter === 'hybrid' ? new HybridDrafter(lookup(), drafter, d.headDepth, d.headMinProb, d.headSibling === undefined ? undefined : { minProb: d.headSibling, maxMatch: d.headSiblingMaxMatch }) : drafter;
}
let cancel: Int32Array<ArrayBufferLike> = new Int32Array(1);
const post = (m: FromWorker): void => port.postMessage(m);

port.on('message', (msg: ToWorker) => {
  void handle(msg);
});

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'load':
      cancel = new Int32Array(msg.cancel);
      try {
        const target = await TargetModel.load({ ...msg.options, log: (line) => post({ type: 'log', line }) });
        model = target;
        engine = new Engine(target);
        prepareHealing(target.tokenizer);
        const { ropeFreqFactors: _drop, ...config } = target.cfg;
        const sp = target.tokenizer.special;
        post({
          type: 'loaded',
          info: {
            modelPath: target.modelPath, modelHash: target.modelHash, device: target.device, loadMs: target.loadMs, config,
            graph: { ...target.graphOptions },
            exact: target.padsSingleRow,
            treesExact: target.treeKeyPanel !== undefined,
            fim: sp.fimPrefix !== undefined && sp.fimSuffix !== undefined && sp.fimMiddle !== undefined,
            fimTokens: sp.fimPrefix !== undefined && sp.fimSuffix !== undefined && sp.fimMiddle !== undefined
              ? { prefix: target.tokenizer.tokenText(sp.fimPrefix), suffix: target.tokenizer.tokenText(sp.fimSuffix), middle: target.tokenizer.tokenText(sp.fimMiddle) }
              : undefined,
          },
        });
      } catch (e) {
        post({ type: 'loadError', message: (e as Error).message ?? String(e) });
      }
      return;
    case 'forget':
      engine?.forget(msg.key);
      return;
    case 'index': {
      const m = msg;
      indexing = indexing.then(() => index(m.id, m.files, m.replace));
      return;
    }
    case 'complete': {
      const id = msg.id;
      if (!engine || !model) { post({ type: 'error', id, message: 'the model is not loaded' }); return; }
      try {
        const d = msg.request.draft;
        // A warm-up only gets a head ready: one that fails to load leaves the prefill to run without
        // it (the completion that asks for it says why, and the policy falls back).
        const drafter = msg.request.countOnly ? undefined : msg.request.prefillOnly ? await drafterFor(model, d).catch(() => undefined) : await drafterFor(model, d);
        const result = await engine.complete(msg.request, {
          // The flag holds the cancelled request's id, negated when its replacement is elsewhere.
          isCancelled: () => Math.abs(Atomics.load(cancel, 0)) === id,
          stopAtOnce: () => Atomics.load(cancel, 0) === -id,
          onText: (delta, early) => post({ type: 'text', id, delta, ...(early ? { early } : {}) }),
        }, drafter, { ...DEFAULT_TREE, ...d?.tree });
        post({ type: 'done', id, result });
      } catch (e) {
        post({ type: 'error', id, message: (e as Error).message ?? String(e) });
      }
      return;
    }
  }
}

/**
 * Tokenizes the files in slices of about 20 ms, yielding between them so that completions keep
 * running, then builds (replace: its suffix array sorted in a thread of its own, sortAside) or
 * updates the datastore. Progress goes to the log every 2 s.
 */
async function index(id: number, files: IndexFile[], replace: boolean): Promise<void> {
  const t0 = performance.now();
  const tokenizer = model?.tokenizer;
  if (!tokenizer) { post({ type: 'error', id, message: 'the model is not loaded' }); return; }
  try {
    // 4 bytes a token (a number[] holds 8), and each file's text let go once it is tokenized.
    const tokens = new Map<string, Int32Array>();
    let slice = performance.now();
    let told = slice;
    for (const [i, f] of files.entries()) {
      const ids = f.text === null ? undefined : tokenizer.encode(f.text);
      files[i] = { path: f.path, text: null };
      if (replace) { if (ids) tokens.set(f.path, Int32Array.from(ids)); } else store.update(f.path, ids);
      if (performance.now() - slice > 20) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
        if (slice - told > 2000) { post({ type: 'log', line: `datastore: tokenized ${i + 1}/${files.length} files` }); told = slice; }
      }
    }
    if (replace) {
      const all = concat(tokens);
      tokens.clear();
      const sorted = await sortAside(all.tokens);
      store.setBase(sorted.tokens, all.spans, sorted.sa);
    }
    post({ type: 'indexed', id, stats: { files: store.files, tokens: store.tokenCount, bytes: store.bytes, ms: performance.now() - t0 } });
  } catch (e) {
    post({ type: 'error', id, message: `datastore: ${(e as Error).message ?? String(e)}` });
  }
}

/**
 * The suffix array of `tokens`, sorted in a thread of its own at the lowest CPU priority
 * (suffix-worker.ts): completions keep running meanwhile. The tokens go there and come back
 * (transferred, not copied). Where the thread's script is missing, sorted here.
 */
function sortAside(tokens: Int32Array): Promise<{ tokens: Int32Array; sa: Int32Array }> {
  const script = path.join(__dirname, 'suffix-worker.js');
  if (!fs.existsSync(script)) return Promise.resolve({ tokens, sa: suffixArray(tokens) });
  return new Promise((resolve, reject) => {
    const w = new Worker(script);
    let done = false;
    w.once('message', (r: SortReply) => {
      done = true;
      void w.terminate();
      if ('error' in r) reject(new Error(r.error)); else resolve(r);
    });
    w.once('error', (e) => { done = true; reject(e); });
    w.once('exit', (code) => { if (!done) reject(new Error(`the suffix array's thread ended (${code}) before it answered`)); });
    w.postMessage({ tokens, key: KEY } satisfies SortRequest, [tokens.buffer as ArrayBuffer]);
  });
}
