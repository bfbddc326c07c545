// Recomputes the depth-tuning curves of a saved benchmark report (report.json) with the current
// tuner from the measured rows (acceptance by depth, draft and verify ms per run of each head's
// deepest chain, plain's ms per token), then rewrites report.md and the charts.
//   npm run build && node scripts/retune-report.js docs/bench/latest
const fs = require('node:fs');
const path = require('node:path');
const { DepthTuner } = require('../out/server/engine/tuner');
const { writeReport } = require('../out/server/bench/report');

const dir = path.resolve(process.argv[2]);
const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
const runs = 1000;
for (const d of report.decode) {
  const plain = d.results.find((r) => r.config === 'plain');
  d.tuning = [];
  for (const drafter of [...new Set(d.results.filter((r) => r.tau > 0 && r.depth > 0).map((r) => r.drafter))]) {
    const rows = d.results.filter((r) => r.drafter === drafter && r.config.includes('chain'));
    const deepest = rows.reduce((a, b) => (b.depth > a.depth ? b : a));
    const t = new DepthTuner(deepest.depth);
    t.observePlain(plain.verify_ms_per_step, runs);
    for (const r of rows) {
      t.observe({ drafter, targetRuns: runs, drafted: runs * r.depth, accepted: 0, tau: r.tau, acceptanceByDepth: r.acceptance_by_depth,
        depthReached: r.acceptance_by_depth.map(() => runs), depthAccepted: r.acceptance_by_depth.map((p) => Math.round(runs * p)),
        draftMs: r.draft_ms_per_step * runs, verifyMs: r.verify_ms_per_step * runs, otherMs: 0 }, r.depth);
    }
    d.tuning.push({ drafter, curve: t.curve(), chosen: t.best() });
  }
}
report.retuned = 'tuning curves recomputed by scripts/retune-report.js from the measured rows';
writeReport(dir, report);
console.log(report.decode.map((d) => `${d.source}: ${d.tuning.map((t) => `${t.drafter} chosen d${t.chosen.depth} (${t.curve.map((p) => `d${p.depth} ${p.tokensPerS.toFixed(1)}`).join(', ')})`).join('; ')}`).join('\n'));
