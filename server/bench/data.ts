// Real code for benchmarks and tests: files of the dev-split repositories of
// ../shared/data/code (never the train split), or of any folder the user points at.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../engine/sampler';

export interface SourceFile { repo: string; path: string; lang: string; content: string }

/**
 * The code data folder: $PRISM_SHARED_DATA, or shared/data/code beside the repository. Throws one
 * line that says what to do where it is missing (a clone elsewhere than beside shared/).
 */
export function sharedDataDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PRISM_SHARED_DATA ? path.resolve(env.PRISM_SHARED_DATA) : path.resolve(root, '..', 'shared', 'data', 'code');
  if (!fs.existsSync(path.join(dir, 'splits.json'))) {
    throw new Error(`no code data at ${dir} (its splits.json is missing): the dev-split benchmarks and tests read shared/data/code beside the repository; clone the repository next to shared/, set PRISM_SHARED_DATA to that folder, or benchmark a folder of your own with --dir`);
  }
  return dir;
}

/** Files from the dev-split repositories, spread over the language shards, in a fixed order. */
export function devFiles(dataDir: string, count: number, opts: { maxBytes?: number; minBytes?: number } = {}): SourceFile[] {
  const splits = JSON.parse(fs.readFileSync(path.join(dataDir, 'splits.json'), 'utf8')) as { dev: { repo: string }[] };
  const dev = new Set(splits.dev.map((e) => e.repo));
  if (dev.size === 0) throw new Error('no dev-split repositories found in splits.json');
  const out: SourceFile[] = [];
  const shards = fs.readdirSync(path.join(dataDir, 'corpus')).filter((f) => f.endsWith('.jsonl')).sort();
  const perShard = Math.ceil(count / shards.length);
  for (const shard of shards) {
    let taken = 0;
    for (const line of fs.readFileSync(path.join(dataDir, 'corpus', shard), 'utf8').split('\n')) {
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

/** Text files of a folder (recursively), for benchmarking on the user's own code. */
export function folderFiles(dir: string, count: number, maxBytes = 200_000): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= count) return;
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const buf = fs.readFileSync(p);
        if (buf.length < 200 || buf.length > maxBytes || buf.subarray(0, 8192).includes(0)) continue;
        out.push({ repo: path.basename(dir), path: path.relative(dir, p), lang: path.extname(p).slice(1), content: buf.toString('utf8') });
      }
    }
  };
  walk(dir);
  return out;
}

/** Every file of the given dev-split repositories (the repository-level prompt set's datastores). */
export function repoFiles(dataDir: string, repos: ReadonlySet<string>, maxBytes = 200_000): SourceFile[] {
  const out: SourceFile[] = [];
  for (const shard of fs.readdirSync(path.join(dataDir, 'corpus')).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of fs.readFileSync(path.join(dataDir, 'corpus', shard), 'utf8').split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line) as SourceFile;
      if (repos.has(rec.repo) && rec.content.length <= maxBytes) out.push(rec);
    }
  }
  return out;
}

/** Deterministic pseudo-random cursor offsets in a text, between 20% and 90% of its length. */
export function cursorOffsets(text: string, count: number, seed: number): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.floor(text.length * (0.2 + 0.7 * rng.next())));
  return out;
}
