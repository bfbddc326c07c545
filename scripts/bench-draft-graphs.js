// Draft head graphs: one session per module vs one graph choosing the module at run time (nested If,
// what the server runs). Checks equal logits, then times single-position steps with P cached rows.
//   npm run build && THREADS=1 node scripts/bench-draft-graphs.js models/heads/smollm2-135m-prism.gguf 500
const ort = require('onnxruntime-node');
const { buildDraftModuleGraph, buildDraftSwitchGraph } = require('../out/kernels/draft-graph');
const { readDraftHead } = require('../out/server/engine/draft-head');
const { TargetModel } = require('../out/server/engine/target');
(async () => {
  const head = process.argv[2];
  const t = TargetModel.prepare({ modelPath: require('../out/server/paths').resolveModelPath(), device: 'cpu' });
  const h = readDraftHead(head, { modelPath: t.modelPath ?? require('../out/server/paths').resolveModelPath(), modelHash: t.hash, cfg: t.cfg });
  const m = h.manifest;
  const d = { width: m.width, embedDim: t.cfg.hidden, heads: m.heads, kvHeads: m.kvHeads, ffn: m.ffn, layersPerModule: m.layersPerModule, vocab: m.vocab, ropeBase: m.ropeBase, eps: m.eps, hidden: m.hidden, maxPositions: 8192 };
  const opts = { intraOpNumThreads: Number(process.env.THREADS ?? 1), interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'], extra: { session: { intra_op: { allow_spinning: '0' } } } };
  const sep = []; for (let i = 0; i < m.modules; i++) sep.push(await ort.InferenceSession.create(buildDraftModuleGraph(h.file, d, i), opts));
  const sw = await ort.InferenceSession.create(buildDraftSwitchGraph(h.file, d, m.modules), opts);
  const P = Number(process.argv[3] ?? 500), S = 1, kvw = d.kvHeads * d.width / d.heads;
  const feeds = (mod, withModule) => {
    const f = { emb: new ort.Tensor('float32', new Float32Array(S * d.embedDim).fill(0.01), [1, S, d.embedDim]), h_in: new ort.Tensor('float32', new Float32Array(S * d.width).fill(0.02), [1, S, d.width]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(P)]), [1, S]), attn_mask: new ort.Tensor('float32', new Float32Array(S * (P + S)), [S, P + S]),
      past_k_0: new ort.Tensor('float32', new Float32Array(P * kvw).fill(0.1), [1, P, kvw]), past_v_0: new ort.Tensor('float32', new Float32Array(P * kvw).fill(0.1), [1, P, kvw]) };
    if (withModule) f.module = new ort.Tensor('int64', BigInt64Array.from([BigInt(mod)]), [1]);
    return f;
  };
  // equality
  for (let mod = 0; mod < m.modules; mod++) {
    const a = await sep[mod].run(feeds(mod, false)); const b = await sw.run(feeds(mod, true));
    let md = 0; const la = a.logits.data, lb = b.logits.data; for (let i = 0; i < la.length; i++) md = Math.max(md, Math.abs(la[i] - lb[i]));
    console.log(`module ${mod}: max |logits diff| ${md}`);
  }
  const time = async (f, n = 300) => { for (let i = 0; i < 20; i++) await f(i); const t0 = performance.now(); for (let i = 0; i < n; i++) await f(i); return (performance.now() - t0) / n; };
  for (let rep = 0; rep < 3; rep++) {
    const a = await time((i) => sep[i % m.modules].run(feeds(i % m.modules, false)));
    const b = await time((i) => sw.run(feeds(i % m.modules, true)));
    console.log(`P=${P}: separate sessions ${a.toFixed(3)} ms/step, one graph with If ${b.toFixed(3)} ms/step (${(b / a).toFixed(2)}x)`);
  }
})();
