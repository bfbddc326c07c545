// A member access typed in TypeScript and JavaScript, where VS Code's TypeScript server opens the
// suggestion list at the dot with its first member selected and the ghost text must continue that
// item. Dev-split lines `name.member...` in the files' second halves: the file cut at the line's
// indentation, the line typed up to its dot (80 ms a key), then ms from the dot to the list's items
// and to the ghost text (2.5 s at most), when the ghost text last changed in the 1.5 s after (whole_ms: a reply with
// the member alone is followed by its line), and at the end of those 1.5 s (150 ms after both showed before
// 2026-12-07) the list, its selected item, and whether the ghost text's first word (the item's, with the list
// open) is the line's member; from every frame's ghost text for 4 s after the dot: when it first showed
// and last changed, and its blanks after it first showed (blanks, blank_ms). SETTINGS='{...}' adds user settings (the arm without the list at the
// dot: {"editor.suggestOnTriggerCharacters": false}); PER cases per language (8); DRY=1 prints
// the cases only. Not a test.
//   npm run package && node docs/bench/tab-list-zen4/dot.mjs /tmp/dot
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { GHOST, devCases, ghostAfter, openWarm, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/dot';
fs.mkdirSync(out, { recursive: true });
const PER = Number(process.env.PER ?? 8);
// LANGS=typescript:ts,python:py picks the languages (TypeScript and JavaScript by default).
const langs = (process.env.LANGS ?? 'typescript:ts,javascript:js').split(',').map((x) => x.split(':'));
const MEMBER = /^(\s+)([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)/;
const { files, cases } = devCases(langs, PER,
  (lines) => lines.findIndex((l, i) => i > lines.length / 2 && MEMBER.test(l)),
  (lines, at) => `${lines.slice(0, at).join('\n')}\n${lines[at].match(MEMBER)[1]}`,
  (lines, at) => {
    const [, , obj, member] = lines[at].match(MEMBER);
    return { typed: `${obj}.`, member, line: lines[at].trim() };
  });
if (process.env.DRY) { console.log(JSON.stringify(cases)); process.exit(0); } // DRY=1: the cases only
const settings = JSON.parse(process.env.SETTINGS ?? '{}');
const { page, close } = await startSession({ files, settings, vsix: process.env.VSIX, out, prefix: 'prism-dot-' });
const ghost = async () => (await page.locator(GHOST).allTextContents()).join('').replace(/\u00a0/g, ' ');
try {
  for (const c of cases) {
    await openWarm(page, c.name);
    let t0 = Date.now();
    for (const ch of c.typed.slice(0, -1)) { await page.keyboard.type(ch); await page.waitForTimeout(80); }
    // The dot: ms until the list shows items (2.5 s at most; -1: none) and until ghost text shows.
    t0 = Date.now();
    const keyAt = new Date(t0).toISOString();
    await page.keyboard.type('.');
    // Every frame's ghost text for 4 s (where it changed): when it first showed and last changed,
    // frame-accurate, and how long it was blank after it first showed.
    const frames = page.evaluate(([sel, t0]) => new Promise((res) => {
      const seen = [];
      let last = null;
      const tick = () => {
        const t = [...document.querySelectorAll(sel)].map((e) => e.textContent).join('');
        if (t !== last) { seen.push([Date.now() - t0, t]); last = t; }
        if (Date.now() - t0 < 4000) requestAnimationFrame(tick); else res(seen);
      };
      tick();
    }), [GHOST, t0]);
    const [listMs, ms] = await Promise.all([
      page.waitForFunction(() => document.querySelector('.suggest-widget.visible .monaco-list-row') !== null, undefined, { polling: 'raf', timeout: 2500 }).then(() => Date.now() - t0, () => -1),
      ghostAfter(page, t0, 2500),
    ]);
    // The ghost text as it changes for 1.5 s more (a reply with the member alone, then its line):
    // whole_ms, when it last changed.
    let shown = await ghost();
    let wholeMs = ms;
    for (const end = Date.now() + 1500; ms >= 0 && Date.now() < end;) {
      await page.waitForTimeout(20);
      const now = await ghost();
      if (now !== shown) { shown = now; wholeMs = Date.now() - t0; }
    }
    const list = await page.locator('.suggest-widget.visible').first().isVisible().catch(() => false);
    const item = list ? ((await page.locator('.suggest-widget .monaco-list-row.focused .label-name').first().textContent().catch(() => '')) ?? '') : '';
    const first = (shown.match(/^[A-Za-z_$][\w$]*/) ?? [''])[0];
    const seen = await frames;
    const firstAt = seen.findIndex(([, t]) => t !== '');
    let blankMs = 0, blanks = 0;
    for (let i = Math.max(firstAt, 0) + 1; firstAt >= 0 && i < seen.length; i++) {
      if (seen[i][1] === '') { blanks++; blankMs += (seen[i + 1]?.[0] ?? 4000) - seen[i][0]; }
    }
    const frameGhost = firstAt >= 0 ? seen[firstAt][0] : -1;
    const frameSettled = seen.length > 0 ? seen[seen.length - 1][0] : -1;
    console.log(JSON.stringify({ ...c, key_at: keyAt, list_ms: listMs, ghost_ms: ms, whole_ms: wholeMs, frame_ghost_ms: frameGhost, frame_settled_ms: frameSettled, blanks, blank_ms: blankMs, list, item, ghost: shown.slice(0, 60), ghost_member: first, right: first === c.member, item_right: item === c.member }));
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  }
} finally {
  await close();
}
