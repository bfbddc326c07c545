// Exported draft heads (models/prism/export.py) are read by the server's GGUF reader and refused,
// in one line, when they do not belong to the loaded target.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { GgufError, readGguf } from '../../kernels/gguf';
import { readModelConfig } from '../../kernels/model-config';
import { readDraftHead } from '../../server/engine/draft-head';
import { fileHash } from '../../server/engine/graph-cache';
import { PY, tinyModel } from '../helpers';


function exportHead(tmp: string, sha: string, taps: number[]): string {
  const pt = path.join(tmp, 'head.pt');
  const r = spawnSync(PY, ['-c', `
import sys, torch
from prism.model import DraftConfig, DraftHead
c = DraftConfig(hidden=256, width=256, heads=4, kv_heads=2, ffn=512, modules=2, steps=3, vocab=32)
h = DraftHead(c, torch.randn(320, 256), torch.arange(32) + 5)
torch.save({"config": c.__dict__, "head": h.state_dict(), "variant": "prism", "gguf_sha256": sys.argv[2], "taps": [int(x) for x in sys.argv[3].split(",")]}, sys.argv[1])
`, pt, sha, taps.join(',')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = path.join(tmp, 'head.gguf');
  const e = spawnSync(PY, ['-m', 'prism.export', pt, out], { encoding: 'utf8' });
  assert.equal(e.status, 0, e.stderr);
  return out;
}

describe('draft head files', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-head-'));
  const model = tinyModel('llama', 'Q8_0');
  const cfg = readModelConfig(readGguf(model));
  const hash = fileHash(model, tmp);
  const head = exportHead(tmp, hash, cfg.tapLayers);
  const target = { modelPath: model, modelHash: hash, cfg };

  it('reads the manifest and the vocabulary map of a head trained for the target', () => {
    const h = readDraftHead(head, target);
    assert.equal(h.manifest.variant, 'prism');
    assert.deepEqual([h.manifest.modules, h.manifest.steps, h.manifest.vocab, h.manifest.width], [2, 3, 32, 256]);
    assert.deepEqual(h.manifest.sigma, [1, 2, 2]);
    assert.deepEqual(Array.from(h.vocabMap), Array.from({ length: 32 }, (_, i) => i + 5));
    assert.ok(h.file.tensors.has('mods.1.layers.0.q.weight'));
    assert.ok(!h.file.tensors.has('embed'), 'the target embeddings must not be stored in the head');
  });

  const refused = (p: string, t: typeof target, pattern: RegExp): void => {
    assert.throws(() => readDraftHead(p, t), (e: unknown) => {
      assert.ok(e instanceof GgufError);
      assert.ok(!e.message.includes('\n'));
      assert.match(e.message, pattern);
      return true;
    });
  };

  it('refuses a head trained for another model', () => {
    refused(head, { ...target, modelHash: 'f'.repeat(64) }, /^draft head head\.gguf was trained for another model \(sha256 [0-9a-f]{12}\), not llama-Q8_0\.gguf \(ffffffffffff\); use a head trained for this model, or the n-gram drafter$/);
  });

  it('refuses a head whose taps do not match', () => {
    refused(head, { ...target, cfg: { ...cfg, tapLayers: [1, 2, 3] } }, /expects hidden size 256 and taps 2,2,1, but llama-Q8_0\.gguf has 256 and 1,2,3; re-export the head$/);
  });

  it('refuses a target GGUF given as a head, and a missing head', () => {
    refused(model, target, /^llama-Q8_0\.gguf is not a draft head \(architecture 'llama'\); point the draft setting at a head exported by models\/prism\/export\.py$/);
    refused(path.join(tmp, 'nope.gguf'), target, /^draft head not found: .*nope\.gguf; check the draft head path, or use the n-gram drafter$/);
  });
});
