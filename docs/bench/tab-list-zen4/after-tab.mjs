// After Tab, how soon does the next ghost text come? The extension asks VS Code again at once
// after an accepted item (the next completion, prefetched); VS Code makes that request as an
// invoked one. Dev-split files cut at the end of a line in their second half: Enter, the ghost
// text (its whole block, 2 s), Tab, then ms until ghost text is on screen again (4 s at most) and
// what it is. VSIX picks the package; PER the cases per language (4); DRY=1 prints the cases
// only. Not a test.
//   npm run package && VSIX=dist/prism-complete-linux-x64.vsix node docs/bench/tab-list-zen4/after-tab.mjs /tmp/after-tab
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { GHOST, devCases, ghostAfter, openWarm, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/after-tab';
fs.mkdirSync(out, { recursive: true });
const PER = Number(process.env.PER ?? 4);
const { files, cases } = devCases([['python', 'py'], ['typescript', 'ts'], ['go', 'go'], ['javascript', 'js']], PER,
  (lines) => lines.findIndex((l, i) => i > lines.length / 2 && /^\s+\S.*[;:{)]\s*$/.test(l) && !/^\s*(#|\/\/|\*)/.test(l) && (lines[i + 1] ?? '').trim().length > 0),
  (lines, at) => lines.slice(0, at + 1).join('\n'));
if (process.env.DRY) { console.log(JSON.stringify(cases)); process.exit(0); } // DRY=1: the cases only
const { page, close } = await startSession({ files, vsix: process.env.VSIX, out, prefix: 'prism-aftertab-' });
const ghost = async () => (await page.locator(GHOST).allTextContents()).join('').replace(/\u00a0/g, ' ');
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    let t0 = Date.now();
    await page.keyboard.press('Enter');
    const first = await ghostAfter(page, t0, 8000);
    await page.waitForTimeout(2000);
    const shown = await ghost();
    if (!shown) { console.log(JSON.stringify({ ...c, first_ms: first, shown })); continue; }
    t0 = Date.now();
    await page.keyboard.press('Tab');
    // The accepted ghost text leaves the screen, then the next one comes.
    await page.waitForFunction((sel) => ![...document.querySelectorAll(sel)].some((e) => e.getBoundingClientRect().width > 0), GHOST, { polling: 'raf', timeout: 2000 }).catch(() => undefined);
    const next = await ghostAfter(page, t0, 4000);
    await page.waitForTimeout(100);
    console.log(JSON.stringify({ ...c, first_ms: first, shown: shown.slice(0, 60), next_ms: next, next: (await ghost()).slice(0, 60) }));
    await page.keyboard.press('Escape');
  }
} finally {
  await close();
}
