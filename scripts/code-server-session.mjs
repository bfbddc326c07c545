// A real VS Code for looking at the product by hand (scripts/hand-session.mjs, the probes in
// docs/bench/): code-server with the packaged .vsix installed into fresh user and extension
// folders, a folder open, Chromium on it. code-server runs at log level trace, so the copied
// output channel also shows when VS Code asked and what it got. `close()` ends both and copies the
// extension's output channel to `<out>/prism-output.log`.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');

/**
 * The shared code data as the benchmarks find it (server/bench/data.ts: PRISM_SHARED_DATA, else
 * shared/data/code beside the repository; needs the build's out/): its folder and the dev-split
 * repositories, where the sessions take their files.
 */
export function devSplit() {
  const data = require('./out/server/bench/data.js').sharedDataDir(ROOT);
  return { data, dev: new Set(JSON.parse(fs.readFileSync(path.join(data, 'splits.json'), 'utf8')).dev.map((r) => r.repo)) };
}

/**
 * The dev-split files of one language in the shared corpus (`corpus/<lang>.jsonl`), in corpus
 * order, from `min` to `max` characters long: { repo, path, content, ... }.
 */
export function* devFiles(lang, min = 0, max = Infinity) {
  const { data, dev } = devSplit();
  for (const line of fs.readFileSync(path.join(data, 'corpus', `${lang}.jsonl`), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (dev.has(r.repo) && r.content.length >= min && r.content.length <= max) yield r;
  }
}

/**
 * Cases from dev-split files, `per` for each `[lang, ext]` of `langs`, in corpus order (files of
 * 2,000-30,000 characters): `find(lines)` gives a line's index in a file's second half, or -1;
 * `cut(lines, at)` the file's text as the case opens it; `meta(lines, at)` the case's own fields.
 * Returns the files (name -> text, named `<lang>-<n>.<ext>`) and the cases ({ name, source, ...meta }).
 */
export function devCases(langs, per, find, cut, meta = () => ({})) {
  const files = {};
  const cases = [];
  for (const [lang, ext] of langs) {
    let n = 0;
    for (const r of devFiles(lang, 2000, 30000)) {
      if (n >= per) break;
      const lines = r.content.split('\n');
      const at = find(lines);
      if (at < 0) continue;
      const name = `${lang}-${n}.${ext}`;
      files[name] = cut(lines, at);
      cases.push({ name, source: `${r.repo}/${r.path}:${at + 1}`, ...meta(lines, at) });
      n++;
    }
  }
  return { files, cases };
}

/**
 * Dev-split files cut before a line with an opener that closes on the same line (`name(`, `[`,
 * `{`, a quote), `per` files for each `[lang, ext]` of `langs`: the file text up to the line's
 * indentation (name -> text) and per case its name, source, the line's text after the
 * indentation (`body`) and where its first opener is (`open`).
 */
export function openerLines(langs, per) {
  const indent = (line) => line.match(/^\s*/)[0];
  return devCases(langs, per,
    (lines) => lines.findIndex((l, i) => i > lines.length / 2 && /^\s+\S.{0,30}?[([{"'].+[)\]}"']\s*;?\s*$/.test(l) && !/^\s*(#|\/\/|\*)/.test(l)),
    (lines, at) => `${lines.slice(0, at).join('\n')}\n${indent(lines[at])}`,
    (lines, at) => {
      const body = lines[at].slice(indent(lines[at]).length);
      return { body, open: body.search(/[([{"']/) };
    });
}

/** The selector of ghost text in the editor. */
export const GHOST = '.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text';

/**
 * files: name -> text, written into the open folder; settings: user settings besides the quiet
 * defaults; keybindings: the user's keybindings.json rules, if any; vsix: the package (default
 * dist/prism-complete-linux-x64.vsix).
 */
export async function startSession({ files, settings = {}, keybindings, vsix = path.join(ROOT, 'dist', 'prism-complete-linux-x64.vsix'), out, prefix = 'prism-session-' }) {
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm run package first`);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const work = path.join(base, 'work'), userData = path.join(base, 'user'), exts = path.join(base, 'ext');
  fs.mkdirSync(work);
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(work, name), text);
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off', ...settings }));
  if (keybindings) fs.writeFileSync(path.join(userData, 'User', 'keybindings.json'), JSON.stringify(keybindings));
  const cs = execFileSync('bash', [path.join(ROOT, 'scripts', 'e2e-setup.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
  const entry = path.join(cs, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  execFileSync(process.execPath, [entry, '--extensions-dir', exts, '--user-data-dir', userData, '--install-extension', vsix], { stdio: 'ignore' });
  const port = 18000 + Math.floor(Math.random() * 2000);
  const server = spawn(process.execPath, [entry, '--auth', 'none', '--log', 'trace', '--bind-addr', `127.0.0.1:${port}`, '--disable-workspace-trust', '--disable-telemetry', '--user-data-dir', userData, '--extensions-dir', exts, work], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((res) => server.stdout.on('data', (d) => { if (/HTTP server listening/.test(String(d))) res(); }));
  const browser = await chromium.launch({ executablePath: process.env.PRISM_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const close = async () => {
    await browser.close();
    server.kill();
    const logs = fs.readdirSync(path.join(userData, 'logs'), { recursive: true }).filter((f) => String(f).endsWith('PRISM Complete.log'));
    if (out) for (const f of logs) fs.copyFileSync(path.join(userData, 'logs', String(f)), path.join(out, 'prism-output.log'));
  };
  try {
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(work)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 120000 });
  } catch (e) {
    await close();
    throw e;
  }
  return { page, work, close };
}

/** Opens a file of the folder from the explorer, clicks into its editor and goes to its end. */
export async function openFile(page, name) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
  await row.first().waitFor({ state: 'visible', timeout: 120000 });
  await row.first().dblclick();
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible', timeout: 60000 });
  await page.waitForTimeout(500);
  await page.click('.editor-instance .monaco-editor .view-lines');
  await page.keyboard.press('Control+End');
}

/** openFile, then waits for the extension's status item and 4 s more (the file's warm-up), as the probes start each file. */
export async function openWarm(page, name) {
  await openFile(page, name);
  await page.waitForSelector('.statusbar-item:has-text("PRISM")', { timeout: 120000 });
  await page.waitForTimeout(4000);
}

/** The ghost text on screen now, its parts joined. */
export async function ghostText(page) {
  return (await page.locator(GHOST).allTextContents()).join('');
}

/** The ghost text's changes for `ms` (read every 30 ms): ms from `t0`, its length and its start. */
export async function watchGhost(page, t0, ms) {
  const seen = [];
  let last = null;
  for (const end = Date.now() + ms; Date.now() < end;) {
    const now = await ghostText(page);
    if (now !== last) { seen.push({ ms: Date.now() - t0, chars: now.length, text: now.slice(0, 60) }); last = now; }
    await page.waitForTimeout(30);
  }
  return seen;
}

/** The ghost text at every animation frame for `ms`, where it changed: [ms since epoch, text] (no-break spaces as spaces). */
export function ghostFrames(page, ms) {
  return page.evaluate(([sel, ms]) => new Promise((res) => {
    const seen = [];
    let last = null;
    const end = Date.now() + ms;
    const tick = () => {
      const t = [...document.querySelectorAll(sel)].map((e) => e.textContent).join('').replace(/\u00a0/g, ' ');
      if (t !== last) { seen.push([Date.now(), t]); last = t; }
      if (Date.now() < end) requestAnimationFrame(tick); else res(seen);
    };
    tick();
  }), [GHOST, ms]);
}

/** The first of ghostFrames' frames with content: ms from `t0` and its text ({ ms: -1, text: '' } for none). */
export function firstShown(frames, t0) {
  const f = frames.find(([, s]) => s.trim().length > 0);
  return f ? { ms: f[0] - t0, text: f[1] } : { ms: -1, text: '' };
}

/** Ms from `t0` until ghost text is on screen (checked at every frame), or -1 within `timeout`. */
export async function ghostAfter(page, t0, timeout = 60000) {
  try {
    await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; }), GHOST, { polling: 'raf', timeout });
    return Date.now() - t0;
  } catch {
    return -1;
  }
}
