// Decode-benchmark prompts: the infilling sets with their documents as the datastore (infill-doc)
// hold the text an editor has around an empty hole, never the middle, and the same prompts as
// the plain infilling set; the repository set leaves each prompt's own file out of its store.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { benchPrompts, clipPrefix } from '../../server/bench/prompts';
import { benchPrompt } from '../../server/bench/plain';
import { benchHeadName } from '../../server/bench/decode';
import { sharedDataDir } from '../../server/bench/data';
import { ROOT } from '../helpers';

describe('decode benchmark prompts', () => {
  it('says in one line what to do where the code data is missing, and reads PRISM_SHARED_DATA', () => {
    const nowhere = path.join(ROOT, 'no-such-clone', 'main');
    assert.throws(() => sharedDataDir(nowhere, {}), (e: Error) => {
      assert.equal(e.message, `no code data at ${path.resolve(ROOT, 'no-such-clone', 'shared', 'data', 'code')} (its splits.json is missing): the dev-split benchmarks and tests read shared/data/code beside the repository; clone the repository next to shared/, set PRISM_SHARED_DATA to that folder, or benchmark a folder of your own with --dir`);
      return true;
    });
    const real = sharedDataDir(ROOT); // wherever this clone's data is (beside it, or PRISM_SHARED_DATA)
    assert.equal(sharedDataDir(nowhere, { PRISM_SHARED_DATA: real }), real);
  });

  it('infill-doc: the infilling prompts, each with its document (prefix + suffix, the middle left out) as the datastore', () => {
    const plain = benchPrompts({ kind: 'infill' }, 6, ROOT);
    const docs = benchPrompts({ kind: 'infill-doc' }, 6, ROOT);
    assert.deepEqual(docs.map((p) => p.text), plain.map((p) => p.text));
    assert.ok(plain.every((p) => p.store === undefined));
    const he = zlib.gunzipSync(fs.readFileSync(path.join(sharedDataDir(ROOT), 'eval', 'human-eval-infilling', 'HumanEval-MultiLineInfilling.jsonl.gz')))
      .toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { prompt: string; suffix: string; canonical_solution: string });
    const first = he[0] as (typeof he)[number];
    const store = docs[0]?.store;
    assert.equal(store?.exclude, undefined);
    assert.deepEqual(store?.files.map((f) => f.content), [first.prompt + first.suffix]);
    assert.equal(docs[0]?.text, clipPrefix(first.prompt, first.prompt.length));
    // SAFIM: the eval prompt without its {{completion}} marker.
    const safim = docs[1]?.store?.files[0]?.content ?? '';
    assert.ok(safim.startsWith(docs[1]?.text ?? '\u0000') && !safim.includes('{{completion}}') && safim.length > (docs[1]?.text.length ?? 0));
    assert.equal(new Set(docs.map((p) => p.store?.key)).size, 6, 'one datastore per prompt');
  });

  it('repo: each prompt\'s own file is left out of its repository\'s datastore', () => {
    const repo = benchPrompts({ kind: 'repo' }, 3, ROOT);
    for (const p of repo) {
      const own = p.store?.files.find((f) => f.path === p.store?.exclude);
      assert.ok(own, 'the excluded file is one of the repository\'s');
      assert.ok(own.content.includes(p.text.slice(-200)), 'and it is the prompt\'s file');
    }
  });
});

describe('bench-plain prompts', () => {
  it('are real code of the length asked for: the example files first, then the kernel sources', () => {
    const examples = fs.readdirSync(path.join(ROOT, 'examples')).sort().map((f) => fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8'));
    const short = benchPrompt(800);
    assert.equal(short, (examples[0] as string).slice(0, 800));
    const long = benchPrompt(5000);
    assert.equal(long.length, 5000);
    assert.ok(long.startsWith(examples.join('\n')), 'the examples come first, whole');
    const firstKernel = fs.readdirSync(path.join(ROOT, 'kernels')).filter((f) => f.endsWith('.ts')).sort()[0] as string;
    assert.ok(long.includes(fs.readFileSync(path.join(ROOT, 'kernels', firstKernel), 'utf8').slice(0, 200)));
    assert.throws(() => benchPrompt(50_000_000), /only \d+ characters of prompt text here; ask for fewer --prompt-tokens/);
  });

  it('names an extra head by its file, or by its run folder when the pipeline named it head.gguf', () => {
    assert.equal(benchHeadName('models/heads/smollm2-135m-prism.gguf'), 'smollm2-135m-prism');
    assert.equal(benchHeadName('/cache/scaling/eagle3-i320/head.gguf'), 'eagle3-i320');
    assert.equal(benchHeadName('head.gguf'), path.basename(process.cwd()));
  });
});
