// Built graphs are cached on disk, keyed by a hash of the GGUF, the builder version and the
// build options. Files are written atomically (temp file + rename): a crash never leaves half a graph.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuiltModel } from '../../kernels/onnx';

export function defaultCacheDir(): string {
  return process.env.PRISM_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'prism-complete');
}

/** Writes `data` (or its pieces, in order) to `file` atomically. */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    if (Array.isArray(data)) {
      const fd = fs.openSync(tmp, 'w');
      try {
        for (const piece of data as readonly Uint8Array[]) fs.writeSync(fd, piece);
      } finally {
        fs.closeSync(fd);
      }
    } else {
      fs.writeFileSync(tmp, data as string | Uint8Array);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** sha256 of a file, remembered per (path, size, mtime) so a model is hashed once. */
export function fileHash(file: string, cacheDir = defaultCacheDir()): string {
  const st = fs.statSync(file);
  const indexFile = path.join(cacheDir, 'hash-index.json');
  const key = `${path.resolve(file)}|${st.size}|${st.mtimeMs}`;
  let index: Record<string, string> = {};
  try {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as Record<string, string>;
  } catch {
    index = {};
  }
  const hit = index[key];
  if (hit) return hit;
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(8 << 20);
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const digest = h.digest('hex');
  index[key] = digest;
  writeFileAtomic(indexFile, JSON.stringify(index, null, 1));
  return digest;
}

/** The graph cache's size cap in bytes: PRISM_GRAPH_CACHE_MB, default 2 GiB. */
export function graphCacheCap(): number {
  const mb = Number(process.env.PRISM_GRAPH_CACHE_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 2048) * 2 ** 20;
}

/** The file beside a cached graph that holds its weights (ONNX external data). */
export function graphDataFile(graphFile: string): string {
  return `${graphFile}.data`;
}

/**
 * Returns the path of the cached graph for `key`, building it with `build` when missing. A built
 * model is written as two files, its weights beside the graph (BuiltModel.split: onnxruntime maps
 * them rather than copying them); the weights file is written first, so a graph file on disk
 * always has its weights. Bytes are written as one file.
 * `onBuild` is told when a build starts (it can take seconds for large models). Graphs of the
 * same model from other builder generations (`stalePrefix` matches, `generation` does not) are
 * deleted when a new one is written, and so are the least recently used graphs while the cache
 * holds more than `cap` bytes (graphs of heads and models no longer used; a hit marks a graph used,
 * and a graph used in the last day stays, so a model larger than the cap never evicts itself).
 */
export function cachedGraph(cacheDir: string, key: string, build: () => Uint8Array | BuiltModel, onBuild?: () => void, stale?: { prefix: string; generation: string }, cap = graphCacheCap()): string {
  const dir = path.join(cacheDir, 'graphs');
  const file = path.join(dir, `${key}.onnx`);
  if (fs.existsSync(file)) {
    try {
      const now = new Date();
      fs.utimesSync(file, now, now);
    } catch {
      // A read-only cache still serves its graphs.
    }
    return file;
  }
  onBuild?.();
  const built = build();
  if (built instanceof Uint8Array) {
    writeFileAtomic(file, built);
  } else {
    const split = built.split(path.basename(graphDataFile(file)));
    writeFileAtomic(graphDataFile(file), split.data);
    writeFileAtomic(file, split.model);
  }
  if (stale) {
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(stale.prefix) && !f.includes(stale.generation) && (f.endsWith('.onnx') || f.endsWith('.onnx.data'))) fs.rmSync(path.join(dir, f), { force: true });
    }
  }
  pruneGraphs(dir, cap, file);
  return file;
}

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** Removes a cached graph and its weights file (a graph onnxruntime could not load is built again). */
export function dropGraph(graphFile: string): void {
  fs.rmSync(graphFile, { force: true });
  fs.rmSync(graphDataFile(graphFile), { force: true });
}

/**
 * Opens a cached graph: `get` gives its path (building it when missing) and whether it built it.
 * A graph that does not open and was not just built (its weights file deleted, a disk that filled
 * up while an older version wrote it) is dropped, built again and opened once more.
 */
export async function openCachedGraph<T>(get: () => { path: string; built: boolean }, open: (file: string) => Promise<T>, log?: (line: string) => void): Promise<T> {
  const first = get();
  try {
    return await open(first.path);
  } catch (e) {
    if (first.built) throw e;
    log?.(`the cached graph ${first.path} did not load (${(e as Error).message}); building it again`);
    dropGraph(first.path);
    return await open(get().path);
  }
}

/** A graph used this recently is kept even over the cap: a running server may be using it. */
const KEEP_RECENT_MS = 24 * 3600 * 1000;

/**
 * Deletes the least recently used graphs in `dir` (each with its weights file) until they total
 * at most `cap` bytes; never `keep` nor a graph used in the last day. Weights files whose graph is
 * gone go too. Returns the deleted graph files.
 */
export function pruneGraphs(dir: string, cap: number, keep: string, now = Date.now()): string[] {
  const names = new Set(fs.readdirSync(dir));
  for (const f of names) {
    // An orphan's graph may be being written by another server right now (weights first): only old ones go.
    if (f.endsWith('.onnx.data') && !names.has(f.slice(0, -'.data'.length)) && now - mtime(path.join(dir, f)) > KEEP_RECENT_MS) fs.rmSync(path.join(dir, f), { force: true });
  }
  const size = (file: string): number => {
    try {
      return fs.statSync(file).size;
    } catch {
      return 0;
    }
  };
  const graphs = [...names].filter((f) => f.endsWith('.onnx')).flatMap((f) => {
    try {
      const file = path.join(dir, f);
      const st = fs.statSync(file);
      return [{ file, size: st.size + size(graphDataFile(file)), used: st.mtimeMs }];
    } catch {
      return [];
    }
  }).sort((a, b) => a.used - b.used);
  let total = graphs.reduce((n, g) => n + g.size, 0);
  const removed: string[] = [];
  for (const g of graphs) {
    if (total <= cap) break;
    if (g.file === keep || now - g.used < KEEP_RECENT_MS) continue;
    fs.rmSync(g.file, { force: true });
    fs.rmSync(graphDataFile(g.file), { force: true });
    total -= g.size;
    removed.push(g.file);
  }
  return removed;
}
