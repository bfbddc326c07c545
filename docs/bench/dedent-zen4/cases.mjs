// The probe's positions (probe.mjs, gate.mjs): lines of dev-split files whose line before has
// code and opens no block (no `{ : ( [ =>` at its end, no comment), PER of them per file at most;
// each with the text before the line (`head`), the line before's indentation (`ws`, what VS Code's
// Enter gives the new line), the text after the line, the real line and whether it dedents.
import { root, require } from '../hybrid-setup.mjs';
const { devFiles, sharedDataDir, cursorOffsets } = require('./out/server/bench/data.js');

export const indentOf = (l) => /^[ \t]*/.exec(l)[0];
const width = (s) => s.replace(/\t/g, '    ').length;

export function probeCases(files, per) {
  const cases = [];
  for (const f of devFiles(sharedDataDir(root), files, { minBytes: 2000, maxBytes: 40000 })) {
    const lines = f.content.split('\n');
    const starts = []; let o = 0; for (const l of lines) { starts.push(o); o += l.length + 1; }
    let got = 0;
    for (const at of cursorOffsets(f.content, per * 6, f.path.length + 3)) {
      if (got >= per) break;
      let i = 0; while (i + 1 < lines.length && starts[i + 1] <= at) i++;
      const L = lines[i], P = lines[i - 1];
      if (i < 1 || !L || L.trim() === '' || !P || P.trim() === '') continue;
      const p = P.trimEnd();
      if (/[{:([]$|=>$/.test(p) || /^\s*(\/\/|#|\*|\/\*)/.test(p)) continue;
      if (cases.some((c) => c.file === f.path && c.i === i)) continue;
      const after = f.content.slice(starts[i] + L.length);
      cases.push({ file: f.path, i, head: f.content.slice(0, starts[i]), ws: indentOf(P), after, real: L.trimEnd(), kind: width(indentOf(L)) < width(indentOf(P)) ? 'dedent' : width(indentOf(L)) === width(indentOf(P)) ? 'same' : 'deeper' });
      got++;
    }
  }
  return cases;
}
