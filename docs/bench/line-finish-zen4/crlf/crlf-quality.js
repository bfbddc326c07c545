// Does the model complete a line as well from a CRLF prompt (what the server sent for Windows
// files before stop 53) as from the same text with LF line ends (what it sends now)? Dev-split
// positions at line starts in the file's second half; greedy, one line, token healing on, plain
// decoding in the server's default numerics; the first line's edit similarity to the file's own
// line and exact matches. Run after `npm run build`:  node docs/bench/line-finish-zen4/crlf/crlf-quality.js 60
const path = require('node:path');
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const { devFiles, sharedDataDir } = require(path.join(ROOT, 'out/server/bench/data'));
const { TargetModel } = require(path.join(ROOT, 'out/server/engine/target'));
const { Engine } = require(path.join(ROOT, 'out/server/engine/engine'));
const { resolveModelPath } = require(path.join(ROOT, 'out/server/paths'));

function similarity(a, b) {
  const m = a.length, n = b.length;
  if (m === 0 && n === 0) return 1;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return 1 - prev[n] / Math.max(m, n);
}

(async () => {
  const n = Number(process.argv[2] ?? 60);
  const files = devFiles(sharedDataDir(ROOT), Math.ceil(n / 2), { minBytes: 3000, maxBytes: 40000 });
  const sites = [];
  for (const f of files) {
    const lines = f.content.split('\n');
    for (const frac of [0.55, 0.8]) {
      let i = Math.floor(lines.length * frac);
      while (i < lines.length - 1 && lines[i].trim().length < 8) i++;
      if (i >= lines.length - 1) continue;
      const indent = /^\s*/.exec(lines[i])[0];
      const prefix = lines.slice(0, i).join('\n') + '\n' + indent;
      sites.push({ name: `${f.repo}/${f.path}:${i + 1}`, prefix: prefix.slice(-3000), want: lines[i].slice(indent.length).trimEnd() });
    }
  }
  const target = await TargetModel.load({ modelPath: resolveModelPath(), device: 'cpu' });
  const engine = new Engine(target);
  const arms = { lf: { sim: 0, exact: 0 }, crlf: { sim: 0, exact: 0 } };
  let k = 0;
  for (const s of sites.slice(0, n)) {
    for (const arm of k % 2 === 0 ? ['lf', 'crlf'] : ['crlf', 'lf']) {
      const prompt = arm === 'crlf' ? s.prefix.replace(/\n/g, '\r\n') : s.prefix;
      const r = await engine.complete({ prompt, maxTokens: 48, heal: true, stop: ['\n'] });
      const got = r.text.replace(/\r\n?/g, '\n').split('\n')[0].trimEnd();
      arms[arm].sim += similarity(got, s.want);
      arms[arm].exact += got === s.want ? 1 : 0;
      s[arm] = got;
    }
    console.log(JSON.stringify({ site: s.name, want: s.want, lf: s.lf, crlf: s.crlf }));
    k++;
  }
  for (const [a, v] of Object.entries(arms)) console.log(`${a}: ${k} positions, first-line edit similarity ${(v.sim / k).toFixed(3)}, exact ${v.exact}`);
  await target.dispose();
})();
