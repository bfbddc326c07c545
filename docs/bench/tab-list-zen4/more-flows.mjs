// Flows the other probes do not cover, in code-server with the packaged .vsix: a new untitled file
// typed into (no language until VS Code detects one), Enter in the middle of a file and Tab (the
// lines below stay as they were), Ctrl+Right with the suggestion list open, Enter with the list
// open. Prints what a user sees after each step. Not a test.
//   npm run package && node docs/bench/tab-list-zen4/more-flows.mjs /tmp/more-flows
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { GHOST, devFiles, ghostAfter, openWarm, startSession, watchGhost } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/more-flows';
fs.mkdirSync(out, { recursive: true });
const py = [...devFiles('python', 3000, 12000)].slice(0, 3);
const files = { 'middle.py': py[0].content, 'words.py': py[1].content, 'enter.py': py[2].content };
const { page, work, close } = await startSession({ files, vsix: process.env.VSIX, out, prefix: 'prism-more-' });
const log = (o) => console.log(JSON.stringify(o));
const ghostText = async () => (await page.locator(GHOST).allTextContents()).join('').replace(/\u00a0/g, ' ');
const listOpen = async () => page.locator('.suggest-widget.visible').first().isVisible().catch(() => false);
const status = async () => (await page.locator('.statusbar-item', { hasText: 'PRISM' }).first().textContent().catch(() => '?'))?.trim();
const lang = async () => (await page.locator('.statusbar-item[id="status.editor.mode"]').first().textContent().catch(() => '?'))?.trim();
try {
  // A: the middle of a file: the end of a line in its middle, Enter, the ghost text, Tab; the lines after must stay.
  await openWarm(page, 'middle.py');
  const lines = py[0].content.split('\n');
  const at = lines.findIndex((l, i) => i > lines.length / 2 && /^\s+\S.*[^,(\[{\\]$/.test(l));
  await page.keyboard.press('Control+g');
  await page.keyboard.type(String(at + 1));
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await page.waitForTimeout(1500);
  let t0 = Date.now();
  await page.keyboard.press('Enter');
  const ms = await ghostAfter(page, t0, 20000);
  await page.waitForTimeout(1500);
  const shown = await ghostText();
  await page.keyboard.press('Tab');
  await page.waitForTimeout(400);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  await page.waitForTimeout(600);
  const saved = fs.readFileSync(path.join(work, 'middle.py'), 'utf8').split('\n');
  const after = lines.slice(at + 1).join('\n');
  log({ flow: 'middle', line: at + 1, text: lines[at], first_ms: ms, shown, inserted: saved.slice(at + 1, saved.length - (lines.length - at - 1)), rest_unchanged: saved.slice(saved.length - (lines.length - at - 1)).join('\n') === after });

  // B: half a word with the list open, then Ctrl+Right (accept the next word), then Enter with the list open.
  await openWarm(page, 'words.py');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1200);
  await page.keyboard.press('Escape');
  t0 = Date.now();
  await page.keyboard.type('se', { delay: 80 });
  const ms2 = await ghostAfter(page, t0, 8000);
  await page.waitForTimeout(300);
  const before = { ghost: await ghostText(), list: await listOpen() };
  await page.keyboard.press('Control+ArrowRight');
  await page.waitForTimeout(400);
  const line = async () => (await page.locator('.view-line').filter({ has: page.locator('.cursor') }).first().textContent().catch(() => '')) ?? '';
  const cur = await page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().textContent().catch(() => '');
  log({ flow: 'ctrl-right with the list', first_ms: ms2, before, after: { ghost: await ghostText(), list: await listOpen(), cursor: cur?.trim() }, line: await line() });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1200);
  await page.keyboard.press('Escape');
  t0 = Date.now();
  await page.keyboard.type('se', { delay: 80 });
  await ghostAfter(page, t0, 8000);
  await page.waitForTimeout(300);
  const before2 = { ghost: await ghostText(), list: await listOpen() };
  await page.keyboard.press('Enter');
  t0 = Date.now();
  log({ flow: 'enter with the list', before: before2, after: await watchGhost(page, t0, 2000), list_after: await listOpen() });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');

  // C: a new untitled file, Python typed into it, Enter, wait.
  await page.keyboard.press('Control+Alt+n').catch(() => undefined);
  await page.waitForTimeout(800);
  if (!(await page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).count())) {
    await page.keyboard.press('F1');
    await page.keyboard.type('>File: New Untitled Text File');
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(800);
  }
  await page.keyboard.type('import os\nimport sys\n\n\ndef read_lines(path):\n    """Return the lines of a file."""\n    with open(path) as f:\n', { delay: 30 });
  const typedAt = Date.now();
  const ms3 = await ghostAfter(page, typedAt, 6000);
  log({ flow: 'untitled', language: await lang(), status: await status(), first_ms: ms3, ghost: await ghostText() });
  await page.waitForTimeout(4000);
  t0 = Date.now();
  await page.keyboard.type('r');
  const ms4 = await ghostAfter(page, t0, 6000);
  log({ flow: 'untitled, 4 s later and a key', language: await lang(), status: await status(), first_ms: ms4, ghost: await ghostText() });
  await page.screenshot({ path: path.join(out, 'untitled.png') });
} finally {
  await close();
}
