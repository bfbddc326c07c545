// Typing real lines the way people type, in code-server with a packaged .vsix: a word at a time
// (80 ms a key), then a look of 700 ms. Dev-split files (Python, TypeScript, Go: two each), cut
// before a line of 25-60 characters in their second half; the line's indentation is in the file,
// the rest is typed. VS Code's own word list opens as it does for anyone. Looked at 80 ms after
// each key and at the end of each look: is ghost text on screen, and does its first line agree
// with the rest of the real line (one a prefix of the other). From the output channel's trace:
// how many requests the cache answered and how many went to the server. Builds alternate
// (VSIXES=a.vsix,b.vsix: ABBA; SETTINGS='[{...},{...}]' gives each its user settings). STEADY=MS types every key MS apart instead, with no looks (a first
// version of this probe did that at 230 ms: no ghost text was ever on screen 100 ms after a key).
// Not a test.
//   node docs/bench/flows-zen4/typing-probe.mjs OUTDIR
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { GHOST, devFiles, openWarm, startSession } = await import(path.join(ROOT, 'scripts', 'code-server-session.mjs'));
const out = process.argv[2] ?? '/tmp/typing-probe';
fs.mkdirSync(out, { recursive: true });
const vsixes = (process.env.VSIXES ?? path.join(ROOT, 'dist', 'prism-complete-linux-x64.vsix')).split(',');
// SETTINGS='[{...},{...}]': user settings per build (the same .vsix twice compares two settings).
const settings = JSON.parse(process.env.SETTINGS ?? '[]');
// ENVS='[{...},{...}]': environment variables per build for its code-server (PRISM_ORT_SPIN, ...).
const envs = JSON.parse(process.env.ENVS ?? '[]');
const baseEnv = { ...process.env };
const order = vsixes.length === 2 ? [0, 1, 1, 0] : vsixes.map((_, i) => i);
const files = {};
const targets = [];
for (const [lang, ext] of [['python', 'py'], ['typescript', 'ts'], ['go', 'go']]) {
  let n = 0;
  for (const r of devFiles(lang, 2000, 30000)) {
    if (n >= 2) break;
    const lines = r.content.split('\n');
    const at = lines.findIndex((l, i) => i > lines.length / 2 && l.trim().length >= 25 && l.trim().length <= 60 && !/^\s*(\/\/|#|\*|\/\*)/.test(l));
    if (at < 0) continue;
    const indent = lines[at].match(/^\s*/)[0];
    const name = `${lang}-${n}.${ext}`;
    files[name] = `${lines.slice(0, at).join('\n')}\n${indent}`;
    targets.push({ name, source: `${r.repo}/${r.path}:${at + 1}`, typed: lines[at].slice(indent.length) });
    n++;
  }
}
console.log(JSON.stringify({ targets }));
const summary = [];
for (const [round, b] of order.entries()) {
  const dir = path.join(out, `round-${round}-build-${b}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const k of Object.keys(process.env)) if (!(k in baseEnv)) delete process.env[k];
  Object.assign(process.env, baseEnv, envs[b] ?? {});
  const { page, close } = await startSession({ files, vsix: vsixes[b], settings: settings[b] ?? {}, out: dir, prefix: 'prism-typing-' });
  const keys = [];
  try {
    for (const t of targets) {
      await openWarm(page, t.name);
      const look = async (i, at) => {
        const parts = await page.locator(GHOST).allTextContents();
        const first = (parts[0] ?? '').replace(/\u00a0/g, ' ');
        const rest = t.typed.slice(i + 1);
        const agrees = first.length > 0 && rest.length > 0 && (rest.startsWith(first) || first.startsWith(rest));
        keys.push({ file: t.name, i, at, shown: first.length > 0, agrees, last: rest.length === 0 });
      };
      let i = -1;
      // STEADY=MS: every key MS apart, no looks (a steady typist).
      const steady = Number(process.env.STEADY ?? 0);
      if (steady > 0) {
        for (const ch of t.typed) {
          await page.keyboard.type(ch);
          i++;
          await page.waitForTimeout(80);
          await look(i, 'key');
          await page.waitForTimeout(Math.max(0, steady - 80 - 15));
        }
        await page.keyboard.press('Escape');
        continue;
      }
      for (const word of t.typed.match(/\w+[^\w]*|[^\w]+/g)) {
        for (const ch of word) {
          await page.keyboard.type(ch);
          i++;
          await page.waitForTimeout(80);
          await look(i, 'key');
        }
        await page.waitForTimeout(700);
        await look(i, 'look');
      }
      await page.keyboard.press('Escape');
    }
  } finally {
    await close();
  }
  const log = fs.readFileSync(path.join(dir, 'prism-output.log'), 'utf8');
  const answered = [...log.matchAll(/answered \S+ .*?after \d+ ms: (\w+)/g)].map((m) => m[1]);
  const counted = keys.filter((k) => !k.last);
  const at = (kind) => counted.filter((k) => k.at === kind);
  const row = {
    round, build: vsixes[b], ...(settings[b] ? { settings: settings[b] } : {}), ...(envs[b] ? { env: envs[b] } : {}),
    keys: at('key').length, key_ghost_shown: at('key').filter((k) => k.shown).length, key_ghost_agrees: at('key').filter((k) => k.agrees).length,
    looks: at('look').length, look_ghost_shown: at('look').filter((k) => k.shown).length, look_ghost_agrees: at('look').filter((k) => k.agrees).length,
    answered_cache: answered.filter((a) => a === 'cache').length,
    answered_server: answered.filter((a) => a === 'server').length,
    cancelled: answered.filter((a) => a === 'cancelled').length,
  };
  fs.writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(keys));
  summary.push(row);
  console.log(JSON.stringify(row));
}
fs.writeFileSync(path.join(out, 'summary.json'), JSON.stringify(summary, null, 1));
