// The workspace's source files for the repository datastore: `git ls-files` where the folder is a
// git work tree (tracked and untracked files, .gitignore respected), else a walk that skips
// node_modules; hidden files and folders left out either way; then the language filters and exclusions of the settings,
// binary and oversized files left out, at most `maxBytes` in all (smallest paths first, so the
// choice is stable). Reads are asynchronous: the language server keeps answering meanwhile.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toLf } from '../../common/eol';
import { enabledFor, type Settings } from '../../common/settings';
import type { IndexFile } from '../engine/protocol';

/** Source extensions and their VS Code language ids (files of other kinds are not indexed). */
const LANGUAGES: Record<string, string> = {
  py: 'python', pyi: 'python', js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascriptreact',
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'typescriptreact', go: 'go', rs: 'rust',
  java: 'java', kt: 'kotlin', scala: 'scala', c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp',
  cs: 'csharp', rb: 'ruby', php: 'php', swift: 'swift', lua: 'lua', sh: 'shellscript', bash: 'shellscript',
  sql: 'sql', html: 'html', css: 'css', scss: 'scss', vue: 'vue', svelte: 'svelte', dart: 'dart', r: 'r',
  jl: 'julia', ex: 'elixir', exs: 'elixir', erl: 'erlang', hs: 'haskell', ml: 'ocaml', zig: 'zig', m: 'objective-c',
};

export function languageOf(file: string): string | undefined {
  return LANGUAGES[path.extname(file).slice(1).toLowerCase()];
}

export interface WorkspaceScan { files: IndexFile[]; bytes: number; skipped: number; truncated: boolean; how: string }

function gitFiles(root: string): string[] | undefined {
  const r = spawnSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8', timeout: 15_000, maxBuffer: 1 << 28 });
  if (r.status !== 0 || r.error) return undefined;
  return r.stdout.split('\0').filter(Boolean).map((f) => path.join(root, f));
}

function walkFiles(root: string, limit: number): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (out.length >= limit) return;
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** The source files under the roots that completions would run in, up to maxBytes. */
export async function scanWorkspace(roots: readonly string[], s: Settings, maxBytes: number): Promise<WorkspaceScan> {
  const candidates: string[] = [];
  const how: string[] = [];
  for (const root of roots) {
    const git = gitFiles(root);
    how.push(git ? 'git ls-files' : 'folder walk');
    // Hidden folders (caches, tool state) are left out either way.
    candidates.push(...(git ?? walkFiles(root, 200_000)).filter((f) => !path.relative(root, f).split(path.sep).some((seg) => seg.startsWith('.'))));
  }
  const chosen = candidates
    .filter((f) => { const lang = languageOf(f); return lang !== undefined && enabledFor(s, lang, f); })
    .sort((a, b) => a.length - b.length || a.localeCompare(b));
  const files: IndexFile[] = [];
  let bytes = 0;
  let skipped = 0;
  let truncated = false;
  const perFile = Math.min(s.maxFileBytes, 512 * 1024);
  for (const f of chosen) {
    let buf: Buffer;
    try {
      const st = await fs.promises.stat(f);
      if (!st.isFile() || st.size > perFile) { skipped++; continue; }
      if (bytes + st.size > maxBytes) { truncated = true; break; }
      buf = await fs.promises.readFile(f);
    } catch { skipped++; continue; }
    if (buf.subarray(0, 8192).includes(0)) { skipped++; continue; }
    // LF line ends, as open documents are seen (eol.ts): lookup matches the prompts' text.
    files.push({ path: f, text: toLf(buf.toString('utf8')) });
    bytes += buf.length;
  }
  return { files, bytes, skipped, truncated, how: [...new Set(how)].join(', ') };
}
