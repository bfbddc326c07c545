// Typing flows a hand session does not cover, in code-server with the packaged .vsix, on dev-split
// Python files: accept a block word by word (Ctrl+Right), undo a Tab (Ctrl+Z) and wait, Backspace
// inside half a word and wait, type the ghost text's own characters over it, paste a line's start,
// half a word with VS Code's list open and then the ghost text's next characters.
// Prints what a user sees after each step (ghost text, its changes, the file's last lines).
// Not a test.
//   npm run package && node docs/bench/flows-zen4/explore/flows.mjs /tmp/flows
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const { devFiles, ghostAfter, ghostText: ghostOn, openFile, startSession, watchGhost } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/flows';
fs.mkdirSync(out, { recursive: true });
const picks = [];
for (const r of devFiles('python', 3000, 20000)) {
  if (picks.length >= 6) break;
  const lines = r.content.split('\n');
  const at = lines.findIndex((l, i) => i > lines.length / 2 && /^ {4}def .*\):\s*$/.test(l));
  if (at > 0) picks.push({ name: `${r.repo}/${r.path}`, text: lines.slice(0, at + 1).join('\n'), next: lines[at + 1] ?? '' });
}
const names = ['words.py', 'undo.py', 'backspace.py', 'over.py', 'paste.py', 'list.py'];
const files = Object.fromEntries(names.map((n, i) => [n, picks[i].text]));
console.log(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, `${picks[i].name} (next line: ${picks[i].next.trim()})`]))));
const { page, close } = await startSession({ files, settings: JSON.parse(process.env.EXPLORE_SETTINGS ?? '{}'), out, prefix: 'prism-flows-' });
const log = (o) => console.log(JSON.stringify(o));
const ghostText = () => ghostOn(page);
const watch = (t0, ms) => watchGhost(page, t0, ms);
/** Types `chars` one key at a time (80 ms apart), with the ghost text 80 ms after each key. */
const typeWatching = async (chars, t0) => {
  const seen = [];
  for (const ch of chars) {
    await page.keyboard.type(ch);
    await page.waitForTimeout(80);
    seen.push({ ms: Date.now() - t0, ghost: (await ghostText()).slice(0, 40) });
  }
  return seen;
};
const tail = async () => (await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText()).split('\n').slice(-6).join('\n');
const start = async (file) => {
  await openFile(page, file);
  await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 });
  await page.waitForTimeout(5000);
};
try {
  // A: Enter, the block, then Ctrl+Right three times (VS Code's accept next word), then wait.
  await start('words.py');
  let t0 = Date.now();
  await page.keyboard.press('Enter');
  log({ flow: 'words', step: 'enter', first_ms: await ghostAfter(page, t0, 20000), seen: await watch(t0, 2500) });
  for (let i = 0; i < 3; i++) await page.keyboard.press('Control+ArrowRight');
  t0 = Date.now();
  log({ flow: 'words', step: 'three words accepted', seen: await watch(t0, 2500), tail: await tail() });
  await page.keyboard.press('Tab');
  await page.waitForTimeout(500);
  log({ flow: 'words', step: 'tab', tail: await tail() });
  await page.screenshot({ path: path.join(out, 'words.png') });

  // B: Enter, the block, Tab, Ctrl+Z, wait 3 s.
  await start('undo.py');
  t0 = Date.now();
  await page.keyboard.press('Enter');
  log({ flow: 'undo', step: 'enter', first_ms: await ghostAfter(page, t0, 20000), seen: await watch(t0, 2000) });
  await page.keyboard.press('Tab');
  await page.waitForTimeout(300);
  log({ flow: 'undo', step: 'tab', tail: await tail() });
  t0 = Date.now();
  await page.keyboard.press('Control+z');
  log({ flow: 'undo', step: 'undo', seen: await watch(t0, 3000), tail: await tail() });
  await page.screenshot({ path: path.join(out, 'undo.png') });

  // C: Enter, type 'retu', Backspace twice (now 're'), wait.
  await start('backspace.py');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  await page.keyboard.type('retu', { delay: 120 });
  await page.waitForTimeout(1500);
  const before = await ghostText();
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  t0 = Date.now();
  log({ flow: 'backspace', step: 'after retu', ghost: before, seen_after_backspaces: await watch(t0, 3000), tail: await tail() });
  await page.screenshot({ path: path.join(out, 'backspace.png') });

  // D: Enter, wait for the first line, then type its first 6 characters at 80 ms a key.
  await start('over.py');
  t0 = Date.now();
  await page.keyboard.press('Enter');
  const first = await ghostAfter(page, t0, 20000);
  await page.waitForTimeout(300);
  const shown = await ghostText();
  const typed = shown.trimStart().slice(0, 6);
  t0 = Date.now();
  const seen = await typeWatching(typed, t0);
  log({ flow: 'over', first_ms: first, shown: shown.slice(0, 80), typed, while_typing: seen, after: await watch(t0, 1500), tail: await tail() });
  await page.screenshot({ path: path.join(out, 'over.png') });

  // E: Enter, then the line's start inserted at once (as a paste does), then wait.
  await start('paste.py');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(800);
  t0 = Date.now();
  await page.keyboard.insertText('result = self.');
  log({ flow: 'paste', first_ms: await ghostAfter(page, t0, 20000), seen: await watch(t0, 2500), tail: await tail() });
  await page.screenshot({ path: path.join(out, 'paste.png') });

  // F: Enter, Escape, then 'se' (VS Code's list opens on the word), the ghost, then its next 3 characters.
  await start('list.py');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  t0 = Date.now();
  await page.keyboard.type('se', { delay: 120 });
  const listFirst = await ghostAfter(page, t0, 20000);
  await page.waitForTimeout(200);
  const listShown = await ghostText();
  const next = listShown.slice(0, 3);
  t0 = Date.now();
  const keys = await typeWatching(next, t0);
  log({ flow: 'list', first_ms: listFirst, shown: listShown.slice(0, 80), typed: next, while_typing: keys, after: await watch(t0, 1500), tail: await tail() });
  await page.screenshot({ path: path.join(out, 'list.png') });
} finally {
  await close();
}
