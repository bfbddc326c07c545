// Run: npm run package && node docs/bench/more-flows-zen4/explore.mjs OUTDIR (VSIX=..., DRY=1 prints the cases)
// Two ways people type, in dev-split Python and TypeScript files (3 each): three Backspaces at the
// end of a code line, then wait; a comment line followed by code, then Enter. The ghost text as it
// comes for 2.5 s (first_ms: when it first showed). Not a test.
import * as fs from 'node:fs';
import * as path from 'node:path';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const { GHOST, devCases, ghostAfter, openWarm, startSession, watchGhost } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/explore/out';
fs.mkdirSync(out, { recursive: true });
const langs = [['python', 'py'], ['typescript', 'ts']];
// A: a code line in the second half, ending in ) or ; : the file cut after it; the user deletes the last 3 chars and waits.
const A = devCases(langs, 3, (lines) => lines.findIndex((l, i) => i > lines.length / 2 && /^\s+\S.{12,}[);]\s*$/.test(l) && !/^\s*(#|\/\/|\*)/.test(l)), (lines, at) => lines.slice(0, at + 1).join('\n'), (lines, at) => ({ line: lines[at], kind: 'backspace' }));
// B: a comment line followed by a code line: the file cut after the comment; Enter, wait.
const B = devCases(langs, 3, (lines) => lines.findIndex((l, i) => i > lines.length / 2 && /^\s+(#|\/\/) \w.{8,}$/.test(l) && /^\s+\S/.test(lines[i + 1] ?? '') && !/^\s*(#|\/\/)/.test(lines[i + 1])), (lines, at) => lines.slice(0, at + 1).join('\n'), (lines, at) => ({ line: lines[at + 1], kind: 'comment-enter' }));
const files = {};
for (const [k, v] of Object.entries(A.files)) files[`a-${k}`] = v;
for (const [k, v] of Object.entries(B.files)) files[`b-${k}`] = v;
const cases = [...A.cases.map((c) => ({ ...c, name: `a-${c.name}` })), ...B.cases.map((c) => ({ ...c, name: `b-${c.name}` }))];
if (process.env.DRY) { console.log(JSON.stringify(cases, null, 1)); process.exit(0); }
const { page, close } = await startSession({ files, vsix: process.env.VSIX, out, prefix: 'prism-explore-' });
const ghost = async () => (await page.locator(GHOST).allTextContents()).join('').replace(/\u00a0/g, ' ');
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    let t0;
    if (c.kind === 'backspace') {
      await page.keyboard.press('End');
      await page.waitForTimeout(600);
      for (let i = 0; i < 3; i++) { await page.keyboard.press('Backspace'); await page.waitForTimeout(150); }
      t0 = Date.now();
    } else {
      t0 = Date.now();
      await page.keyboard.press('Enter');
    }
    const seen = await watchGhost(page, t0, 2500);
    const first = seen.find((s) => s.chars > 0);
    console.log(JSON.stringify({ name: c.name, kind: c.kind, source: c.source, line: c.line.trim().slice(-60), first_ms: first?.ms ?? -1, ghost: (await ghost()).slice(0, 80), changes: seen.length }));
    await page.screenshot({ path: path.join(out, `${c.name}.png`) });
    await page.keyboard.press('Escape');
  }
} finally {
  await close();
}
