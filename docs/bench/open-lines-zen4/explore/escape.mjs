// Escape while a block is still decoding, in code-server with the packaged .vsix: Enter at the end
// of a line that opens a block in a dev-split Python file, Escape as soon as the first line shows,
// then the ghost text watched for 4 s without a key. Does the block the user dismissed come back
// when it is done? Then the same with no Escape (the block follows as it should).
// Not a test: it prints what a user sees.
//   npm run package && node docs/bench/open-lines-zen4/explore/escape.mjs /tmp/escape
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const { GHOST, devSplit, ghostAfter, openFile, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/escape';
fs.mkdirSync(out, { recursive: true });
const { data, dev } = devSplit();
const picks = [];
for (const line of fs.readFileSync(path.join(data, 'corpus', 'python.jsonl'), 'utf8').split('\n')) {
  if (!line || picks.length >= 2) continue;
  const r = JSON.parse(line);
  if (!dev.has(r.repo) || r.content.length < 3000 || r.content.length > 20000) continue;
  const lines = r.content.split('\n');
  const at = lines.findIndex((l, i) => i > lines.length / 2 && /^ {4}def .*\):\s*$/.test(l));
  if (at > 0) picks.push({ name: `${r.repo}/${r.path}`, text: lines.slice(0, at + 1).join('\n') });
}
const files = process.env.ESCAPE_TEXT ? { 'dismissed.py': process.env.ESCAPE_TEXT, 'kept.py': picks[1].text } : { 'dismissed.py': picks[0].text, 'kept.py': picks[1].text };
console.log(JSON.stringify({ dismissed: picks[0].name, kept: picks[1].name }));
const { page, close } = await startSession({ files, settings: JSON.parse(process.env.EXPLORE_SETTINGS ?? '{}'), out, prefix: 'prism-escape-' });
const log = (o) => console.log(JSON.stringify(o));
try {
  const ghostText = async () => (await page.locator(GHOST).allTextContents()).join('');
  const watch = async (t0, ms) => {
    const seen = [];
    let last = null;
    for (const end = Date.now() + ms; Date.now() < end;) {
      const now = await ghostText();
      if (now !== last) { seen.push({ ms: Date.now() - t0, chars: now.length }); last = now; }
      await page.waitForTimeout(30);
    }
    return seen;
  };
  for (const [file, escape] of [['dismissed.py', true], ['kept.py', false]]) {
    await openFile(page, file);
    await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 });
    await page.waitForTimeout(6000);
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    const first = await ghostAfter(page, t0, 20000);
    const shown = await ghostText();
    if (escape) await page.keyboard.press('Escape');
    const after = await watch(t0, 4000);
    await page.screenshot({ path: path.join(out, `${file}.png`) });
    log({ file, first_line_ms: first, first_line: shown, escape, ghost_after: after, ghost_at_end: await ghostText() });
  }
} finally {
  await close();
}
