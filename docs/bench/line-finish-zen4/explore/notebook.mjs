// A Jupyter notebook in code-server with the packaged .vsix (stop 53): two code cells, the
// cursor at the end of the second (`for i in range(10):` / `    print(`), `fi` typed, then a
// wait: the ghost text, and what the output channel logged. Not a test: it prints what a user sees.
//   npm run package && node docs/bench/line-finish-zen4/explore/notebook.mjs /tmp/nb
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');
const out = process.argv[2] ?? '/tmp/nb';
fs.mkdirSync(out, { recursive: true });
const VSIX = path.join(ROOT, 'dist', 'prism-complete-linux-x64.vsix');
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'prism-nb-'));
const work = path.join(base, 'work'), userData = path.join(base, 'user'), exts = path.join(base, 'ext');
fs.mkdirSync(work); fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
const code = (src) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: src.split(/(?<=\n)/) });
fs.writeFileSync(path.join(work, 'analysis.ipynb'), JSON.stringify({
  cells: [
    { cell_type: 'markdown', metadata: {}, source: ['# Fibonacci numbers'] },
    code('def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)'),
    code('for i in range(10):\n    print('),
  ],
  metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
  nbformat: 4, nbformat_minor: 5,
}, null, 1));
fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off', 'workbench.editorAssociations': { '*.ipynb': 'jupyter-notebook' } }));
const cs = execFileSync('bash', [path.join(ROOT, 'scripts', 'e2e-setup.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
const entry = path.join(cs, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
execFileSync(process.execPath, [entry, '--extensions-dir', exts, '--user-data-dir', userData, '--install-extension', VSIX], { stdio: 'ignore' });
const port = 19000 + Math.floor(Math.random() * 1000);
const server = spawn(process.execPath, [entry, '--auth', 'none', '--log', 'trace', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust', '--disable-telemetry', '--user-data-dir', userData, '--extensions-dir', exts, work], { stdio: ['ignore', 'pipe', 'pipe'] });
await new Promise((res) => server.stdout.on('data', (d) => { if (/HTTP server listening/.test(String(d))) res(); }));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const log = (o) => console.log(JSON.stringify(o));
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(work)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 120000 });
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'analysis.ipynb' });
  await row.first().waitFor({ state: 'visible', timeout: 120000 });
  await page.waitForTimeout(5000); // the built-in ipynb extension registers its notebook type
  await row.first().dblclick();
  await page.waitForSelector('.notebook-editor .cell-editor-container .monaco-editor', { timeout: 60000 });
  await page.waitForTimeout(1500);
  const editors = page.locator('.notebook-editor .cell-editor-container .monaco-editor');
  log({ step: 'opened', code_cells: await editors.count() });
  await editors.last().click();
  await page.keyboard.press('Control+End');
  await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 });
  await page.waitForTimeout(8000); // the model loads, as a user reads
  const GHOST = '.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text';
  const t0 = Date.now();
  await page.keyboard.type('fi', { delay: 120 });
  let ms = -1;
  try {
    await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }), GHOST, { polling: 'raf', timeout: 20000 });
    ms = Date.now() - t0;
  } catch { /* none */ }
  await page.waitForTimeout(1500);
  const ghost = (await page.locator(GHOST).allTextContents()).join('');
  const bar = (await page.locator('.statusbar-item', { hasText: 'PRISM' }).first().textContent())?.trim();
  await page.screenshot({ path: path.join(out, 'notebook.png') });
  log({ step: 'typed fi in the second code cell', ghost_ms: ms, ghost, status_bar: bar });
  await page.keyboard.press('Tab');
  await page.waitForTimeout(400);
  log({ step: 'after Tab', cell: (await editors.last().locator('.view-lines').textContent())?.replace(/\u00a0/g, ' ') });
} finally {
  await browser.close(); server.kill();
  const logs = fs.readdirSync(path.join(userData, 'logs'), { recursive: true }).filter((f) => String(f).endsWith('PRISM Complete.log'));
  for (const f of logs) fs.copyFileSync(path.join(userData, 'logs', String(f)), path.join(out, 'prism-output.log'));
}
