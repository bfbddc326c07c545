// Typing an opener that VS Code closes itself (auto-closing brackets and quotes), then waiting,
// then Tab: does the accepted line end with one closer, not two? In code-server with the packaged
// .vsix, dev-split Python and TypeScript files cut after a line; each case types a line's start
// up to its first opener. Prints the ghost text, the text after the cursor, and the line after Tab.
// Not a test.
//   npm run package && node docs/bench/flows-zen4/explore/brackets.mjs /tmp/brackets
//   LANGS=go:go,rust:rs,javascript:js,java:java,c_cpp:c PER=2 node docs/bench/flows-zen4/explore/brackets.mjs /tmp/brackets-more
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const { GHOST, devFiles, ghostAfter, openFile, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/brackets';
fs.mkdirSync(out, { recursive: true });
const cases = [];
const files = {};
// LANGS=go:go,rust:rs,... (corpus name: extension) and PER=N for other languages (default: Python and TypeScript, 4 each).
const langs = (process.env.LANGS ?? 'python:py,typescript:ts').split(',').map((l) => l.split(':'));
const per = Number(process.env.PER ?? 4);
for (const [lang, ext] of langs) {
  let n = 0;
  for (const r of devFiles(lang, 2000, 30000)) {
    if (n >= per) break;
    const lines = r.content.split('\n');
    // A line with an opener that closes on the same line: `name(`, `[`, `{`, or a quote.
    const at = lines.findIndex((l, i) => i > lines.length / 2 && /^\s+\S.{0,30}?[([{"'].+[)\]}"']\s*;?\s*$/.test(l) && !/^\s*(#|\/\/|\*)/.test(l));
    if (at < 0) continue;
    const indent = lines[at].match(/^\s*/)[0];
    const body = lines[at].slice(indent.length);
    const open = body.search(/[([{"']/);
    const name = `${lang}-${n}.${ext}`;
    files[name] = `${lines.slice(0, at).join('\n')}\n${indent}`;
    cases.push({ name, source: `${r.repo}/${r.path}:${at + 1}`, typed: body.slice(0, open + 1), real: body });
    n++;
  }
}
console.log(JSON.stringify({ cases }));
const { page, work, close } = await startSession({ files, settings: JSON.parse(process.env.EXPLORE_SETTINGS ?? '{}'), out, prefix: 'prism-brackets-' });
try {
  for (const c of cases) {
    await openFile(page, c.name);
    await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 });
    await page.waitForTimeout(4000);
    await page.keyboard.type(c.typed, { delay: 90 });
    const t0 = Date.now();
    const ms = await ghostAfter(page, t0, 15000);
    await page.waitForTimeout(1200);
    const ghost = (await page.locator(GHOST).allTextContents()).join('⏎');
    const before = await page.locator('.statusbar-item[id*="status.editor.selection"], .statusbar-item:has-text("Ln ")').first().textContent().catch(() => '');
    await page.keyboard.press('Tab');
    await page.waitForTimeout(400);
    await page.keyboard.press('Control+s');
    await page.waitForTimeout(600);
    const saved = fs.readFileSync(path.join(work, c.name), 'utf8');
    const after = saved.slice(files[c.name].lastIndexOf('\n') + 1).split('\n').slice(0, 3).join('⏎');
    console.log(JSON.stringify({ file: c.name, typed: c.typed, real: c.real, ghost_ms: ms, ghost, cursor: before, after_tab: after }));
    await page.screenshot({ path: path.join(out, `${c.name}.png`) });
  }
} finally {
  await close();
}
