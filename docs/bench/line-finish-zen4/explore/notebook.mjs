// A Jupyter notebook in code-server with the packaged .vsix (stop 53): two code cells, the
// cursor at the end of the second (`for i in range(10):` / `    print(`), `fi` typed, then a
// wait: the ghost text, and what the output channel logged. Not a test: it prints what a user sees.
//   npm run package && node docs/bench/line-finish-zen4/explore/notebook.mjs /tmp/nb
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const { GHOST, ghostAfter, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/nb';
fs.mkdirSync(out, { recursive: true });
const code = (src) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: src.split(/(?<=\n)/) });
const notebook = JSON.stringify({
  cells: [
    { cell_type: 'markdown', metadata: {}, source: ['# Fibonacci numbers'] },
    code('def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)'),
    code('for i in range(10):\n    print('),
  ],
  metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
  nbformat: 4, nbformat_minor: 5,
}, null, 1);
const { page, close } = await startSession({ files: { 'analysis.ipynb': notebook }, settings: { 'workbench.editorAssociations': { '*.ipynb': 'jupyter-notebook' } }, out, prefix: 'prism-nb-' });
const log = (o) => console.log(JSON.stringify(o));
try {
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
  const t0 = Date.now();
  await page.keyboard.type('fi', { delay: 120 });
  const ms = await ghostAfter(page, t0, 20000);
  await page.waitForTimeout(1500);
  const ghost = (await page.locator(GHOST).allTextContents()).join('');
  const bar = (await page.locator('.statusbar-item', { hasText: 'PRISM' }).first().textContent())?.trim();
  await page.screenshot({ path: path.join(out, 'notebook.png') });
  log({ step: 'typed fi in the second code cell', ghost_ms: ms, ghost, status_bar: bar });
  await page.keyboard.press('Tab');
  await page.waitForTimeout(400);
  log({ step: 'after Tab', cell: (await editors.last().locator('.view-lines').textContent())?.replace(/\u00a0/g, ' ') });
} finally {
  await close();
}
