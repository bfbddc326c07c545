// Shared test helpers: the Python reference, tiny random-weight GGUFs, the default model, and
// real code from the dev split of ../shared/data.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot, resolveModelPath } from '../server/paths';

export const ROOT = projectRoot(__dirname);
const PY = path.join(ROOT, 'models', '.venv', 'bin', 'python');

// Graphs built by tests go to a cache of their own.
process.env.PRISM_CACHE_DIR ??= path.join(os.tmpdir(), 'prism-complete-test-cache');

/** Runs models/reference/reference.py on one request (or {batch: [...]}) and returns its reply. */
export function reference<T = unknown>(req: unknown): T {
  if (!fs.existsSync(PY)) throw new Error(`${PY} is missing: run scripts/setup.sh to create the Python environment`);
  const r = spawnSync(PY, [path.join(ROOT, 'models', 'reference', 'reference.py')], {
    input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, TQDM_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(`reference.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as T;
}

const tinyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-tiny-'));
process.on('exit', () => fs.rmSync(tinyDir, { recursive: true, force: true }));

/** Writes (once per process) a tiny random-weight GGUF of an architecture and tensor type. */
export function tinyModel(arch: 'llama' | 'qwen2', type: string, opts: { untied?: boolean; logitScale?: number } = {}): string {
  const file = path.join(tinyDir, `${arch}-${type}${opts.untied ? '-untied' : ''}${opts.logitScale ? `-x${opts.logitScale}` : ''}.gguf`);
  if (fs.existsSync(file)) return file;
  const args = [path.join(ROOT, 'models', 'reference', 'tiny_gguf.py'), file, '--arch', arch, '--type', type];
  if (opts.untied) args.push('--untied');
  if (opts.logitScale) args.push('--logit-scale', String(opts.logitScale));
  const r = spawnSync(PY, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tiny_gguf.py failed: ${r.stderr}`);
  return file;
}

/** The default target (SmolLM2-135M Q4_1), fetched by the setup script. */
export function defaultModel(): string {
  const p = resolveModelPath();
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run scripts/setup.sh to fetch the default model`);
  return p;
}

export interface SourceFile { repo: string; path: string; lang: string; content: string }

/** Files from the dev-split repositories of ../shared/data/code, in a fixed order. */
export function devFiles(count: number, opts: { maxBytes?: number; minBytes?: number } = {}): SourceFile[] {
  const data = path.resolve(ROOT, '..', 'shared', 'data', 'code');
  const splits = JSON.parse(fs.readFileSync(path.join(data, 'splits.json'), 'utf8')) as { dev: { repo: string }[] };
  const dev = new Set(splits.dev.map((e) => e.repo));
  if (dev.size === 0) throw new Error('no dev-split repositories found in splits.json');
  const out: SourceFile[] = [];
  const shards = fs.readdirSync(path.join(data, 'corpus')).filter((f) => f.endsWith('.jsonl')).sort();
  const perShard = Math.ceil(count / shards.length);
  for (const shard of shards) {
    let taken = 0;
    for (const line of fs.readFileSync(path.join(data, 'corpus', shard), 'utf8').split('\n')) {
      if (!line || taken >= perShard) continue;
      const rec = JSON.parse(line) as SourceFile;
      if (!dev.has(rec.repo)) continue;
      const n = Buffer.byteLength(rec.content);
      if (n > (opts.maxBytes ?? 20000) || n < (opts.minBytes ?? 500)) continue;
      out.push(rec);
      taken++;
    }
  }
  return out.slice(0, count);
}

/** Deterministic pseudo-random cursor offsets in a text, at line starts or mid-line. */
export function cursorOffsets(text: string, count: number, seed: number): number[] {
  let s = seed >>> 0;
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.floor(text.length * (0.2 + 0.7 * rnd())));
  return out;
}

export interface LogitsReply { logits: string; shape: [number, number]; argmax: number[] }

/** One row of a reference logits reply. */
export function refRow(r: LogitsReply, row: number): Float32Array {
  const buf = Buffer.from(r.logits, 'base64');
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const v = r.shape[1];
  return all.subarray(row * v, (row + 1) * v);
}
