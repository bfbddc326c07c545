// A member access typed in TypeScript and JavaScript, where VS Code's TypeScript server opens the
// suggestion list at the dot with its first member selected and the ghost text must continue that
// item. Dev-split lines `name.member...` in the files' second halves: the file cut at the line's
// indentation, the line typed up to its dot (80 ms a key), then ms from the dot to the list's items
// and to the ghost text (2.5 s at most), the list, its selected item, and whether the ghost text's first word (the item's, with the list
// open) is the line's member. SETTINGS='{...}' adds user settings (the arm without the list at the
// dot: {"editor.suggestOnTriggerCharacters": false}); PER cases per language (8). Not a test.
//   npm run package && node docs/bench/tab-list-zen4/dot.mjs /tmp/dot
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { GHOST, devFiles, ghostAfter, openWarm, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/dot';
fs.mkdirSync(out, { recursive: true });
const PER = Number(process.env.PER ?? 8);
const files = {};
const cases = [];
// LANGS=typescript:ts,python:py picks the languages (TypeScript and JavaScript by default).
const langs = (process.env.LANGS ?? 'typescript:ts,javascript:js').split(',').map((x) => x.split(':'));
for (const [lang, ext] of langs) {
  let n = 0;
  for (const r of devFiles(lang, 2000, 30000)) {
    if (n >= PER) break;
    const lines = r.content.split('\n');
    const at = lines.findIndex((l, i) => i > lines.length / 2 && /^\s+[A-Za-z_$][\w$]*\.[A-Za-z_$][\w$]*/.test(l));
    if (at < 0) continue;
    const [, indent, obj, member] = lines[at].match(/^(\s+)([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)/);
    const name = `${lang}-${n}.${ext}`;
    files[name] = `${lines.slice(0, at).join('\n')}\n${indent}`;
    cases.push({ name, source: `${r.repo}/${r.path}:${at + 1}`, typed: `${obj}.`, member, line: lines[at].trim() });
    n++;
  }
}
const settings = JSON.parse(process.env.SETTINGS ?? '{}');
const { page, close } = await startSession({ files, settings, vsix: process.env.VSIX, out, prefix: 'prism-dot-' });
const ghost = async () => (await page.locator(GHOST).allTextContents()).join('').replace(/\u00a0/g, ' ');
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    let t0 = Date.now();
    for (const ch of c.typed.slice(0, -1)) { await page.keyboard.type(ch); await page.waitForTimeout(80); }
    // The dot: ms until the list shows items (2.5 s at most; -1: none) and until ghost text shows.
    t0 = Date.now();
    const keyAt = new Date(t0).toISOString();
    await page.keyboard.type('.');
    const [listMs, ms] = await Promise.all([
      page.waitForFunction(() => document.querySelector('.suggest-widget.visible .monaco-list-row') !== null, undefined, { polling: 'raf', timeout: 2500 }).then(() => Date.now() - t0, () => -1),
      ghostAfter(page, t0, 2500),
    ]);
    await page.waitForTimeout(150);
    const shown = await ghost();
    const list = await page.locator('.suggest-widget.visible').first().isVisible().catch(() => false);
    const item = list ? ((await page.locator('.suggest-widget .monaco-list-row.focused .label-name').first().textContent().catch(() => '')) ?? '') : '';
    const first = (shown.match(/^[A-Za-z_$][\w$]*/) ?? [''])[0];
    console.log(JSON.stringify({ ...c, key_at: keyAt, list_ms: listMs, ghost_ms: ms, list, item, ghost: shown.slice(0, 60), ghost_member: first, right: first === c.member, item_right: item === c.member }));
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  }
} finally {
  await close();
}
