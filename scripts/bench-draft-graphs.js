// Draft head step graphs (one graph choosing the module at run time, what the server runs) with
// fp32 weights vs 8-bit weights (MatMulNBits on int8 activations, the default): how far their
// logits are apart and their top-1 agreement, then ms per single-position step with P cached rows,
// interleaved. Prints the CPU.
//   npm run build && node scripts/bench-draft-graphs.js models/heads/smollm2-135m-prism.gguf 500
require('../out/server/engine/ort-private'); // onnxruntime's telemetry off before it loads
const ort = require('onnxruntime-node');
const { buildDraftSwitchGraph } = require('../out/kernels/draft-graph');
const { readDraftHead } = require('../out/server/engine/draft-head');
const { TargetModel } = require('../out/server/engine/target');
const { machine } = require('../out/server/bench/report');
const { resolveModelPath } = require('../out/server/paths');
(async () => {
  const head = process.argv[2];
  const t = TargetModel.prepare({ modelPath: resolveModelPath(), device: 'cpu' });
  const h = readDraftHead(head, { modelPath: resolveModelPath(), modelHash: t.hash, cfg: t.cfg });
  const m = h.manifest;
  const dims = (weights) => ({ width: m.width, embedDim: t.cfg.hidden, heads: m.heads, kvHeads: m.kvHeads, ffn: m.ffn, layersPerModule: m.layersPerModule, vocab: m.vocab, ropeBase: m.ropeBase, eps: m.eps, hidden: m.hidden, maxPositions: 8192, weights });
  const opts = { intraOpNumThreads: Number(process.env.THREADS ?? 1), interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'], extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const kinds = ['f32', 'int8'];
  const sessions = {};
  for (const k of kinds) sessions[k] = await ort.InferenceSession.create(buildDraftSwitchGraph(h.file, dims(k), m.modules).bytes(), opts);
  const P = Number(process.argv[3] ?? 500), S = 1, d = dims('f32'), kvw = d.kvHeads * d.width / d.heads;
  // Inputs of a plausible scale (random, seeded), the same for both graphs.
  let seed = 1;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5; };
  const fill = (n, s) => Float32Array.from({ length: n }, () => rnd() * s);
  const past = Array.from({ length: d.layersPerModule }, () => [fill(P * kvw, 2), fill(P * kvw, 2)]);
  const feeds = (mod, i) => {
    const f = { emb: new ort.Tensor('float32', fill(S * d.embedDim, 0.2), [1, S, d.embedDim]), h_in: new ort.Tensor('float32', fill(S * d.width, 4), [1, S, d.width]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(P + (i % 7))]), [1, S]), attn_mask: new ort.Tensor('float32', new Float32Array(S * (P + S)), [S, P + S]),
      module: new ort.Tensor('int64', BigInt64Array.from([BigInt(mod)]), [1]) };
    past.forEach(([k, v], l) => { f[`past_k_${l}`] = new ort.Tensor('float32', k, [1, P, kvw]); f[`past_v_${l}`] = new ort.Tensor('float32', v, [1, P, kvw]); });
    return f;
  };
  const argmax = (a) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i; return b; };
  let same = 0, n = 0, worst = 0;
  for (let i = 0; i < 60; i++) {
    const mod = i % m.modules;
    const f = feeds(mod, i);
    const a = (await sessions.f32.run(f)).logits.data, b = (await sessions.int8.run(f)).logits.data;
    for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]));
    n++; if (argmax(a) === argmax(b)) same++;
  }
  console.log(`${machine()}; ${require('node:path').basename(head)}, ${m.modules} modules, P = ${P}, ${opts.intraOpNumThreads} thread(s)`);
  console.log(`8-bit vs fp32 weights: top-1 draft token the same at ${same}/${n} random inputs, max |logits diff| ${worst.toFixed(4)}`);
  const time = async (s, n = 200) => { for (let i = 0; i < 20; i++) await s.run(feeds(i % m.modules, i)); const t0 = performance.now(); for (let i = 0; i < n; i++) await s.run(feeds(i % m.modules, i)); return (performance.now() - t0) / n; };
  for (let rep = 0; rep < 3; rep++) {
    const a = await time(sessions.f32);
    const b = await time(sessions.int8);
    console.log(`round ${rep + 1}: fp32 weights ${a.toFixed(3)} ms/step, 8-bit weights ${b.toFixed(3)} ms/step (${(b / a).toFixed(2)}x)`);
  }
})();
