// Typing through a ghost text's opener, which VS Code closes itself, then Tab: in code-server with
// a packaged .vsix, dev-split files cut before a line with an opener that closes on the same line
// (the cases of docs/bench/flows-zen4/explore/brackets.mjs). Types the line up to the opener,
// waits for the ghost text; where it begins with the opener, types the opener (VS Code makes it
// `(|)`), reads the ghost text 60 ms later and the output channel's answer (cache or server), then
// Tab, saves and prints the line. Does the ghost stay, and does the line get one closer?
// Not a test.
//   node docs/bench/autoclose-zen4/through.mjs OUTDIR     (VSIX=path for another package)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { GHOST, ghostAfter, openerLines, openWarm, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/through';
fs.mkdirSync(out, { recursive: true });
const langs = (process.env.LANGS ?? 'python:py,typescript:ts,go:go,javascript:js').split(',').map((l) => l.split(':'));
const { files, cases: lines } = openerLines(langs, Number(process.env.PER ?? 4));
const cases = lines.map((c) => ({ name: c.name, source: c.source, typed: c.body.slice(0, c.open), opener: c.body[c.open], real: c.body }));
console.log(JSON.stringify({ cases }));
const logOf = () => { try { return fs.readFileSync(path.join(out, 'prism-output.log'), 'utf8'); } catch { return ''; } };
const { page, work, close } = await startSession({ files, vsix: process.env.VSIX, out, prefix: 'prism-through-' });
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    await page.keyboard.type(c.typed, { delay: 90 });
    await ghostAfter(page, Date.now(), 15000);
    await page.waitForTimeout(1500);
    const first = (await page.locator(GHOST).allTextContents()).join('⏎').replace(/\u00a0/g, ' ');
    if (!first.startsWith(c.opener)) { console.log(JSON.stringify({ file: c.name, typed: c.typed, real: c.real, ghost: first, skipped: 'the ghost text does not begin with the opener' })); continue; }
    await page.keyboard.type(c.opener);
    await page.waitForTimeout(60);
    const next = (await page.locator(GHOST).allTextContents()).join('⏎').replace(/\u00a0/g, ' ');
    await page.waitForTimeout(600);
    await page.keyboard.press('Tab');
    await page.waitForTimeout(400);
    await page.keyboard.press('Control+s');
    await page.waitForTimeout(600);
    const saved = fs.readFileSync(path.join(work, c.name), 'utf8');
    const line = saved.slice(files[c.name].lastIndexOf('\n') + 1).split('\n')[0];
    console.log(JSON.stringify({ file: c.name, typed: c.typed + c.opener, real: c.real, ghost_before: first, ghost_60ms_after_opener: next, line_after_tab: line }));
  }
} finally {
  await close();
}
const answered = logOf().split('\n').filter((l) => / answered /.test(l));
fs.writeFileSync(path.join(out, 'answered.log'), `${answered.join('\n')}\n`);
