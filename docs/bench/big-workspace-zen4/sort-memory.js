// The suffix array of 5.47M random tokens (skewed to low ids, as code is), sorted with one comparator
// over the whole Int32Array ("one") or by suffixArray (counting sort by the first token, a sort per
// bucket: "bucket"): time and the RSS growth after it. Not a test.
//   npx tsc -p . && node --expose-gc docs/bench/big-workspace-zen4/sort-memory.js one; node --expose-gc docs/bench/big-workspace-zen4/sort-memory.js bucket
const { suffixArray } = require(require('node:path').join(__dirname, '..', '..', '..', 'out', 'server', 'engine', 'datastore.js'));
const mode = process.argv[2];
const n = 5474874;
let s = 7; const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const tokens = new Int32Array(n); for (let i = 0; i < n; i++) tokens[i] = Math.floor(Math.pow(rnd(), 3) * 49152);
global.gc?.();
const rss0 = process.memoryUsage().rss;
let peak = rss0; const iv = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
const t = Date.now();
setImmediate(() => {
  let sa;
  if (mode === 'one') { sa = new Int32Array(n); for (let i = 0; i < n; i++) sa[i] = i; const key = 12; sa.sort((a, b) => { for (let j = 0; j < key; j++) { const x = a + j < n ? tokens[a + j] : -1, y = b + j < n ? tokens[b + j] : -1; if (x !== y) return x - y; } return 0; }); }
  else sa = suffixArray(tokens);
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(iv);
  console.log(mode, 'ms', Date.now() - t, 'rss growth MiB', ((peak - rss0) / 2 ** 20).toFixed(0), 'sa MiB', (sa.byteLength / 2 ** 20).toFixed(0));
});
