// Exploratory edge cases in code-server with the packaged .vsix (stop 53): a file with Windows
// line ends (Enter, Tab, what was saved), partial accept (Ctrl+Right), Escape then typing, emoji
// before the cursor, an auto-closed parenthesis and a wait, an untitled (plain text) file and the
// status bar. Not a test: it prints what a user would see.
//   npm run package && node docs/bench/line-finish-zen4/explore/explore.mjs /tmp/explore
//   (EXPLORE_SETTINGS='{"prism.firstLineBudgetMs": 30}': user settings besides the defaults)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const { GHOST, devSplit, ghostAfter, openFile, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/explore';
fs.mkdirSync(out, { recursive: true });
const { data, dev } = devSplit();
function pick(lang, re, skip = 0) {
  for (const line of fs.readFileSync(path.join(data, 'corpus', `${lang}.jsonl`), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (!dev.has(r.repo) || r.content.length < 4000 || r.content.length > 30000) continue;
    if (skip-- > 0) continue;
    const lines = r.content.split('\n');
    for (let i = Math.floor(lines.length * 0.4); i < lines.length - 3; i++) if (re.test(lines[i])) return { name: `${r.repo}/${r.path}`, lines, at: i };
  }
  throw new Error('none');
}
const py = pick('python', /^ {4}def .*:\s*$/, 3);
const py2 = pick('python', /^ {8}\S.*$/, 5);
const emojiText = py2.lines.slice(0, py2.at).join('\n') + '\n        label = "🎉 done ✅ " + ';
const files = {
  'crlf.py': py.lines.slice(0, py.at + 1).join('\r\n'),
  'emoji.py': emojiText,
  'paren.py': py2.lines.slice(0, py2.at).join('\n') + '\n        ',
};
console.log(JSON.stringify({ crlf: py.name, line: py.lines[py.at], emoji: py2.name }));
const { page, work, close } = await startSession({ files, settings: JSON.parse(process.env.EXPLORE_SETTINGS ?? '{}'), out, prefix: 'prism-explore-' });
const log = (o) => console.log(JSON.stringify(o));
try {
  const ghostText = async () => (await page.locator(GHOST).allTextContents()).join('');
  const open = (name) => openFile(page, name);
  const wait = async (tag, t0, settle = 1500) => {
    const ms = await ghostAfter(page, t0, 20000);
    await page.waitForTimeout(settle);
    const cursor = await page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().textContent().catch(() => '?');
    await page.screenshot({ path: path.join(out, `${tag}.png`) });
    log({ step: tag, ghost_ms: ms, ghost: await ghostText(), cursor: cursor?.trim() });
  };
  const save = async (file, tag) => {
    await page.keyboard.press('Control+S'); await page.waitForTimeout(800);
    const t = fs.readFileSync(path.join(work, file), 'utf8');
    log({ step: tag, file_end: t.slice(-200), lf_only: (t.match(/(?<!\r)\n/g) ?? []).length, crlf: (t.match(/\r\n/g) ?? []).length });
  };
  await open('crlf.py');
  await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 });
  await page.waitForTimeout(8000);
  let t0 = Date.now(); await page.keyboard.press('Enter'); await wait('1-crlf-enter', t0);
  await page.keyboard.press('Tab'); await page.waitForTimeout(300); await save('crlf.py', '1-crlf-tab');
  // Partial accept: next word twice.
  await page.keyboard.press('End'); t0 = Date.now(); await page.keyboard.press('Enter'); await wait('2-enter-again', t0);
  const before = await ghostText();
  t0 = Date.now(); await page.keyboard.press('Control+ArrowRight'); await wait('2-accept-word-1', t0, 300);
  t0 = Date.now(); await page.keyboard.press('Control+ArrowRight'); await wait('2-accept-word-2', t0, 300);
  await save('crlf.py', '2-after-words'); log({ step: '2-before', ghost_before: before });
  // Escape, then type the first char of a new line.
  await page.keyboard.press('Escape'); await page.keyboard.press('End'); await page.keyboard.press('Enter'); await page.waitForTimeout(1500);
  const had = await ghostText(); await page.keyboard.press('Escape'); await page.waitForTimeout(300);
  log({ step: '3-escape', had, after_escape: await ghostText() });
  t0 = Date.now(); await page.keyboard.type('r', { delay: 120 }); await wait('3-typed-after-escape', t0);
  await page.keyboard.press('Escape');
  await open('emoji.py'); await page.waitForTimeout(3000);
  t0 = Date.now(); await page.keyboard.type('st', { delay: 120 }); await wait('4-emoji-line', t0);
  await page.keyboard.press('Escape'); await page.keyboard.press('Escape');
  t0 = Date.now(); await page.keyboard.type('r(', { delay: 120 }); await wait('4-emoji-paren', t0);
  await page.keyboard.press('Tab'); await page.waitForTimeout(300); await save('emoji.py', '4-emoji-tab');
  await open('paren.py'); await page.waitForTimeout(3000);
  t0 = Date.now(); await page.keyboard.type('print(', { delay: 120 }); await wait('5-auto-closed-paren', t0);
  await page.keyboard.press('Tab'); await page.waitForTimeout(300); await save('paren.py', '5-paren-tab');
  // Untitled file.
  await page.keyboard.press('Control+Alt+N').catch(() => {});
  await page.waitForTimeout(1000);
  await page.keyboard.type('def fibonacci(n):', { delay: 80 });
  t0 = Date.now(); await page.keyboard.press('Enter'); await wait('6-untitled-enter', t0);
  const bar = page.locator('.statusbar-item', { hasText: 'PRISM' }).first();
  log({ step: '6-status', text: (await bar.textContent())?.trim(), tooltip: await bar.getAttribute('aria-label') });
  await page.locator('.tabs-container .tab', { hasText: 'paren.py' }).first().click(); await page.waitForTimeout(1000);
  log({ step: '6-status-back-in-python', text: (await bar.textContent())?.trim() });
} finally {
  await close();
}
