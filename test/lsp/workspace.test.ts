// The repository datastore from the language server's side: which workspace files are indexed
// (git's ignore rules, language filters, exclusions, binary and oversized files, the size cap),
// and edits reaching the datastore once they settle.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../../common/settings';
import type { CompletionResult } from '../../server/engine/engine';
import type { IndexFile } from '../../server/engine/protocol';
import { Completer, type EngineLike } from '../../server/lsp/completer';
import { scanWorkspace } from '../../server/lsp/workspace';

function workspace(git: boolean): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-ws-'));
  const put = (rel: string, text: string | Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  put('app.py', 'def main():\n    return 1\n');
  put('src/util.ts', 'export const x = 1;\r\nexport const y = 2;\r\n'); // Windows line ends
  put('notes.md', '# notes\n');
  put('node_modules/dep/index.js', 'module.exports = 1;\n');
  put('.cache/tmp.py', 'x = 1\n');
  put('gen/out.py', 'generated = 1\n');
  put('blob.c', Buffer.from([0x69, 0x6e, 0x74, 0x00, 0x01]));
  put('dist/app.min.js', 'var a=1;\n');
  if (git) {
    put('.gitignore', 'gen/\n');
    assert.equal(spawnSync('git', ['init', '-q', root]).status, 0, 'git init');
  }
  return root;
}

const rel = (root: string, files: IndexFile[]): string[] => files.map((f) => path.relative(root, f.path)).sort();

describe('workspace datastore', () => {
  it('indexes the source files completions run in, honouring .gitignore', async () => {
    const root = workspace(true);
    const scan = await scanWorkspace([root], DEFAULT_SETTINGS, 1 << 20);
    assert.equal(scan.how, 'git ls-files');
    // notes.md: markdown is off by default; gen/: ignored; node_modules, dist/*.min.js: excluded;
    // blob.c: binary.
    assert.deepEqual(rel(root, scan.files), ['app.py', 'src/util.ts']);
    assert.equal(scan.skipped, 1, 'the binary file');
    assert.equal(scan.files.find((f) => f.path.endsWith('util.ts'))?.text, 'export const x = 1;\nexport const y = 2;\n', 'read with LF line ends, as open documents are seen');
    const walked = await scanWorkspace([workspace(false)], DEFAULT_SETTINGS, 1 << 20);
    assert.equal(walked.how, 'folder walk');
    assert.deepEqual(walked.files.map((f) => path.basename(f.path)).sort(), ['app.py', 'out.py', 'util.ts'], 'no git: hidden folders and node_modules skipped');
    const capped = await scanWorkspace([root], DEFAULT_SETTINGS, 30);
    assert.deepEqual(rel(root, capped.files), ['app.py'], 'the size cap keeps the shortest paths first');
    assert.equal(capped.truncated, true);
  });

  it('builds the datastore after the model loads and sends settled edits', async () => {
    const root = workspace(true);
    const calls: { files: string[]; replace: boolean }[] = [];
    const engine: EngineLike = {
      info: { modelPath: '/m/model.gguf', modelHash: 'h', device: 'cpu', loadMs: 1, config: {} as never, graph: { weights: 'nbits', accuracyLevel: 0, head: 'f32', maxPositions: 8192 }, exact: true, fim: false },
      async complete(): Promise<CompletionResult> { throw new Error('not used'); },
      async index(files, replace) {
        calls.push({ files: rel(root, files), replace });
        return { files: files.length, tokens: 10, bytes: 80, ms: 1 };
      },
      async dispose() { /* nothing */ },
    };
    const logs: string[] = [];
    const c = new Completer(async () => engine, { status: () => undefined, log: (l) => logs.push(l), modelPath: () => '/m/model.gguf', workspaceRoots: () => [root], editSettleMs: 20 });
    await c.applySettings(DEFAULT_SETTINGS);
    await c.ensureEngine();
    const deadline = Date.now() + 5000;
    while (calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(calls, [{ files: ['app.py', 'src/util.ts'], replace: true }]);
    assert.ok(logs.some((l) => /^datastore: 2 files \(git ls-files\), 10 tokens/.test(l)), logs.join('\n'));
    // Three quick edits of one file reach the datastore once; a markdown file never does.
    const uri = `file://${path.join(root, 'app.py')}`;
    for (const t of ['a', 'ab', 'abc']) c.documentChanged({ uri, languageId: 'python' }, () => t);
    c.documentChanged({ uri: `file://${path.join(root, 'notes.md')}`, languageId: 'markdown' }, () => 'x');
    c.documentChanged({ uri: 'file:///elsewhere/x.py', languageId: 'python' }, () => 'x');
    while (calls.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(calls.slice(1), [{ files: ['app.py'], replace: false }]);
    // Turning the datastore off empties it.
    await c.applySettings({ ...DEFAULT_SETTINGS, datastore: { enable: false, maxMB: 16 } });
    while (calls.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(calls[2], { files: [], replace: true });
  });
});
