// Half a word typed where VS Code's suggestion list opens on it, then Tab: does one Tab write the
// ghost text the user sees? Dev-split lines whose first word the file used earlier; the file is
// cut at the line's indentation, the first half of the word is typed (80 ms a key), and once
// ghost text is on screen, Tab. Prints per case what was on screen (the list, its selected item,
// the ghost text) and the line as saved after one Tab. KEYS=path.json puts a user
// keybindings.json in place (a rule for Tab, tried before the package had one); VSIX picks the
// package; PER the cases per language (4); DRY=1 prints the cases only. Not a test.
//   npm run package && VSIX=dist/prism-complete-linux-x64.vsix node docs/bench/tab-list-zen4/tab-list.mjs /tmp/tab-list
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { GHOST, devCases, ghostAfter, openWarm, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/tab-list';
fs.mkdirSync(out, { recursive: true });
const PER = Number(process.env.PER ?? 4);
const WORD = /^(\s+)([A-Za-z_]\w{5,})\b/;
const { files, cases } = devCases([['python', 'py'], ['typescript', 'ts'], ['go', 'go'], ['javascript', 'js']], PER,
  (lines) => lines.findIndex((l, i) => {
    if (i <= lines.length / 2) return false;
    const m = l.match(WORD);
    return !!m && !/^\s*(#|\/\/|\*)/.test(l) && lines.slice(0, i).join('\n').split(m[2]).length > 2;
  }),
  (lines, at) => `${lines.slice(0, at).join('\n')}\n${lines[at].match(WORD)[1]}`,
  (lines, at) => {
    const [, indent, word] = lines[at].match(WORD);
    return { half: word.slice(0, Math.ceil(word.length / 2)), line: lines[at].slice(indent.length) };
  });
if (process.env.DRY) { console.log(JSON.stringify(cases)); process.exit(0); } // DRY=1: the cases only
const keybindings = process.env.KEYS ? JSON.parse(fs.readFileSync(process.env.KEYS, 'utf8')) : undefined;
const { page, work, close } = await startSession({ files, keybindings, vsix: process.env.VSIX, out, prefix: 'prism-tablist-' });
const visible = async (sel) => page.locator(sel).first().isVisible().catch(() => false);
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    const t0 = Date.now();
    for (const ch of c.half) { await page.keyboard.type(ch); await page.waitForTimeout(80); }
    const ms = await ghostAfter(page, t0, 4000);
    await page.waitForTimeout(300);
    const ghost = (await page.locator(GHOST).allTextContents()).join('').replace(/\u00a0/g, ' ');
    const list = await visible('.suggest-widget.visible');
    const item = list ? ((await page.locator('.suggest-widget .monaco-list-row.focused .label-name').first().textContent().catch(() => '')) ?? '') : '';
    await page.keyboard.press('Tab');
    await page.waitForTimeout(500);
    const left = (await page.locator(GHOST).allTextContents()).join('').replace(/\u00a0/g, ' ');
    const listAfter = await visible('.suggest-widget.visible');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    await page.waitForTimeout(600);
    const saved = fs.readFileSync(path.join(work, c.name), 'utf8').split('\n').pop().trim();
    const want = `${c.half}${ghost}`.trim();
    console.log(JSON.stringify({ ...c, ghost_ms: ms, list, item, ghost, after_tab: saved, ghost_left: left, list_after: listAfter, whole: ghost.length > 0 && saved === want }));
  }
} finally {
  await close();
}
