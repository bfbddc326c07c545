// Run: npm run package && VSIX=dist/prism-complete-linux-x64.vsix node docs/bench/member-first-zen4/cold-tab.mjs OUT
// The end-to-end cold dot with its Tab, 5 times, code-server at trace level: a fresh ~1,500-token
// TypeScript file opened and `.` typed at once after `console`; once the ghost text shows `log(`
// (read every 100 ms, as the end-to-end test does), Tab and Ctrl+S; the saved last line.
import * as fs from 'node:fs';
import * as path from 'node:path';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const { openFile, startSession, ghostText } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const { coldFiles: files } = await import('./cold-files.mjs');
const out = process.argv[2] ?? '/tmp/cold-tab';
fs.mkdirSync(out, { recursive: true });
// SETTINGS='{...}': user settings (the end-to-end suite's, to match its run).
const { page, work, close } = await startSession({ files, settings: JSON.parse(process.env.SETTINGS ?? '{}'), vsix: process.env.VSIX, out, prefix: 'prism-coldtab-' });
try {
  await openFile(page, 'areas5.ts');
  await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 });
  await page.waitForTimeout(6000);
  for (let k = 0; k < 5; k++) {
    const name = `areas${k}.ts`;
    await openFile(page, name);
    const t0 = Date.now();
    await page.keyboard.type('.');
    let shown = '';
    while (Date.now() - t0 < 30000) {
      shown = (await ghostText(page)).replace(/\u00a0/g, ' ');
      if (shown.startsWith('log(') && (await page.locator('.suggest-widget.visible').count()) === 0) break;
      await page.waitForTimeout(100);
    }
    const tabAt = Date.now();
    await page.keyboard.press('Tab');
    await page.waitForTimeout(300);
    await page.keyboard.press('Control+S');
    await page.waitForTimeout(700);
    const saved = fs.readFileSync(path.join(work, name), 'utf8').split('\n').pop();
    console.log(JSON.stringify({ file: name, at: new Date(t0).toISOString(), tab_ms: tabAt - t0, shown, saved, ok: saved.trim() === `console.${shown}`.trim() }));
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1500);
  }
} finally {
  await close();
}
