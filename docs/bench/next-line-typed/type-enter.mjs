// Run: npm run package && VSIX=dist/prism-complete-linux-x64.vsix node docs/bench/next-line-typed/type-enter.mjs OUT
// A person types a line to its end, pauses, presses Enter: does anything show at the line's end
// while they pause (the next line), and how soon is there ghost text on the new line? The same
// dev-split Python and TypeScript files as docs/bench/next-line-zen4/tab-enter.mjs, cut inside a
// statement line (its last 6 characters gone) whose next line is a statement at the same
// indentation; per file: opened, 4 s, the 6 characters typed a key every 120 ms, the ghost text at
// every frame for 2.5 s, Enter, the ghost text at every frame for 2.5 s. One JSON line per file.
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
  (lines, at) => ({ typed: lines[at].trimEnd().slice(-6), next: lines[at + 1].trim() }));
const out = process.argv[2] ?? '/tmp/type-enter';
fs.mkdirSync(out, { recursive: true });
// SETTINGS: VS Code settings as JSON (a remote backend: {"prism.backend": "remote", "prism.remote.url": URL}).
const { page, close } = await startSession({ files, vsix: process.env.VSIX, out, prefix: 'prism-type-enter-', settings: process.env.SETTINGS ? JSON.parse(process.env.SETTINGS) : {} });
const lastShown = (seen) => (seen.length > 0 ? seen[seen.length - 1][1] : '');
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    await page.keyboard.type(c.typed, { delay: 120 });
    const endAt = Date.now();
    const atEnd = await ghostFrames(page, 2500);
    const shown = firstShown(atEnd, endAt);
    await page.keyboard.press('Enter');
    const enterAt = Date.now();
    const afterEnter = await ghostFrames(page, 2500);
    const enter = firstShown(afterEnter, enterAt);
    console.log(JSON.stringify({
      file: c.name, source: c.source, file_next: c.next.slice(0, 60),
      end_ms: shown.ms, end_ghost: lastShown(atEnd).trim().slice(0, 60), end_right: lastShown(atEnd).trim().split('\n')[0] === c.next,
      enter_ms: enter.ms, enter_ghost: lastShown(afterEnter).trim().slice(0, 60), enter_right: lastShown(afterEnter).trim().split('\n')[0] === c.next,
      frames_at_end: atEnd.map(([t, s]) => `${t - endAt}:${s.length}`), frames_after_enter: afterEnter.map(([t, s]) => `${t - enterAt}:${s.length}`),
    }));
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
  }
} finally {
  await close();
}
