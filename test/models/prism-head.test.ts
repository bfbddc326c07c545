// Training equals inference: the logits of unrolled training step k (PyTorch, models/prism)
// equal those the server's draft graphs (ONNX, kernels/draft-graph.ts) compute at depth k of a
// chain, for the same head, taps and tokens.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { byteSize, readGguf, readTensorBytes } from '../../kernels/gguf';
import { readModelConfig } from '../../kernels/model-config';
import { fileHash } from '../../server/engine/graph-cache';
import { causalMask } from '../../server/engine/masks';
import { EmbeddingRows, PrismHead } from '../../server/engine/prism-head';
import { dequantize } from '../../kernels/quant';
import { defaultModel, PY, tinyModel } from '../helpers';

const T = 6;
const K = 4;

interface Dump { taps: number[]; tokens: number[]; logits: number[][] }

function referenceHead(tmp: string, model: string, sha: string, taps: number[], modules: number, sigma: number[], layers: number): Dump {
  const pt = path.join(tmp, 'head.pt');
  const dumpFile = path.join(tmp, 'dump.json');
  const r = spawnSync(PY, ['-c', `
import json, sys, torch
from prism.model import DraftConfig, DraftHead
from prism.train import target_embeddings
model, sha, taps_csv, pt, dump, modules, sigma, layers = sys.argv[1:9]
torch.manual_seed(0)
c = DraftConfig(hidden=256, width=256, heads=4, kv_heads=2, ffn=512, modules=int(modules), steps=${K}, vocab=48,
                layers_per_module=int(layers), sigma=[int(s) for s in sigma.split(",")] if sigma else [])
h = DraftHead(c, target_embeddings(model), torch.arange(48) * 3 + 2)
for name, p in h.named_parameters():
    p.data = (1 + 0.1 * torch.randn_like(p) if "norm" in name else 0.06 * torch.randn_like(p)).half().float()
taps = torch.randn(1, ${T}, 768)
tokens = torch.randint(0, 320, (1, ${T + K}))
with torch.no_grad():
    steps = h.unroll(taps, tokens, ${K})
torch.save({"config": c.__dict__, "head": h.state_dict(), "variant": "prism", "gguf_sha256": sha,
            "taps": [int(x) for x in taps_csv.split(",")]}, pt)
json.dump({"taps": taps.flatten().tolist(), "tokens": tokens[0].tolist(),
           "logits": [s[0, ${T - 1}].tolist() for s in steps]}, open(dump, "w"))
`, model, sha, taps.join(','), pt, dumpFile, String(modules), sigma.join(','), String(layers)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const e = spawnSync(PY, ['-m', 'prism.export', pt, path.join(tmp, 'head.gguf')], { encoding: 'utf8' });
  assert.equal(e.status, 0, e.stderr);
  return JSON.parse(fs.readFileSync(dumpFile, 'utf8')) as Dump;
}

function maxDiff(a: Float32Array, b: number[]): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe('draft head: training equals inference', () => {
  const model = tinyModel('llama', 'Q8_0');
  const cfg = readModelConfig(readGguf(model));
  const cases: { name: string; modules: number; sigma: number[]; layers: number }[] = [
    { name: 'PRISM, M = 3, sigma 1,3,2,3', modules: 3, sigma: [1, 3, 2, 3], layers: 1 },
    { name: 'EAGLE-3 (M = 1)', modules: 1, sigma: [], layers: 1 },
    { name: 'stacked EAGLE-3 (one module of 2 layers)', modules: 1, sigma: [], layers: 2 },
  ];
  for (const c of cases) {
    it(`${c.name}: step k of the unroll = depth k of the ONNX chain`, async () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-tei-'));
      const sha = fileHash(model, tmp);
      const dump = referenceHead(tmp, model, sha, cfg.tapLayers, c.modules, c.sigma, c.layers);
      // fp32 weights: the trained function exactly (the shipped default, 8-bit weights, only proposes).
      const head = await PrismHead.load(path.join(tmp, 'head.gguf'), { modelPath: model, modelHash: sha, cfg }, { threads: 1, weights: 'f32' });
      try {
        const d = head.dims.width;
        const n = T;
        const feats = await head.features(Float32Array.from(dump.taps), n);
        const cache = head.newCache();
        // Prefill: module sigma(1) over positions 0..n-1, each with the token after it.
        const next = dump.tokens.slice(1, n + 1);
        const r1 = await head.run(head.moduleOf(1), cache, head.embed(next), feats, next.map((_, i) => i), causalMask(0, n));
        const diffs = [maxDiff(r1.logits.subarray((n - 1) * 48, n * 48), dump.logits[0] as number[])];
        cache.append(next, r1.newK, r1.newV);
        let g = r1.h.subarray((n - 1) * d, n * d);
        for (let k = 2; k <= K; k++) {
          const tok = dump.tokens[n - 1 + k] as number;
          const r = await head.run(head.moduleOf(k), cache, head.embed([tok]), g, [n - 1 + k - 1], causalMask(cache.length, 1));
          diffs.push(maxDiff(r.logits, dump.logits[k - 1] as number[]));
          cache.append([tok], r.newK, r.newV);
          g = r.h;
        }
        for (const [k, diff] of diffs.entries()) assert.ok(diff < 1e-3, `step ${k + 1} differs by ${diff}`);
      } finally {
        await head.dispose();
      }
    });
  }
});

describe('draft head: embedding rows read from the target GGUF', () => {
  it('equal the rows of the whole table, dequantized; an id past the table is a clear error', () => {
    const model = defaultModel();
    const file = readGguf(model);
    const info = file.tensors.get('token_embd.weight');
    assert.ok(info);
    const width = readModelConfig(file).hidden;
    const table = readTensorBytes(file, info);
    const rowBytes = byteSize(info.type, width);
    const rows = new EmbeddingRows(file, info, width);
    try {
      const vocab = info.byteLength / rowBytes;
      const ids = [0, 1, 17, 4242, vocab - 1, 17];
      const got = rows.rows(ids);
      ids.forEach((id, i) => {
        const want = dequantize(info.type, table.subarray(id * rowBytes, (id + 1) * rowBytes), width);
        assert.deepEqual(got.subarray(i * width, (i + 1) * width), want, `row ${id}`);
      });
      assert.throws(() => rows.rows([vocab]), { message: `token id ${vocab} is outside the embedding table (${vocab} rows)` });
    } finally {
      rows.close();
    }
    assert.throws(() => rows.rows([0]), { message: 'the draft head was disposed' });
  });
});
