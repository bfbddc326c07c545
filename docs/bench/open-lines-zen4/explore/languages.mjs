// Typing the way people type in five more languages (Go, Rust, JavaScript, Java, C), in
// code-server with the packaged .vsix: each file a dev-split file cut after a line that opens a
// block; Enter, then wait (the block), Tab, save; then the next real line's first three
// characters typed, then wait; then, where the real code has one, a name and a dot. Prints the
// ghost text, the time from the last key, and what Tab wrote next to what the file really had.
// Not a test: it prints what a user sees.
//   npm run package && node docs/bench/open-lines-zen4/explore/languages.mjs /tmp/langs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const { GHOST, devSplit, ghostAfter, openFile, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/langs';
fs.mkdirSync(out, { recursive: true });
const { data, dev } = devSplit();
/** A dev file of the shard, cut after a line that opens a block whose next line starts with a name. */
function pick(shard, ext, skip = 0) {
  for (const line of fs.readFileSync(path.join(data, 'corpus', `${shard}.jsonl`), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (!dev.has(r.repo) || !r.path.endsWith(ext) || r.content.length < 3000 || r.content.length > 40000) continue;
    const lines = r.content.split('\n');
    for (let i = Math.floor(lines.length * 0.5); i < lines.length - 3; i++) {
      if (!/\{\s*$/.test(lines[i]) || !/^\s+[A-Za-z_]\w*[ .(=:]/.test(lines[i + 1])) continue;
      if (skip-- > 0) break;
      return { name: `${r.repo}/${r.path}`, text: lines.slice(0, i + 1).join('\n'), next: lines.slice(i + 1, i + 4) };
    }
  }
  throw new Error(`no ${ext} file`);
}
const langs = [['go', '.go', 'main.go'], ['rust', '.rs', 'lib.rs'], ['javascript', '.js', 'app.js'], ['java', '.java', 'App.java'], ['c_cpp', '.c', 'main.c']];
const picked = langs.map(([shard, ext, file]) => ({ file, ...pick(shard, ext) }));
for (const p of picked) console.log(JSON.stringify({ file: p.file, from: p.name, next_lines: p.next }));
const files = Object.fromEntries(picked.map((p) => [p.file, `${p.text}\n`]));
// Each file ends after the opener's line: the cursor goes to the end of that line, not the empty last one.
const { page, work, close } = await startSession({ files, settings: JSON.parse(process.env.EXPLORE_SETTINGS ?? '{}'), out, prefix: 'prism-langs-' });
const log = (o) => console.log(JSON.stringify(o));
try {
  const ghostText = async () => (await page.locator(GHOST).allTextContents()).join('');
  const wait = async (tag, t0, settle = 2500) => {
    const ms = await ghostAfter(page, t0, 20000);
    await page.waitForTimeout(settle);
    await page.screenshot({ path: path.join(out, `${tag}.png`) });
    return { step: tag, ghost_ms_after_last_key: ms, ghost_after_wait: await ghostText() };
  };
  const saved = async (file) => { await page.keyboard.press('Control+S'); await page.waitForTimeout(600); return fs.readFileSync(path.join(work, file), 'utf8'); };
  let first = true;
  for (const p of picked) {
    await openFile(page, p.file);
    if (first) { await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 }); first = false; }
    await page.keyboard.press('ArrowUp'); await page.keyboard.press('End');
    await page.waitForTimeout(3000); // a look at the code, as a user reads
    let t0 = Date.now(); await page.keyboard.press('Enter');
    const enter = await wait(`${p.file}-enter`, t0);
    const before = await saved(p.file);
    await page.keyboard.press('Tab'); await page.waitForTimeout(300);
    const after = await saved(p.file);
    log({ ...enter, tab_wrote: after.slice(p.text.length + 1).replace(/\n$/, '').slice(0, 300), real: p.next.join('\n') });
    // Undo the Tab, then type the next real line's first three characters after its indentation.
    if (after !== before) { await page.keyboard.press('Control+Z'); await page.waitForTimeout(300); }
    await page.keyboard.press('Escape');
    const code = (p.next[0] ?? '').trimStart();
    await page.keyboard.type(code.slice(0, 3), { delay: 120 });
    t0 = Date.now();
    log({ ...(await wait(`${p.file}-half-word`, t0, 1500)), typed: code.slice(0, 3), real: code });
    // A name and a dot, where the real line starts with one.
    const member = /^([A-Za-z_]\w*)\./.exec(code);
    if (member) {
      await page.keyboard.press('Escape');
      await page.keyboard.type(member[1].slice(3) + '.', { delay: 120 });
      t0 = Date.now();
      log({ ...(await wait(`${p.file}-dot`, t0, 1500)), typed: `${member[1]}.`, real: code });
    }
    await page.keyboard.press('Escape');
  }
} finally {
  await close();
}
