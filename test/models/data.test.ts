// The draft-head training data: produced by the server's own graph (export-graph) in Python's
// onnxruntime, from train-split repositories only, resumable, and equal to what the TypeScript
// runtime computes for the same tokens.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { TargetModel } from '../../server/engine/target';
import { PY, ROOT, tinyModel } from '../helpers';


function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('draft-head training data (models/prism/data.py)', () => {
  it('uses the train split only, resumes, and matches the runtime\'s taps and top tokens', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-data-'));
    const model = tinyModel('llama', 'Q8_0');
    const graph = path.join(tmp, 'target.onnx');
    run(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'export-graph', '--model', model, '--out', graph]);
    const info = JSON.parse(fs.readFileSync(path.join(tmp, 'target.json'), 'utf8')) as { gguf_sha256: string; config: { tapLayers: number[] } };
    assert.match(info.gguf_sha256, /^[0-9a-f]{64}$/);
    assert.ok(fs.statSync(`${graph}.data`).size > 1_000_000, 'the weights are exported beside the graph (and Python reads them below)');
    // A corpus with one train and one dev repository; the dev text must never appear.
    const data = path.join(tmp, 'code');
    fs.mkdirSync(path.join(data, 'corpus'), { recursive: true });
    fs.writeFileSync(path.join(data, 'splits.json'), JSON.stringify({ train: [{ repo: 'a/train' }], dev: [{ repo: 'b/dev' }] }));
    const rec = (repo: string, p: string, content: string): string => JSON.stringify({ repo, path: p, commit: '0', license: 'MIT', lang: 'python', content });
    const train = Array.from({ length: 30 }, (_, i) => `def f${i}(x):\n    return x * ${i} + self.value\n`).join('\n');
    fs.writeFileSync(path.join(data, 'corpus', 'python.jsonl'), [rec('b/dev', 'd.py', 'DEVONLY '.repeat(400)), rec('a/train', 't.py', train)].join('\n') + '\n');
    const out = path.join(tmp, 'data');
    const gen = (tokens: number): string => run(PY, ['-m', 'prism.data', '--graph', graph, '--out', out, '--data', data, '--tokens', String(tokens), '--window', '32', '--shard-windows', '2', '--threads', '1']);
    gen(128);
    assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.npz')).sort(), ['shard-00000.npz', 'shard-00001.npz']);
    const first = fs.readFileSync(path.join(out, 'shard-00000.npz'));
    assert.match(gen(192), /2\/3 shards present, resuming/);
    assert.deepEqual(fs.readFileSync(path.join(out, 'shard-00000.npz')), first);
    assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).shards, 3);
    // Shard contents as JSON: ids, taps and top ids of every window.
    const dump = JSON.parse(run(PY, ['-c', `
import json, sys, numpy as np
out = []
for s in range(3):
    z = np.load(sys.argv[1] + f"/shard-{s:05d}.npz")
    for w in range(z["input_ids"].shape[0]):
        out.append({"ids": z["input_ids"][w].tolist(), "taps": z["taps"][w].astype(np.float32).ravel().tolist(), "top": z["top_ids"][w, :, 0].tolist(), "p": np.exp(z["top_logp"][w].astype(np.float32)).sum(-1).tolist()})
print(json.dumps(out))`, out])) as { ids: number[]; taps: number[]; top: number[]; p: number[] }[];
    assert.equal(dump.length, 6);
    const target = await TargetModel.load({ modelPath: model, device: 'cpu' });
    try {
      const text = dump.map((w) => target.tokenizer.decode(w.ids)).join('');
      assert.ok(!text.includes('DEVONLY'), 'dev-split text leaked into the training data');
      assert.ok(text.includes('return x * 3 + self.value'));
      for (const w of dump) {
        const r = await target.forward(target.newCache(), { ids: w.ids, rows: w.ids.map((_, i) => i), taps: true });
        assert.deepEqual(Array.from(r.argmax), w.top);
        const taps = r.taps as Float32Array;
        let worst = 0;
        for (let i = 0; i < taps.length; i++) worst = Math.max(worst, Math.abs((taps[i] as number) - (w.taps[i] as number)) / (1 + Math.abs(taps[i] as number)));
        assert.ok(worst < 2e-3, `taps differ by ${worst} (float16 storage)`);
        for (const mass of w.p) assert.ok(mass > 0 && mass <= 1.001);
      }
    } finally {
      await target.dispose();
    }
  });
});
