// Shared test helpers: the Python reference, tiny random-weight GGUFs, the default model, and
// real code from the dev split of ../shared/data.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { devFiles as readDevFiles, sharedDataDir, type SourceFile } from '../server/bench/data';
import { defaultCacheDir } from '../server/engine/graph-cache';
import { projectRoot, resolveModelPath } from '../server/paths';

export const ROOT = projectRoot(__dirname);
/** The Python of models/.venv, where scripts/setup.sh installs the `prism` package (models/). */
export const PY = path.join(ROOT, 'models', '.venv', 'bin', 'python');

// Graphs built by tests go to a cache of their own.
process.env.PRISM_CACHE_DIR ??= path.join(os.tmpdir(), 'prism-complete-test-cache');

/** Runs the reference (models/prism/reference.py) on one request (or {batch: [...]}) and returns its reply. */
export function reference<T = unknown>(req: unknown): T {
  if (!fs.existsSync(PY)) throw new Error(`${PY} is missing: run scripts/setup.sh to create the Python environment`);
  const r = spawnSync(PY, ['-m', 'prism.reference'], {
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
  const args = ['-m', 'prism.tiny_gguf', file, '--arch', arch, '--type', type];
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

export type { SourceFile } from '../server/bench/data';
export { cursorOffsets } from '../server/bench/data';

/** Files from the dev-split repositories of ../shared/data/code, in a fixed order. */
export function devFiles(count: number, opts: { maxBytes?: number; minBytes?: number } = {}): SourceFile[] {
  return readDevFiles(sharedDataDir(ROOT), count, opts);
}

export interface LogitsReply { logits: string; shape: [number, number]; argmax: number[] }

/** One row of a reference logits reply. */
export function refRow(r: LogitsReply, row: number): Float32Array {
  const buf = Buffer.from(r.logits, 'base64');
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const v = r.shape[1];
  return all.subarray(row * v, (row + 1) * v);
}

/**
 * An environment in which onnxruntime (1.30.0) would start its telemetry: the CI variables it
 * stays quiet for left out, its store in `cache` (an empty folder; our graphs stay in the usual
 * cache). The language server's and the CLI's tests check that no store appears there.
 */
export function telemetryEnv(cache: string): NodeJS.ProcessEnv {
  const quiet = ['CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID', 'BUILDKITE', 'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER', 'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI', 'ORT_RUNNING_UNIT_TESTS', 'ORT_DISABLE_TELEMETRY'];
  return { ...Object.fromEntries(quiet.map((k) => [k, undefined])), XDG_CACHE_HOME: cache, PRISM_CACHE_DIR: defaultCacheDir() };
}
