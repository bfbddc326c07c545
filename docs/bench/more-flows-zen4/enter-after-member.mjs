// Run: npm run package && node docs/bench/more-flows-zen4/enter-after-member.mjs OUTDIR (SETTINGS='{"prism.suggestMember": false}' for the arm without the member item)
// A dot, the member the list offers typed out in full, then Enter: does Enter break the line?
import * as fs from 'node:fs';
import * as path from 'node:path';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const { devCases, openWarm, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/explore/eam';
fs.mkdirSync(out, { recursive: true });
const langs = (process.env.LANGS ?? 'python:py').split(',').map((x) => x.split(':'));
const MEMBER = /^(\s+)([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)/;
const { files, cases } = devCases(langs, Number(process.env.PER ?? 4),
  (lines) => lines.findIndex((l, i) => i > lines.length / 2 && MEMBER.test(l)),
  (lines, at) => `${lines.slice(0, at).join('\n')}\n${lines[at].match(MEMBER)[1]}`,
  (lines, at) => { const [, , obj, member] = lines[at].match(MEMBER); return { typed: `${obj}.`, member }; });
const { page, close } = await startSession({ files, settings: JSON.parse(process.env.SETTINGS ?? '{}'), vsix: process.env.VSIX, out, prefix: 'prism-eam-' });
const pos = async () => (await page.locator('.statusbar-item:has-text("Ln ")').first().textContent()) ?? '';
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    for (const ch of c.typed) { await page.keyboard.type(ch); await page.waitForTimeout(80); }
    const list = await page.waitForFunction(() => document.querySelector('.suggest-widget.visible .monaco-list-row') !== null, undefined, { polling: 'raf', timeout: 2500 }).then(() => true, () => false);
    const item = list ? ((await page.locator('.suggest-widget .monaco-list-row.focused .label-name').first().textContent().catch(() => '')) ?? '') : '';
    const word = item || c.member;
    for (const ch of word) { await page.keyboard.type(ch); await page.waitForTimeout(120); }
    await page.waitForTimeout(300);
    const listBefore = await page.locator('.suggest-widget.visible').first().isVisible().catch(() => false);
    const before = await pos();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    const after = await pos();
    console.log(JSON.stringify({ name: c.name, typed: c.typed + word, list_at_dot: list, item, list_open_at_enter: listBefore, before, after, newline: before.split(',')[0] !== after.split(',')[0] }));
    await page.keyboard.press('Escape');
  }
} finally {
  await close();
}
