// Trained draft heads (PRISM, EAGLE-3) as exported by models/prism/export.py: a GGUF whose
// metadata is the head's manifest. A head is only usable with the exact target it was trained
// on (same GGUF bytes, same tapped layers, same widths); anything else is refused in one line.
import * as path from 'node:path';
import { GgufError, type GgufFile, metaNumber, metaString, readGguf, readTensorBytes } from '../../kernels/gguf';
import type { ModelConfig } from '../../kernels/model-config';

export interface DraftManifest {
  variant: string;
  targetSha256: string;
  taps: number[];
  modules: number;
  steps: number;
  sigma: number[];
  layersPerModule: number;
  hidden: number;
  width: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  vocab: number;
  ropeBase: number;
  eps: number;
  /** Longest context (in positions) the head saw in training; the drafter attends no further back. */
  context: number;
}

export interface DraftHeadFile {
  file: GgufFile;
  manifest: DraftManifest;
  /** Draft id -> target id. */
  vocabMap: Int32Array;
}

/** Reads a draft head and checks it against the loaded target; throws GgufError (one line) if unusable. */
export function readDraftHead(headPath: string, target: { modelPath: string; modelHash: string; cfg: ModelConfig }): DraftHeadFile {
  const name = path.basename(headPath);
  let file: GgufFile;
  try {
    file = readGguf(headPath);
  } catch (e) {
    if (e instanceof GgufError && e.message.startsWith('model file not found')) {
      throw new GgufError(`draft head not found: ${headPath}; check the draft head path, or use the n-gram drafter`);
    }
    throw e;
  }
  const arch = metaString(file, 'general.architecture');
  if (arch !== 'prism-draft') {
    throw new GgufError(`${name} is not a draft head (architecture '${arch ?? 'missing'}'); point the draft setting at a head exported by models/prism/export.py`);
  }
  const num = (k: string): number => {
    const v = metaNumber(file, `prism.${k}`);
    if (v === undefined) throw new GgufError(`${name}: draft head manifest lacks prism.${k}; re-export the head with models/prism/export.py`);
    return v;
  };
  const arr = (k: string): number[] => {
    const v = file.metadata.get(`prism.${k}`);
    if (!Array.isArray(v)) throw new GgufError(`${name}: draft head manifest lacks prism.${k}; re-export the head with models/prism/export.py`);
    return v.map(Number);
  };
  const manifest: DraftManifest = {
    variant: metaString(file, 'prism.variant') ?? 'unknown',
    targetSha256: metaString(file, 'prism.target_sha256') ?? '',
    taps: arr('taps'), modules: num('modules'), steps: num('steps'), sigma: arr('sigma'),
    layersPerModule: num('layers_per_module'), hidden: num('hidden'), width: num('width'), heads: num('heads'),
    kvHeads: num('kv_heads'), ffn: num('ffn'), vocab: num('vocab'), ropeBase: num('rope_base'), eps: num('eps'),
    context: metaNumber(file, 'prism.context') ?? 512,
  };
  const targetName = path.basename(target.modelPath);
  if (manifest.targetSha256 !== target.modelHash) {
    throw new GgufError(`draft head ${name} was trained for another model (sha256 ${manifest.targetSha256.slice(0, 12)}), not ${targetName} (${target.modelHash.slice(0, 12)}); use a head trained for this model, or the n-gram drafter`);
  }
  if (manifest.hidden !== target.cfg.hidden || manifest.taps.join(',') !== target.cfg.tapLayers.join(',')) {
    throw new GgufError(`draft head ${name} expects hidden size ${manifest.hidden} and taps ${manifest.taps.join(',')}, but ${targetName} has ${target.cfg.hidden} and ${target.cfg.tapLayers.join(',')}; re-export the head`);
  }
  if (manifest.sigma.length < manifest.steps || manifest.sigma.some((s) => s < 1 || s > manifest.modules)) {
    throw new GgufError(`draft head ${name}: sigma ${manifest.sigma.join(',')} does not map ${manifest.steps} steps onto ${manifest.modules} modules; re-export the head`);
  }
  const t = file.tensors.get('vocab_map');
  if (!t) throw new GgufError(`${name}: draft head lacks its vocab_map tensor; re-export the head with models/prism/export.py`);
  const bytes = readTensorBytes(file, t);
  const vocabMap = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (vocabMap.length !== manifest.vocab || vocabMap.some((id) => id < 0 || id >= target.cfg.vocabSize)) {
    throw new GgufError(`draft head ${name}: its vocabulary map does not fit ${targetName}'s ${target.cfg.vocabSize} tokens; use a head trained for this model`);
  }
  return { file, manifest, vocabMap };
}
