// Benchmark prompts: code before a cursor, from dev-split files (never train), the infilling eval
// sets (HumanEval multi-line infilling, SAFIM blocks: the text before the hole), or a user folder.
// The repository-level set (and a user folder) also give each prompt a datastore: the other files
// of its repository (the prompt's own file left out, so nothing after the cursor leaks in).
// The infilling sets with their documents (infill-doc) give each prompt the datastore an editor
// has there: the document itself with the hole empty (prefix + suffix; the middle is not in it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { cursorOffsets, devFiles, folderFiles, repoFiles, sharedDataDir, type SourceFile } from './data';

export type PromptSource = { kind: 'dev' } | { kind: 'infill' } | { kind: 'infill-doc' } | { kind: 'repo' } | { kind: 'dir'; dir: string };

export interface BenchPrompt {
  text: string;
  /** The prompt's datastore: its files, and the prompt's own file to leave out (if it is among them). */
  store?: { key: string; files: SourceFile[]; exclude?: string };
}

/** At most this many characters before the cursor, cut at a line start (about 1K tokens of code). */
export const PROMPT_CHARS = 3000;

export function clipPrefix(text: string, at: number, chars = PROMPT_CHARS): string {
  const from = Math.max(0, at - chars);
  const nl = from === 0 ? -1 : text.indexOf('\n', from);
  return text.slice(nl < 0 || nl >= at ? from : nl + 1, at);
}

export function benchPrompts(source: PromptSource, n: number, root: string): BenchPrompt[] {
  const perFile = 3;
  const out: BenchPrompt[] = [];
  if (source.kind === 'infill' || source.kind === 'infill-doc') {
    const evalDir = path.join(sharedDataDir(root), 'eval');
    const read = (f: string): Record<string, string>[] => zlib.gunzipSync(fs.readFileSync(path.join(evalDir, f))).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);
    const he = read('human-eval-infilling/HumanEval-MultiLineInfilling.jsonl.gz');
    const safim = read('safim/block_completion.jsonl.gz');
    const push = (key: string, lang: string, prefix: string, suffix: string): void => {
      if (out.length >= n) return;
      const doc = source.kind === 'infill-doc' ? { key, files: [{ repo: key, path: 'document', lang, content: prefix + suffix }] } : undefined;
      out.push({ text: clipPrefix(prefix, prefix.length), store: doc });
    };
    // Every k-th record, alternating the two sets, so a small n still spans both.
    const half = Math.ceil(n / 2);
    for (let i = 0; i < half; i++) {
      const h = he[Math.floor((i * he.length) / half)];
      if (h) push(`he-${i}`, 'python', h.prompt as string, h.suffix as string);
      const s = safim[Math.floor((i * safim.length) / half)];
      if (s) {
        const e = (s.eval_prompt as string).replace(/\r\n/g, '\n');
        const hole = e.indexOf('{{completion}}');
        push(`safim-${i}`, String(s.lang ?? ''), e.slice(0, hole), e.slice(hole + '{{completion}}'.length));
      }
    }
    return out;
  }
  const files = source.kind === 'dir'
    ? folderFiles(path.resolve(source.dir), Math.ceil(n / perFile))
    : devFiles(sharedDataDir(root), Math.ceil(n / perFile), { minBytes: 2000, maxBytes: 40000 });
  if (files.length === 0) throw new Error(`no source files found in ${source.kind === 'dir' ? source.dir : 'the dev split'}`);
  // Datastores: a user folder's files, or each dev repository's files.
  const stores = new Map<string, SourceFile[]>();
  if (source.kind === 'dir') stores.set(source.dir, folderFiles(path.resolve(source.dir), 20_000));
  if (source.kind === 'repo') {
    for (const f of repoFiles(sharedDataDir(root), new Set(files.map((x) => x.repo)))) {
      const list = stores.get(f.repo) ?? [];
      list.push(f);
      stores.set(f.repo, list);
    }
  }
  for (const f of files) {
    const key = source.kind === 'dir' ? source.dir : f.repo;
    const repo = stores.get(key);
    for (const at of cursorOffsets(f.content, perFile, f.path.length)) {
      if (out.length < n) out.push({ text: clipPrefix(f.content, at), store: repo ? { key, files: repo, exclude: f.path } : undefined });
    }
  }
  return out;
}
