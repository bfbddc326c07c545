// A hand session in a real VS Code (code-server + Chromium) with the packaged .vsix and VS Code's
// default editor settings (the suggestion list opens while typing a word): Enter then wait, half
// a word, a dot, Tab, on dev-split files, a return to an earlier file, and a click then Enter in a
// just-opened long file and in a short one, Enter in a file with Windows line ends, a long line
// typed into and waited on, then typed to its end, a pause and Enter. Prints one JSON line per step (the ghost text as shown, how long it
// took from the key, or from the last key where several were typed a key every 120 ms, how it
// changed in the next 3 s, the file after Tab) and writes a screenshot per step; code-server
// runs at log level trace, so the copied output channel also shows when VS Code asked and what it got. Not a test: it asserts
// nothing; it is how to look at the product the way a user does before resolving anything.
//
//   npm run package && node scripts/hand-session.mjs --out /tmp/hand     # ~3 min on 2 cores
//   (--vsix FILE: another package; --setting KEY=JSON: a user setting; --pause MS: how long the user looks at a just-opened file's
//   end before pressing Enter, default 1500; --click-enter MS: from a click to Enter, default 300)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GHOST, ROOT, devSplit, ghostAfter, openFile, startSession } from './code-server-session.mjs';

const args = process.argv.slice(2);
const out = args[args.indexOf('--out') + 1] && args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1]) : fs.mkdtempSync(path.join(os.tmpdir(), 'prism-hand-out-'));
const VSIX = args.includes('--vsix') ? path.resolve(args[args.indexOf('--vsix') + 1]) : path.join(ROOT, 'dist', 'prism-complete-linux-x64.vsix');
const PAUSE_MS = args.includes('--pause') ? Number(args[args.indexOf('--pause') + 1]) : 1500;
// --setting KEY=JSON (repeatable): a user setting besides VS Code's defaults, e.g.
// --setting editor.inlineSuggest.suppressSuggestions=true
const userSettings = Object.fromEntries(args.flatMap((a, i) => (a === '--setting' ? [args[i + 1] ?? ''] : [])).map((kv) => {
  const eq = kv.indexOf('=');
  if (eq < 1) { console.error(`--setting takes KEY=JSON, got '${kv}'`); process.exit(2); }
  return [kv.slice(0, eq), JSON.parse(kv.slice(eq + 1))];
}));
const CLICK_ENTER_MS = args.includes('--click-enter') ? Number(args[args.indexOf('--click-enter') + 1]) : 300;
fs.mkdirSync(out, { recursive: true });

// Dev-split files (never train): two Python, one TypeScript, 8-80 KB; a short Python one.
const { data, dev } = devSplit();
function pick(lang, re, not = '', [min, max] = [8000, 80000]) {
  for (const line of fs.readFileSync(path.join(data, 'corpus', `${lang}.jsonl`), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (!dev.has(r.repo) || r.content.length < min || r.content.length > max || `${r.repo}/${r.path}` === not) continue;
    const lines = r.content.split('\n');
    for (let i = Math.floor(lines.length * 0.4); i < lines.length - 3; i++) if (re.test(lines[i])) return { name: `${r.repo}/${r.path}`, lines, at: i };
  }
  throw new Error(`no ${lang} dev file with a line matching ${re}`);
}
const py = pick('python', /^ {4}def .*:\s*$/);
// A third file, another Python one, for a click in a place whose prompt nothing has computed.
const py2 = pick('python', /^ {8}(if|for) .*:\s*$/, py.name);
const ts = pick('typescript', /^ {2}\S.*\{\s*$/);
// A fourth, a short Python file (1,500-3,500 characters: it fits one prompt whole).
const short = pick('python', /^ {4,8}\S.*:\s*$/, '', [1500, 3500]);
// A fifth, saved with Windows line ends (CRLF), its end at a method's `def` line (step 8); a sixth
// ending in a long line cut after its ` = ` (step 9: the call's name and `(` typed, then the user waits).
const crlf = pick('python', /^ {4}def .*:\s*$/, py.name);
const long = pick('python', /^ {8}[a-z_.]+ = [\w.]+\(.{30,}$/, py.name);
const cutAt = long.lines[long.at].indexOf(' = ') + 3;
const typedOn = /^[\w.]+\(/.exec(long.lines[long.at].slice(cutAt))[0];
const files = {
  'enter.py': py.lines.slice(0, py.at + 1).join('\n'),
  'half.py': py.lines.slice(0, py.at + 1).join('\n'),
  'enter.ts': ts.lines.slice(0, ts.at + 1).join('\n'),
  'click.py': py2.lines.join('\n'),
  'short.py': short.lines.join('\n'),
  'crlf.py': crlf.lines.slice(0, crlf.at + 1).join('\r\n'),
  'long.py': [...long.lines.slice(0, long.at), long.lines[long.at].slice(0, cutAt)].join('\n'),
};
console.log(JSON.stringify({ python: py.name, line: py.lines[py.at], typescript: ts.name, tsLine: ts.lines[ts.at], short: `${short.name} (${short.lines.join('\n').length} characters)`, crlf: `${crlf.name}: ${crlf.lines[crlf.at].trim()}`, long: `${long.name}: ${long.lines[long.at].trim()}` }));
const { page, work, close } = await startSession({ files, settings: userSettings, vsix: VSIX, out, prefix: 'prism-hand-' });
try {
  const ghost = () => page.locator(GHOST);
  const open = (name) => openFile(page, name);
  // Types `text` a key every 120 ms and returns when its last key went down: the time the user
  // stops typing, from which a typed step's ghost text is timed.
  const typeKeys = async (text) => {
    await page.keyboard.type(text.slice(0, -1), { delay: 120 });
    if (text.length > 1) await page.waitForTimeout(120);
    const at = Date.now();
    await page.keyboard.type(text.slice(-1));
    return at;
  };
  // t0: the step's first key; ghost_ms counts from `lastKey` where keys were typed (the ghost text
  // on screen once the user stopped typing: at once, 0, if it was there already), else from t0.
  const step = async (tag, t0, lastKey = t0) => {
    // Checked at every frame in the page: a locator's waitFor retries at growing intervals (up
    // to 500 ms apart), which had added up to half a second to some steps.
    const ms = await ghostAfter(page, lastKey);
    // How the ghost text changes while the user waits (a block's first line, then the block).
    const changes = [];
    let last = '';
    for (const end = Date.now() + 3000; ms >= 0 && Date.now() < end;) {
      const now = (await ghost().allTextContents()).join('');
      if (now !== last) { changes.push({ ms: Date.now() - lastKey, chars: now.length }); last = now; }
      await page.waitForTimeout(40);
    }
    const shown = (await ghost().allTextContents()).join('');
    const cursor = await page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first().textContent().catch(() => '?');
    const status = await page.locator('.statusbar-item', { hasText: 'PRISM' }).first().textContent().catch(() => '?');
    await page.screenshot({ path: path.join(out, `${tag}.png`) });
    const typing = lastKey > t0 ? { typed_ms: lastKey - t0, ghost_ms_after: 'the last key' } : {};
    console.log(JSON.stringify({ step: tag, key_at: new Date(t0).toISOString(), ...typing, ghost_ms: ms, ghost_changes: changes, ghost: shown, cursor: cursor?.trim(), status_bar: status?.trim() }));
  };
  const tab = async (file, tag) => {
    await page.keyboard.press('Tab');
    await page.waitForTimeout(400);
    // Ghost text 400 ms after Tab: at a line's end, the line break and the block after it (the
    // server's mode 'next'); else what Tab left (with the suggestion list open, Tab writes its item
    // and the ghost text: prism.tabAcceptsOverSuggestions).
    const left = (await ghost().allTextContents()).join('');
    await page.screenshot({ path: path.join(out, `${tag}-tab.png`) });
    if (left) console.log(JSON.stringify({ step: `${tag} + Tab`, ghost_left: left }));
    await page.keyboard.press('Control+S');
    await page.waitForTimeout(800);
    const saved = fs.readFileSync(path.join(work, file), 'utf8');
    // Line ends as saved: a CRLF file keeps CRLF only (a lone CR or LF would be a completion's).
    const ends = { crlf: (saved.match(/\r\n/g) ?? []).length, lone_lf: (saved.match(/(?<!\r)\n/g) ?? []).length, lone_cr: (saved.match(/\r(?!\n)/g) ?? []).length };
    console.log(JSON.stringify({ step: `${tag} + Tab`, file_end: saved.slice(-160), line_ends: ends }));
  };
  await open('enter.py');
  await page.waitForSelector('[id="prism-complete.prism"], .statusbar-item:has-text("PRISM")', { timeout: 120000 });
  await page.waitForTimeout(8000); // the model loads and the file's prefill runs, as a user reads
  let t0 = Date.now(); await page.keyboard.press('Enter'); await step('1-enter-python', t0); await tab('enter.py', '1-enter-python');
  await open('half.py');
  await page.keyboard.press('Enter'); await page.waitForTimeout(1500); await page.keyboard.press('Escape');
  t0 = Date.now(); await step('2-half-word', t0, await typeKeys('if no')); await tab('half.py', '2-half-word');
  await page.keyboard.press('End'); await page.keyboard.press('Enter'); await page.waitForTimeout(1000); await page.keyboard.press('Escape');
  t0 = Date.now(); await step('3-dot', t0, await typeKeys('self.')); await tab('half.py', '3-dot');
  await open('enter.ts');
  await page.waitForTimeout(PAUSE_MS); // a look at where the cursor landed (--pause MS, default 1500)
  t0 = Date.now(); await page.keyboard.press('Enter'); await step('4-enter-typescript', t0); await tab('enter.ts', '4-enter-typescript');
  // Back to the Python file (its tab): its prompt is still cached (prism.cacheDocuments), so Enter
  // at its end does not wait for a prefill.
  await page.locator('.tabs-container .tab', { hasText: 'half.py' }).first().click();
  await page.waitForTimeout(PAUSE_MS);
  await page.keyboard.press('End');
  t0 = Date.now(); await page.keyboard.press('Enter'); await step('5-back-to-python', t0);
  // A click at the end of a line on the first screen of a file just opened (its cursor at the top,
  // where the file was warmed from its start), then Enter --click-enter MS later (default 300): a
  // long file (step 6: its first prompt's worth warmed) and a short one that fits one prompt (step
  // 7: warmed whole).
  const clickThenEnter = async (file, tag) => {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: file });
    await row.first().dblclick();
    await page.locator('.tabs-container .tab.active', { hasText: file }).waitFor({ state: 'visible', timeout: 60000 });
    await page.waitForTimeout(2000);
    const editor = await page.locator('.editor-instance .monaco-editor .overflow-guard').first().boundingBox();
    const lines = [];
    for (const l of await page.locator('.editor-instance .monaco-editor .view-lines .view-line').all()) {
      // The line's text (its first span), to click just right of its end.
      const box = await l.locator(':scope > span').first().boundingBox();
      const text = (await l.textContent()) ?? '';
      if (box && editor && box.y > editor.y + 200 && box.y + box.height < editor.y + editor.height - 40 && /:\s*$/.test(text)) lines.push({ x: box.x + box.width + 8, y: box.y + box.height / 2, text });
    }
    lines.sort((a, b) => a.y - b.y);
    const target = lines.at(-1);
    if (target && editor) {
      await page.mouse.click(target.x, target.y);
      await page.waitForTimeout(CLICK_ENTER_MS);
      const t = Date.now(); await page.keyboard.press('Enter'); await step(tag, t);
      console.log(JSON.stringify({ step: tag, clicked: target.text.trim(), enter_after_ms: CLICK_ENTER_MS }));
    } else console.log(JSON.stringify({ step: tag, error: 'no line ending with a colon on the first screen' }));
  };
  await clickThenEnter('click.py', '6-click-then-enter');
  await clickThenEnter('short.py', '7-click-short-file');
  // A file with Windows line ends: Enter at its end, Tab, and what was saved.
  await open('crlf.py');
  await page.waitForTimeout(PAUSE_MS);
  t0 = Date.now(); await page.keyboard.press('Enter'); await step('8-enter-crlf-file', t0); await tab('crlf.py', '8-enter-crlf-file');
  // A long line: its call's name and `(` typed (VS Code closes the parenthesis), then the user
  // waits (a line the first-line budget cut is finished in the pause: ghost_changes shows it grow).
  await open('long.py');
  await page.waitForTimeout(PAUSE_MS);
  t0 = Date.now(); await step('9-long-line-wait', t0, await typeKeys(typedOn));
  console.log(JSON.stringify({ step: '9-long-line-wait', typed: typedOn, the_file_had: long.lines[long.at].slice(cutAt + typedOn.length) }));
  // The same line typed to its end by hand (the file's own rest; Escape first), a pause, then
  // Enter: the next line shows below during the pause (the server's mode 'next'), and Enter finds
  // it in the client's cache.
  await page.keyboard.press('Escape');
  t0 = Date.now(); await step('10-line-end-pause', t0, await typeKeys(long.lines[long.at].slice(cutAt + typedOn.length)));
  t0 = Date.now(); await page.keyboard.press('Enter'); await step('10-enter-after-pause', t0); await tab('long.py', '10-enter-after-pause');
  console.log(JSON.stringify({ screenshots: out }));
} finally {
  // The extension's output channel (what the server logged: prefills, completions) goes beside the screenshots.
  await close();
}
