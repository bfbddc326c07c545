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
const { GHOST, ghostAfter, openerLines, openWarm, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/brackets';
fs.mkdirSync(out, { recursive: true });
// LANGS=go:go,rust:rs,... (corpus name: extension) and PER=N for other languages (default: Python and TypeScript, 4 each).
const langs = (process.env.LANGS ?? 'python:py,typescript:ts').split(',').map((l) => l.split(':'));
const per = Number(process.env.PER ?? 4);
const lines = openerLines(langs, per);
const files = lines.files;
// Each case types a line's start up to its first opener.
const cases = lines.cases.map((c) => ({ name: c.name, source: c.source, typed: c.body.slice(0, c.open + 1), real: c.body }));
console.log(JSON.stringify({ cases }));
const { page, work, close } = await startSession({ files, settings: JSON.parse(process.env.EXPLORE_SETTINGS ?? '{}'), out, prefix: 'prism-brackets-' });
try {
  for (const c of cases) {
    await openWarm(page, c.name);
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
