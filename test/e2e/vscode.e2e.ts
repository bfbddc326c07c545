// End to end in a real VS Code: the packaged .vsix installed into code-server (VS Code's server
// and web workbench, from npm), driven by Playwright through Debian's Chromium. Opens a real file,
// types, waits for the ghost text, accepts it with Tab, saves, and checks the file on disk; presses
// Enter after a Python method header, waits for the whole block (its first line comes first), and
// checks the accepted code lands on the cursor line with the
// editor's indentation; runs every contributed command from the command palette.
// Enter pressed the moment a file opens (before the extension is ready) gets ghost text too;
// Alt+\ (the package's key) at a block's start gets the whole block after its first line.
// With VS Code's auto-closing on (JavaScript), typing a ghost text's opener keeps it, and Tab
// writes one closer. With VS Code's suggestion list open on half a word, one Tab writes the
// list's item and the ghost text after it; at a dot where TypeScript's server opens its list, the
// model's member leads it, selected.
// Run by `node out/test/e2e/vscode.e2e.js` (the test command runs it after the unit tests);
// scripts/e2e-setup.sh installs code-server into a cache outside the repository the first time.
import * as assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ortVersion } from '../../server/cuda/install';
import { buildPackage, startFeed } from '../cuda/feed';
import { ROOT } from '../helpers';

const VSIX = process.env.PRISM_VSIX ?? path.join(ROOT, 'dist', 'prism-complete-linux-x64.vsix');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function waitForOutput(proc: ChildProcess, pattern: RegExp, what: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not print "${pattern.source}" within ${timeoutMs} ms: ${seen.slice(-2000)}`)), timeoutMs);
    const on = (b: Buffer): void => {
      seen += b.toString();
      if (pattern.test(seen)) { proc.stdout?.off('data', on); proc.stderr?.off('data', on); clearTimeout(timer); resolve(); }
    };
    proc.stdout?.on('data', on);
    proc.stderr?.on('data', on);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}) before "${pattern.source}": ${seen.slice(-2000)}`)); });
  });
}

describe('PRISM Complete in VS Code (code-server + Chromium)', () => {
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  let work: string;
  let userData: string;
  let closeFeed: (() => Promise<void>) | undefined;
  const file = 'stack.py';
  const coldFile = 'inventory.py';
  const coldText = 'class Inventory:\n    def __init__(self):\n        self.items = {}\n\n    def add(self, name, count):\n        self.items[name] = self.items.get(name, 0) + count\n\n    def remove(self, name, count):';
  const enterFile = 'cache.py';
  const enterText = 'class Cache:\n    def __init__(self):\n        self.items = {}\n\n    def get(self, key):';
  // A block whose first line comes first and its rest after it (prism.progressive).
  const escapeFile = 'registry.py';
  const escapeText = 'class Registry:\n    def __init__(self):\n        self.items = {}\n\n    def get(self, key):';
  // A line typed into, its ghost text taken with Tab at the line's end: the next line follows.
  const nextFile = 'scan.py';
  const nextText = 'import os\n\n\ndef list_files(root):\n    names = []\n    for entry in os.scandir(root):\n        if entry.is_file():\n            names.append(entr';
  // An empty line at column 0 inside a function: the model's line starts with its indentation.
  const indentFile = 'scale.py';
  const indentText = 'def scale(values, factor):\n    result = [v * factor for v in values]\n';
  // A line the user types to its end, then a pause: the next line shows below; Enter finds it.
  const typedFile = 'walk.py';
  const typedText = 'import os\n\n\ndef list_files(root):\n    names = []\n    for entry in os.scandir(root):\n        if entry.is_file():\n            print(entry.pat';
  // Enter after a function's last statement: VS Code keeps its indentation; the model closes the function.
  const dedentFile = 'area.ts';
  const dedentText = '// Geometry helpers.\nexport function area(w: number, h: number): number {\n  const result = w * h;\n  return result;';
  // Alt+\ (an invoked request) at a block's start: VS Code takes a second invoked trigger there as answered.
  const invokedFile = 'store.py';
  const invokedText = 'class Store:\n    def __init__(self):\n        self.items = {}\n\n    def get(self, key):\n        ';
  // A line whose closers are already there, as VS Code's auto-closing leaves them: `distance(a|))`.
  const closerFile = 'geometry.ts';
  const closerText = 'interface Point { x: number; y: number }\n\nfunction distance(a: Point, b: Point): number {\n  return Math.hypot(a.x - b.x, a.y - b.y);\n}\n\nfunction main(): void {\n  const a: Point = { x: 0, y: 0 };\n  const b: Point = { x: 3, y: 4 };\n  console.log(distance())';
  // The same code, typed with VS Code's auto-closing on (JavaScript only: the other tests type without it).
  const autoCloseFile = 'geometry.js';
  const autoCloseText = 'function distance(a, b) {\n  return Math.hypot(a.x - b.x, a.y - b.y);\n}\n\nfunction main() {\n  const a = { x: 0, y: 0 };\n  const b = { x: 3, y: 4 };\n  console.log(distanc';
  // Half a word with VS Code's suggestion list open on it (Ctrl+Space: the suite's quick suggestions are off).
  const listFile = 'points.py';
  const listText = 'def distance(a, b):\n    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5\n\n\ndef main():\n    a = (0, 0)\n    b = (3, 4)\n    print(dista';
  // A dot where TypeScript's server opens the suggestion list (its first member would be `assert`).
  const dotFile = 'shapes.ts';
  const dotText = 'function area(w: number, h: number): number {\n  return w * h;\n}\n\nfunction main(): void {\n  console.log(area(2, 3));\n  console.log(area(4, 5));\n  console';
  // The same dot at the end of a long file (~1,500 tokens), typed the moment it opens: its prompt
  // is still being computed, so the reply can come after the list's wait (extension/member.ts).
  const coldDotFile = 'areas.ts';
  const coldDotText = `${['square', 'circle', 'triangle', 'hexagon', 'ellipse', 'rhombus', 'pentagon', 'octagon', 'trapezoid', 'kite', 'star', 'arrow', 'cross', 'heart', 'crescent', 'diamond', 'parallelogram', 'semicircle', 'sector', 'annulus', 'oval', 'prism', 'cube', 'sphere', 'cone', 'cylinder', 'pyramid', 'torus', 'wedge', 'lens']
    .map((n, i) => `export function ${n}Area(a: number, b: number): number {\n  const area = a * b * ${i + 1};\n  console.log(\`${n}: \${area}\`);\n  return area;\n}\n\n`).join('')}function main(): void {\n  console.log(squareArea(2, 3));\n  console`;
  const notebookFile = 'analysis.ipynb';
  const notebookCell = 'for i in range(10):\n    print(';
  const notebookCode = (src: string): object => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: src.split(/(?<=\n)/) });
  const original = 'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        ';

  before(async () => {
    const cs = execFileSync('bash', [path.join(ROOT, 'scripts', 'e2e-setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop() as string;
    const entry = path.join(cs, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    assert.ok(fs.existsSync(VSIX), `${VSIX} is missing: run npm run package first`);
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-e2e-'));
    work = path.join(base, 'work');
    userData = path.join(base, 'user');
    const exts = path.join(base, 'extensions');
    fs.mkdirSync(work);
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(work, file), original);
    fs.writeFileSync(path.join(work, enterFile), enterText);
    fs.writeFileSync(path.join(work, coldFile), coldText);
    fs.writeFileSync(path.join(work, escapeFile), escapeText);
    fs.writeFileSync(path.join(work, invokedFile), invokedText);
    fs.writeFileSync(path.join(work, nextFile), nextText);
    fs.writeFileSync(path.join(work, typedFile), typedText);
    fs.writeFileSync(path.join(work, indentFile), indentText);
    fs.writeFileSync(path.join(work, dedentFile), dedentText);
    fs.writeFileSync(path.join(work, closerFile), closerText);
    fs.writeFileSync(path.join(work, autoCloseFile), autoCloseText);
    fs.writeFileSync(path.join(work, listFile), listText);
    fs.writeFileSync(path.join(work, dotFile), dotText);
    fs.writeFileSync(path.join(work, coldDotFile), coldDotText);
    fs.writeFileSync(path.join(work, notebookFile), JSON.stringify({
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Fibonacci numbers'] },
        notebookCode('def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)'),
        notebookCode(notebookCell),
      ],
      metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
      nbformat: 4, nbformat_minor: 5,
    }, null, 1));
    // Code for the benchmark command to run on (it benchmarks the workspace's own files).
    fs.copyFileSync(path.join(ROOT, 'examples', 'lru_cache.py'), path.join(work, 'lru_cache.py'));
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': false,
      'editor.inlineSuggest.enabled': true,
      'editor.quickSuggestions': { other: false, comments: false, strings: false },
      'editor.suggestOnTriggerCharacters': false,
      'editor.autoClosingBrackets': 'never',
      '[javascript]': { 'editor.autoClosingBrackets': 'languageDefined' },
      '[typescript]': { 'editor.suggestOnTriggerCharacters': true },
      'prism.timeBudgetMs': 20000,
      'prism.firstLineBudgetMs': 0,
      'prism.maxTokens': 24,
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      // The built-in ipynb editor for notebooks (it may register after the explorer can open the file).
      'workbench.editorAssociations': { '*.ipynb': 'jupyter-notebook' },
    }));
    execFileSync(process.execPath, [entry, '--extensions-dir', exts, '--user-data-dir', userData, '--install-extension', VSIX], { stdio: 'inherit' });
    const port = await freePort();
    // "PRISM: Enable GPU (CUDA)" fetches from a NuGet feed on the loopback serving a test package.
    const nuget = await startFeed(buildPackage().data, ortVersion());
    closeFeed = nuget.close;
    server = spawn(process.execPath, [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust', '--disable-telemetry',
      '--user-data-dir', userData, '--extensions-dir', exts, work], { stdio: ['ignore', 'pipe', 'pipe'], env: {
      ...process.env, PRISM_CUDA_FEED: `${nuget.feed.url}/v3/index.json`,
      // The command-palette benchmark on 2 prompts (plain and auto only) and a 20-character trace
      // of one file after 1 s of reading: the command, its progress and its report end to end
      // (the CLI alone 33 s instead of 65 s on the Zen 3 EPYC; without --only it measures 13 decoding
      // configurations).
      PRISM_BENCH_ARGS: '--positions 2 --trace-chars 20 --open-pause 1000 --only auto --trace-files 1',
    } });
    await waitForOutput(server, /HTTP server listening/, 'code-server');
    browser = await chromium.launch({
      executablePath: process.env.PRISM_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(work)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 120_000 });
  });

  after(async () => {
    if (process.env.PRISM_E2E_SCREENSHOT) await page?.screenshot({ path: process.env.PRISM_E2E_SCREENSHOT }).catch(() => undefined);
    await browser?.close();
    server?.kill();
    await closeFeed?.();
  });

  /** Opens a file of the workspace from the explorer and puts the cursor at its end. */
  async function openAtEnd(name: string): Promise<void> {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
    await row.first().waitFor({ state: 'visible', timeout: 120_000 });
    await row.first().dblclick();
    await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForSelector('.editor-instance .monaco-editor .view-lines', { timeout: 60_000 });
    await page.click('.editor-instance .monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
  }

  /** Runs a command by its title from the command palette. */
  async function runCommand(title: string): Promise<void> {
    // A webview that finishes loading (the benchmark's report preview) can take the focus and
    // close the palette under us: try again, a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await input.fill(`>${title}`, { timeout: 5_000 });
        await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible', timeout: 30_000 });
        await page.keyboard.press('Enter');
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1000);
      }
    }
  }

  /** Polls the saved file until `ok` holds (30 s at most). */
  async function savedWhere(name: string, ok: (text: string) => boolean): Promise<string> {
    const deadline = Date.now() + 30_000;
    let saved = fs.readFileSync(path.join(work, name), 'utf8');
    while (!ok(saved) && Date.now() < deadline) {
      await page.waitForTimeout(200);
      saved = fs.readFileSync(path.join(work, name), 'utf8');
    }
    return saved;
  }

  /** Tab (the ghost text goes), save, and the saved file once `ok` holds (savedWhere). */
  async function tabAndSave(name: string, ok: (text: string) => boolean): Promise<string> {
    await page.keyboard.press('Tab');
    await ghost().first().waitFor({ state: 'detached', timeout: 30_000 }).catch(() => undefined);
    await page.keyboard.press('Control+S');
    return savedWhere(name, ok);
  }

  /** A saved file's last line. */
  const lastLine = (saved: string): string => saved.trimEnd().split('\n').pop() as string;

  const ghost = (): ReturnType<Page['locator']> => page.locator('.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text');
  const statusItem = (): ReturnType<Page['locator']> => page.locator('[id="prism-complete.prism"], .statusbar-item:has-text("PRISM")').first();

  it('Enter pressed the moment a file opens, while the extension is still starting, still gets ghost text', async () => {
    // First in the suite: the window has just loaded, so the extension may not be active yet. The
    // edit then never reaches the provider as a change; the extension asks once the model is
    // loaded (extension.ts, catchUp). Without that, no ghost text came within 60 s.
    await openAtEnd(coldFile);
    await page.keyboard.press('Enter');
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    const shown = (await ghost().allTextContents()).join('');
    assert.ok(shown.trim().length > 0, 'ghost text has content');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
  });

  it('shows ghost text while typing, accepts it with Tab, and the file has it', async () => {
    await openAtEnd(file);
    // The status item appears once the extension is active.
    await page.waitForSelector('[id="prism-complete.prism"], .statusbar-item:has-text("PRISM")', { timeout: 120_000 });
    await page.keyboard.type('self.', { delay: 80 });
    await ghost().first().waitFor({ state: 'visible', timeout: 180_000 });
    const shown = (await ghost().allTextContents()).join('');
    assert.ok(shown.trim().length > 0, 'ghost text has content');
    // The status bar says how long the ghost text took (from the editor's request to the reply).
    // (Polled: a request VS Code makes meanwhile shows the spinner until it is answered.)
    let bar = '';
    for (const end = Date.now() + 15_000; !/PRISM \d+ ms/.test(bar) && Date.now() < end; await page.waitForTimeout(100)) bar = (await statusItem().textContent()) ?? '';
    assert.match(bar, /PRISM \d+ ms/, `status bar: ${JSON.stringify(bar)}`);
    // Wait for the saved file to hold more than what was typed.
    const saved = await tabAndSave(file, (t) => t.length > original.length + 'self.'.length);
    assert.ok(saved.startsWith(`${original}self.`), `the typed text is in the file: ${JSON.stringify(saved)}`);
    const accepted = saved.slice(original.length + 'self.'.length);
    assert.ok(accepted.length > 0, 'Tab inserted the suggestion');
    assert.equal(accepted.replace(/\s+/g, ''), shown.replace(/\s+/g, '').slice(0, accepted.replace(/\s+/g, '').length), `accepted ${JSON.stringify(accepted)} vs shown ${JSON.stringify(shown)}`);
  });

  it('where the line already has the closers a suggestion writes (`distance(a|))` + `, b));`), Tab replaces them instead of doubling them', async () => {
    await openAtEnd(closerFile);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.type('a');
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    const shown = (await ghost().allTextContents()).join('');
    const saved = await tabAndSave(closerFile, (t) => t.length > closerText.length + 1);
    const line = lastLine(saved);
    // The model writes the closers and the `;` (else this test would show nothing): one of each.
    assert.ok(shown.includes(';'), `the suggestion goes past the closers: ${JSON.stringify(shown)}`);
    // (A comment after the `;` is the model's: on the AVX2-only EPYC its greedy line ends `// 10.0`.)
    assert.match(line, /^ {2}console\.log\(distance\(a[^()]*\)\);( *\/\/.*)?$/, `one pair of closers and the \`;\`: ${JSON.stringify(line)}`);
  });

  it('typing a ghost text\'s opener that VS Code closes (`distance(|)`), the ghost text stays and Tab writes one closer', async () => {
    await openAtEnd(autoCloseFile);
    await page.keyboard.type('e');
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    const before = (await ghost().allTextContents()).join('');
    assert.ok(before.startsWith('('), `the suggestion begins with the call's opener: ${JSON.stringify(before)}`);
    await page.keyboard.type('(');
    await ghost().first().waitFor({ state: 'visible', timeout: 30_000 });
    const shown = (await ghost().allTextContents()).join('');
    const saved = await tabAndSave(autoCloseFile, (t) => t.length > autoCloseText.length + 3);
    const line = lastLine(saved);
    assert.match(line, /^ {2}console\.log\(distance\(a[^()]*\)\);?$/, `one closer for each opener (ghost text after the opener: ${JSON.stringify(shown)}): ${JSON.stringify(line)}`);
  });

  it('half a word with VS Code\'s suggestion list open on it (`print(dista` + `distance`): one Tab writes the item and the ghost text after it', async () => {
    await openAtEnd(listFile);
    await statusItem().waitFor({ state: 'visible', timeout: 120_000 });
    await page.keyboard.press('Control+Space');
    const list = page.locator('.suggest-widget.visible');
    await list.waitFor({ state: 'visible', timeout: 30_000 });
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    const shown = (await ghost().allTextContents()).join('').replace(/\u00a0/g, ' ');
    // VS Code's own Tab would take the list's item (`distance`) and leave the ghost text for a second Tab.
    assert.ok(await list.isVisible(), `the list is still open with the ghost text ${JSON.stringify(shown)}`);
    const saved = await tabAndSave(listFile, (t) => t.length > listText.length + 'nce'.length);
    const line = lastLine(saved);
    assert.equal(line.trim(), `print(dista${shown}`.trim(), `one Tab wrote what was on screen (ghost text ${JSON.stringify(shown)})`);
    assert.match(line, /^ {4}print\(distance\(/, `the item and the ghost text after it: ${JSON.stringify(line)}`);
  });

  /** The extension's output channel as code-server logged it, its last `n` lines (for failure messages). */
  function outputTail(n = 40): string {
    const logs = fs.readdirSync(path.join(userData, 'logs'), { recursive: true }).map(String).filter((f) => f.endsWith('PRISM Complete.log'));
    const lines = logs.flatMap((f) => fs.readFileSync(path.join(userData, 'logs', f), 'utf8').trimEnd().split('\n'));
    return lines.slice(-n).join('\n');
  }

  /**
   * At a dot: waits (`ms` at most) until the ghost text continues `member` with the list either
   * leading with it, selected, or closed (a reply that came after the list's wait closes it for
   * its ghost text: extension/member.ts); returns what was last seen.
   */
  async function memberShown(member: string, ms: number): Promise<{ selected: string; shown: string; list: boolean }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const list = await page.locator('.suggest-widget.visible').count() > 0;
      const selected = list ? (await page.locator('.suggest-widget.visible .monaco-list-row.focused .label-name').first().textContent({ timeout: 1000 }).catch(() => '')) ?? '' : '';
      const shown = (await ghost().allTextContents()).join('').replace(/\u00a0/g, ' ');
      if ((shown.startsWith(`${member}(`) && (!list || selected === member)) || Date.now() > deadline) return { selected, shown, list };
      await page.waitForTimeout(100);
    }
  }

  it('a dot where the language server opens its list (`console.`): the model\'s member leads the list, selected (or the list gives way to its ghost text), and one Tab writes it and the ghost text', async () => {
    await openAtEnd(dotFile);
    await statusItem().waitFor({ state: 'visible', timeout: 120_000 });
    // The model loaded and the file read in (its warm-up): the list waits 0.7 s at most for the
    // ghost text at the dot; where it came up with another item selected all the same, it closes
    // for the ghost text (two fresh clones' runs), so it may be gone before a look finds it.
    await page.waitForTimeout(5000);
    await page.keyboard.type('.');
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    // TypeScript's own first member of console is `assert`; the model's is `log`, as twice above
    // (97.7% in the fp32 reference).
    const { selected, shown, list } = await memberShown('log', 10_000);
    const log = outputTail();
    assert.ok(shown.startsWith('log('), `the ghost text continues the model's member: ${JSON.stringify(shown)} (list ${list ? `open, ${JSON.stringify(selected)} selected` : 'closed'}); the extension's log ends:\n${log}`);
    // Open, the list leads with it; closed, it gave way (logged) or never came up.
    if (list) assert.equal(selected, 'log', 'the selected item');
    const saved = await tabAndSave(dotFile, (t) => t.length > dotText.length + 'log('.length);
    const line = lastLine(saved);
    assert.equal(line.trim(), `console.${shown}`.trim(), 'one Tab wrote what was on screen');
  });

  it('a dot typed the moment a long file opens, its prompt still being computed: once the reply comes, its ghost text shows (the list leads with its member or gives way) and one Tab writes it', async () => {
    await openAtEnd(coldDotFile);
    await page.keyboard.type('.');
    // (The list may open and close again before a look finds it.) On a fast machine the reply comes within the list's wait; else the list opens with
    // TypeScript's `assert` selected and closes when the reply comes, for its ghost text.
    const { selected, shown, list } = await memberShown('log', 30_000);
    const log = outputTail();
    assert.ok(shown.startsWith('log('), `the ghost text continues the model's member: ${JSON.stringify(shown)} (list ${list ? `open, ${JSON.stringify(selected)} selected` : 'closed'}); the extension's log ends:\n${log}`);
    // Open, the list leads with it; closed, it gave way (logged) or never came up.
    if (list) assert.equal(selected, 'log', 'the selected item');
    const saved = await tabAndSave(coldDotFile, (t) => t.length > coldDotText.length + 'log('.length);
    assert.equal(lastLine(saved).trim(), `console.${shown}`.trim(), 'one Tab wrote what was on screen');
  });

  /** Waits until the ghost text has not changed for `stillMs` (30 s at most); its lengths as it changed. */
  async function ghostChanges(stillMs: number): Promise<number[]> {
    let shown = (await ghost().allTextContents()).join('');
    const changes = [shown.length];
    for (let still = Date.now(), end = Date.now() + 30_000; Date.now() - still < stillMs && Date.now() < end;) {
      await page.waitForTimeout(50);
      const now = (await ghost().allTextContents()).join('');
      if (now !== shown) { shown = now; still = Date.now(); changes.push(now.length); }
    }
    return changes;
  }

  it('after Enter in an indented block, the whole block comes (its first line first) without a keystroke; the accepted code lands on the cursor line with its indentation', async () => {
    await openAtEnd(enterFile);
    await page.keyboard.press('Enter');
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    // prism.progressive: the reply holds the block's first line and the rest follows when done, with
    // no keystroke; on a fast run both may come before the first look. Wait until the ghost text has
    // not changed for 1.5 s: then it must be the whole block (checked in the file after Tab).
    const changes = await ghostChanges(1500);
    // In a window that has just loaded, VS Code may not have Python's indentation rules yet: its
    // Enter then keeps the line's 4 spaces and the ghost text starts with the other 4, where VS
    // Code's own Tab would indent first (prism.tabAcceptsIndentedSuggestions: one Tab takes it).
    const saved = await tabAndSave(enterFile, (t) => t.length > enterText.length + 9);
    assert.ok(saved.startsWith(`${enterText}\n`), `the header is untouched: ${JSON.stringify(saved)}`);
    const cursorLine = saved.slice(enterText.length + 1).split('\n')[0] as string;
    // The editor indents the new line by 8 spaces; the suggestion must continue right there.
    assert.match(cursorLine, /^ {8}\S/, `the cursor line holds code at the editor's indentation (the ghost text's lengths as it changed: ${changes.join(', ')}): ${JSON.stringify(saved.slice(enterText.length))}`);
    const accepted = saved.slice(enterText.length + 1).split('\n').filter((l) => l.trim().length > 0);
    assert.ok(accepted.length >= 2, `Tab accepted the whole block (the ghost text's lengths as it changed: ${changes.join(', ')}): ${JSON.stringify(saved.slice(enterText.length))}`);
  });

  it('Enter after a function\'s last statement: the ghost text closes it at the model\'s indentation, not the editor\'s, and Tab writes it there', async () => {
    await openAtEnd(dedentFile);
    await page.keyboard.press('Enter'); // the editor's two spaces
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    const changes = await ghostChanges(1500);
    const saved = await tabAndSave(dedentFile, (t) => t.length > dedentText.length + 3);
    const next = saved.slice(dedentText.length + 1).split('\n')[0] as string;
    // Before, the model was made to spell the editor's indentation first, and showed nothing here.
    assert.equal(next, '}', `the line after Enter is the function's closer at column 0 (the ghost text's lengths as it changed: ${changes.join(', ')}): ${JSON.stringify(saved.slice(dedentText.length))}`);
  });

  it('Alt+\\ at a block\'s start: its first line, then the whole block without a keystroke (VS Code asks again after an invoked request)', async () => {
    await openAtEnd(invokedFile);
    await page.waitForTimeout(2000); // the file's prompt warms, as the user reads
    await page.keyboard.press('Alt+Backslash'); // the package's keybinding: VS Code 1.100 has none
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    // An invoked request's block comes with alternatives, so its rest follows its first line a
    // second or more later. Before the fix the extension's ask for it was taken for answered by
    // the Alt+\ request and the ghost text stayed the first line.
    const changes = await ghostChanges(3000);
    const saved = await tabAndSave(invokedFile, (t) => t.length > invokedText.length + 9);
    const accepted = saved.slice(invokedText.length).split('\n').filter((l) => l.trim().length > 0);
    assert.ok(accepted.length >= 2, `Tab accepted the whole block (the ghost text's lengths as it changed: ${changes.join(', ')}): ${JSON.stringify(saved.slice(invokedText.length))}`);
  });

  it('ghost text that starts with indentation (the cursor at column 0): one Tab writes it, where VS Code\'s own Tab would indent the line first', async () => {
    await openAtEnd(indentFile);
    // Asked with Alt+\ once the extension is active (the status item shows) and the file read in.
    await statusItem().waitFor({ state: 'visible', timeout: 120_000 });
    await page.waitForTimeout(3000);
    await page.keyboard.press('Alt+Backslash');
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    await ghostChanges(1500);
    // (The page holds a block's lines as separate elements, not always in their order.)
    const shown = (await ghost().allTextContents()).join('').replace(/\u00a0/g, ' ');
    assert.match(shown, / {4}\S/, `the ghost text has the model's indentation: ${JSON.stringify(shown)}`);
    const saved = await tabAndSave(indentFile, (t) => t.length > indentText.length + 4);
    // Before (VS Code's rule), Tab wrote 4 spaces and the ghost text stayed.
    assert.match(saved.slice(indentText.length), /^ {4}\S/, `one Tab wrote the line, its indentation first: ${JSON.stringify(saved.slice(indentText.length))}`);
    const chars = (t: string): string => [...t.replace(/\s+/g, '')].sort().join('');
    assert.equal(chars(saved.slice(indentText.length)), chars(shown), `what Tab wrote is what was shown: ${JSON.stringify(saved.slice(indentText.length))} vs ${JSON.stringify(shown)}`);
    // The instruct model closes its "answer" here with a Markdown fence and explains it in prose;
    // before, the fence (and the prose after it) was shown and written.
    assert.doesNotMatch(saved, /^\s*```/m, `no Markdown fence written into a Python file: ${JSON.stringify(saved.slice(indentText.length))}`);
  });

  it('a line typed to its end, then a pause: the next line shows below; after Enter it is there at once, and Tab writes what was shown', async () => {
    await openAtEnd(typedFile);
    await page.keyboard.type('h)', { delay: 80 });
    // Before, the model's line break there showed nothing: no ghost text within 60 s.
    await ghost().first().waitFor({ state: 'visible', timeout: 60_000 });
    await ghostChanges(1500);
    const shown = (await ghost().allTextContents()).join('');
    assert.ok(shown.trim().length > 0, 'the next line has content');
    await page.keyboard.press('Enter');
    // The client's cache answers the new line (Enter typed the ghost text's own line break and indentation).
    await ghost().first().waitFor({ state: 'visible', timeout: 10_000 });
    const saved = await tabAndSave(typedFile, (t) => t.length > typedText.length + 16);
    assert.ok(saved.startsWith(`${typedText}h)\n`), `the typed line is untouched: ${JSON.stringify(saved.slice(typedText.length))}`);
    // (The ghost text's DOM spaces are no-break spaces; its lines are separate elements.)
    assert.equal(saved.slice(typedText.length + 2).replace(/\s+/g, ''), shown.replace(/\s+/g, ''), `what Enter and Tab wrote is what was shown: ${JSON.stringify(saved.slice(typedText.length))} vs ${JSON.stringify(shown)}`);
  });

  it('Tab at a line\'s end: the next line (and its block) shows below without a keystroke, and Tab writes it', async () => {
    await openAtEnd(nextFile);
    await page.keyboard.type('y', { delay: 80 });
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    await ghostChanges(500);
    const first = await tabAndSave(nextFile, (t) => t.length > nextText.length + 1);
    assert.ok(first.startsWith(`${nextText}y`) && !first.slice(nextText.length).includes('\n'), `one line accepted: ${JSON.stringify(first.slice(nextText.length))}`);
    // The extension asks again after Tab, and the server answers at an accepted line's end with a
    // line break and what follows (the next line first, the rest of its block when done).
    await ghost().first().waitFor({ state: 'visible', timeout: 60_000 });
    await ghostChanges(1500);
    const shown = (await ghost().allTextContents()).join('');
    assert.ok(shown.trim().length > 0, 'the next line has content');
    const saved = await tabAndSave(nextFile, (t) => t.length > first.length + 1);
    assert.ok(saved.startsWith(`${first}\n`), `Tab wrote a line break, then the next line: ${JSON.stringify(saved.slice(first.length))}`);
    // (The ghost text's DOM spaces are no-break spaces; its lines are separate elements.)
    assert.equal(saved.slice(first.length).replace(/\s+/g, ''), shown.replace(/\s+/g, ''), `what Tab wrote is what was shown: ${JSON.stringify(saved.slice(first.length))} vs ${JSON.stringify(shown)}`);
  });

  it('Escape as soon as a block\'s first line shows: the rest of the block does not bring the ghost text back', async () => {
    await openAtEnd(escapeFile);
    await page.waitForTimeout(2000); // the file's prompt warms, as the user reads
    await page.keyboard.press('Enter');
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    const first = (await ghost().allTextContents()).join('');
    const t0 = Date.now();
    await page.keyboard.press('Escape');
    // Before the fix, the block's rest arrived 300-700 ms later and showed itself again.
    const seen: string[] = [];
    let last = first;
    for (const end = Date.now() + 3000; Date.now() < end; await page.waitForTimeout(30)) {
      const now = (await ghost().allTextContents()).join('');
      if (now !== last) { seen.push(`${Date.now() - t0} ms: ${JSON.stringify(now)}`); last = now; }
    }
    assert.equal(last, '', `dismissed ${JSON.stringify(first)}; the ghost text after it: ${seen.join(', ')}`);
  });

  it('in a Jupyter notebook, a cell is completed with the cells above it as context, and Tab writes it into the cell', async () => {
    // The second code cell calls a function only the first one defines.
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: notebookFile });
    await row.first().dblclick();
    await page.locator('.tabs-container .tab.active', { hasText: notebookFile }).waitFor({ state: 'visible', timeout: 60_000 });
    // The notebook editor's cells (an overlay, not an .editor-instance).
    const cells = page.locator('.notebook-editor .cell-editor-container .monaco-editor');
    await cells.last().waitFor({ state: 'visible', timeout: 60_000 });
    await cells.last().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('fi', { delay: 80 });
    await ghost().first().waitFor({ state: 'visible', timeout: 120_000 });
    const shown = (await ghost().allTextContents()).join('');
    const cellText = (t: string): string => ((JSON.parse(t) as { cells: { source: string[] }[] }).cells[2]?.source ?? []).join('');
    const saved = await tabAndSave(notebookFile, (t) => cellText(t).length > notebookCell.length + 2);
    const cell = cellText(saved);
    assert.ok(cell.startsWith(`${notebookCell}fi`), `the typed text is in the cell: ${JSON.stringify(cell)}`);
    // Only the first cell says `fibonacci`: the prompt held it.
    assert.match(cell, /fibonacci/, `the completion (${JSON.stringify(shown)}) used the cell above`);
  });

  it('runs every contributed command from the command palette', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string; category: string }[] } };
    const titles = pkg.contributes.commands.map((c) => `${c.category}: ${c.title}`);
    const exercised: string[] = [];

    // Toggle Completions: off (status item shows the disabled icon, the setting is written), then on.
    await runCommand('PRISM: Toggle Completions');
    await statusItem().locator('.codicon-circle-slash').waitFor({ state: 'visible', timeout: 30_000 });
    await runCommand('PRISM: Toggle Completions');
    await statusItem().locator('.codicon-circle-slash').waitFor({ state: 'detached', timeout: 30_000 });
    exercised.push('PRISM: Toggle Completions');

    // Show Logs: the output panel shows the server's log (the model load is in it; Monaco renders
    // spaces as no-break spaces, which \s matches).
    await runCommand('PRISM: Show Logs');
    // Monaco renders only the lines in view and the panel follows the end of the log: go to its
    // start, where the model load is.
    // Click the editor's viewport: .view-lines spans the whole scrolled log, so its centre can lie
    // under the panel's title toolbar once the log is long.
    await page.locator('.panel .monaco-editor .overflow-guard').first().click();
    await page.keyboard.press('Control+Home');
    try {
      await page.locator('.panel .monaco-editor .view-lines', { hasText: /loaded\s.*\.gguf/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    } catch (e) {
      throw new Error(`${String(e).split('\n')[0]}; the output panel shows: ${await page.locator('.panel .monaco-editor .view-lines').first().textContent().catch(() => '(nothing)')}`);
    }
    await page.keyboard.press('Control+End'); // follow the log's end again
    exercised.push('PRISM: Show Logs');

    // Restart Server: the new server completes again.
    await runCommand('PRISM: Restart Server');
    await openAtEnd(file);
    await page.keyboard.press('Enter');
    await page.keyboard.type('return sel', { delay: 80 });
    await ghost().first().waitFor({ state: 'visible', timeout: 180_000 });
    await page.keyboard.press('Escape');
    exercised.push('PRISM: Restart Server');

    // Run Benchmark: progress in a notification, then the report opens in the markdown preview.
    await runCommand('PRISM: Run Benchmark');
    await page.locator('.notifications-toasts', { hasText: 'PRISM benchmark' }).first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.tabs-container .tab', { hasText: 'report.md' }).first().waitFor({ state: 'visible', timeout: 480_000 });
    exercised.push('PRISM: Run Benchmark');

    // Set Remote API Key: a password box; the key goes to secret storage and the server restarts.
    await runCommand('PRISM: Set Remote API Key');
    const box = page.locator('.quick-input-widget input[type="password"]');
    await box.waitFor({ state: 'visible', timeout: 30_000 });
    await box.fill('sk-e2e-test-key');
    await page.keyboard.press('Enter');
    await runCommand('PRISM: Show Logs');
    await page.locator('.panel .monaco-editor .view-lines', { hasText: /remote\sAPI\skey\sstored\sin\ssecret\sstorage/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(!(await page.locator('.panel .monaco-editor .view-lines').first().textContent() ?? '').includes('sk-e2e-test-key'), 'the key is not logged');
    exercised.push('PRISM: Set Remote API Key');

    // Enable GPU (CUDA): the verified package installs; this machine lacks the CUDA libraries, so
    // one line names the first missing one (a machine with them restarts on the GPU instead).
    await runCommand('PRISM: Enable GPU (CUDA)');
    await page.locator('.notifications-toasts', { hasText: /CUDA provider installed, but libcu\w+\.so\.\d+ is missing|now runs on the GPU/ }).first().waitFor({ state: 'visible', timeout: 60_000 });
    exercised.push('PRISM: Enable GPU (CUDA)');

    assert.deepEqual([...exercised].sort(), [...titles].sort(), 'every contributed command is exercised');
  });
});
