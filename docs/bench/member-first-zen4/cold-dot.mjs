// Run: git apply member-first.patch && npm run package && VSIX=dist/prism-complete-linux-x64.vsix node docs/bench/member-first-zen4/cold-dot.mjs OUT
// The end-to-end cold dot, 5 times, with code-server at trace level: each time a fresh ~1,500-token
// TypeScript file, opened and `.` typed at once after `console`; the ghost text for 8 s.
import * as fs from 'node:fs';
import * as path from 'node:path';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const { openFile, startSession, watchGhost } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const { coldFiles: files } = await import('./cold-files.mjs');
const out = process.argv[2] ?? '/tmp/cold/out';
fs.mkdirSync(out, { recursive: true });
const { page, close } = await startSession({ files, vsix: process.env.VSIX, out, prefix: 'prism-cold-' });
try {
  await openFile(page, 'areas5.ts');
  await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 });
  await page.waitForTimeout(6000);
  for (let k = 0; k < 5; k++) {
    await openFile(page, `areas${k}.ts`);
    const t0 = Date.now();
    await page.keyboard.type('.');
    const seen = await watchGhost(page, t0, 8000);
    console.log(JSON.stringify({ file: `areas${k}.ts`, at: new Date(t0).toISOString(), seen: seen.map((x) => `${x.ms}:${x.text}`), final: seen.at(-1)?.text }));
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1500);
  }
} finally {
  await close();
}
