// Run: npm run package && VSIX=dist/prism-complete-linux-x64.vsix node docs/bench/next-line-zen4/tab-enter.mjs OUT
// Tab at a line's end, then what a person does next: waits (does the next line show, and is it
// the file's?) or presses Enter (how soon is there ghost text on the new line?). Dev-split Python
// and TypeScript files cut inside a statement line (its last 6 characters gone) whose next line
// is a statement at the same indentation; per file: opened, 4 s, the line's next character
// typed, its ghost text, Tab, the ghost text at every frame for 2.5 s, Enter, the ghost text at
// every frame for 2.5 s. Prints one JSON line per file.
import * as fs from 'node:fs';
import * as path from 'node:path';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const { devCases, openWarm, startSession, ghostFrames, firstShown } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const per = Number(process.env.PER ?? 6);
const indent = (l) => l.match(/^\s*/)[0];
const plain = (l) => l.trim().length >= 12 && /[\w)\]'"`;]$/.test(l.trimEnd()) && !/^\s*(#|\/\/|\*|\/\*|@|}|\)|]|return\b|else\b|elif\b|except\b|finally\b|case\b|default\b)/.test(l) && !/[:{([,=+]\s*$/.test(l);
const { files, cases } = devCases([['python', 'py'], ['typescript', 'ts']], per,
  (lines) => lines.findIndex((l, i) => i > lines.length / 2 && i + 1 < lines.length && plain(l) && plain(lines[i + 1]) && indent(l) === indent(lines[i + 1]) && indent(l).length > 0),
  (lines, at) => `${lines.slice(0, at).join('\n')}\n${lines[at].trimEnd().slice(0, -6)}`,
  (lines, at) => ({ typed: lines[at].trimEnd().slice(-6, -5), rest: lines[at].trimEnd().slice(-5), next: lines[at + 1].trim() }));
const out = process.argv[2] ?? '/tmp/next-line';
fs.mkdirSync(out, { recursive: true });
const { page, close } = await startSession({ files, vsix: process.env.VSIX, out, prefix: 'prism-next-' });
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    await page.keyboard.type(c.typed);
    const typedAt = Date.now();
    const line = firstShown(await ghostFrames(page, 4000), typedAt);
    if (line.ms < 0) { console.log(JSON.stringify({ file: c.name, source: c.source, error: 'no ghost text after the typed character' })); continue; }
    await page.keyboard.press('Tab');
    const tabAt = Date.now();
    const afterTab = await ghostFrames(page, 2500);
    const next = firstShown(afterTab, tabAt);
    await page.keyboard.press('Enter');
    const enterAt = Date.now();
    const afterEnter = await ghostFrames(page, 2500);
    const enter = firstShown(afterEnter, enterAt);
    console.log(JSON.stringify({
      file: c.name, source: c.source, line_ghost: line.text.slice(0, 60), line_right: line.text.trim() === c.rest.trim(),
      next_ms: next.ms, next_ghost: next.text.trim().slice(0, 60), next_right: next.text.trim() === c.next, file_next: c.next.slice(0, 60),
      enter_ms: enter.ms, enter_ghost: enter.text.trim().slice(0, 60), enter_right: enter.text.trim() === c.next,
      frames_after_tab: afterTab.map(([t, s]) => `${t - tabAt}:${s.length}`), frames_after_enter: afterEnter.map(([t, s]) => `${t - enterAt}:${s.length}`),
    }));
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
  }
} finally {
  await close();
}
