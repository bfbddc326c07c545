// Run: npm run package && VSIX=dist/prism-complete-linux-x64.vsix node docs/bench/ask-again-zen4/invoked.mjs OUT
// A block's rest (prism/continuation) after a reply to an invoked request (Alt+\, or the
// extension's own `editor.action.inlineSuggest.trigger`): does its whole show? Dev-split Python
// and TypeScript files cut after a line that opens a block, the cursor at the next line's
// indentation; per file: opened, 4 s, Alt+\, then the ghost text at every frame for 5 s. The
// output channel (trace level) says when a continuation came and whether VS Code asked again.
import * as fs from 'node:fs';
import * as path from 'node:path';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const { devCases, openWarm, startSession, GHOST } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const per = Number(process.env.PER ?? 5);
const { files, cases } = devCases([['python', 'py'], ['typescript', 'ts']], per,
  (lines) => lines.findIndex((l, i) => i > lines.length / 2 && (/^\s+(def|if|for|while|with) .*:\s*$/.test(l) || /^\s+\S.*\{\s*$/.test(l))),
  (lines, at) => `${lines.slice(0, at + 1).join('\n')}\n${(lines[at + 1] ?? '').match(/^\s*/)[0]}`);
const out = process.argv[2] ?? '/tmp/after-tab';
fs.mkdirSync(out, { recursive: true });
// VS Code 1.100 binds no key to `editor.action.inlineSuggest.trigger`: USER_KEY=1 binds Alt+\ as
// a user keybinding (for a package that does not contribute it).
const keybindings = process.env.USER_KEY ? [{ key: 'alt+\\', command: 'editor.action.inlineSuggest.trigger', when: 'editorTextFocus' }] : undefined;
const { page, close } = await startSession({ files, keybindings, vsix: process.env.VSIX, out, prefix: 'prism-again-' });
// Every frame's ghost text where it changed: [ms since epoch, text].
const record = (ms) => page.evaluate(([sel, ms]) => new Promise((res) => {
  const seen = [];
  let last = null;
  const end = Date.now() + ms;
  const tick = () => {
    const t = [...document.querySelectorAll(sel)].map((e) => e.textContent).join('');
    if (t !== last) { seen.push([Date.now(), t]); last = t; }
    if (Date.now() < end) requestAnimationFrame(tick); else res(seen);
  };
  tick();
}), [GHOST, ms]);
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    const t0 = Date.now();
    await page.keyboard.press('Alt+Backslash');
    const seen = await record(5000);
    console.log(JSON.stringify({ file: c.name, source: c.source, at: new Date(t0).toISOString(), seen: seen.map(([t, s]) => `${t - t0}:${s.length}`), final: seen.at(-1)?.[1].slice(0, 80), blanks: seen.slice(1).filter(([, s]) => s === '').length }));
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
  }
} finally {
  await close();
}
