// Where a PRISM drafting cycle's time goes: speculative decoding with the shipped head (chain of
// DEPTH, greedy) over the first PROMPTS decode-benchmark prompts of SOURCE, 48 tokens each, twice
// (the second pass is reported); every draft-side call is timed in place (the head's catch-up
// prefill `begin`, its draft steps `expand`, the fc and module runs, embeddings, distributions)
// beside the engine's own draft / verify / other split. Prints the CPU.
//   npm run build && node scripts/draft-cycle.js                 # this checkout
//   ROOT=/path/to/other/checkout node scripts/draft-cycle.js     # its out/ build, for A/B runs
// DEPTH (default 5), SOURCE (dev | infill, default dev), PROMPTS (default 6); PRISM_ORT_SPIN=run|always|off
// sets how the target's onnxruntime threads wait (TargetModel spin).
const path = require('node:path');
const ROOT = path.resolve(process.env.ROOT || path.join(__dirname, '..'));
const O = path.join(ROOT, 'out', 'server');
const { TargetModel } = require(path.join(O, 'engine', 'target'));
const { PrismHead } = require(path.join(O, 'engine', 'prism-head'));
const { PrismDrafter } = require(path.join(O, 'engine', 'prism-drafter'));
const { Engine } = require(path.join(O, 'engine', 'engine'));
const { benchPrompts } = require(path.join(O, 'bench', 'prompts'));
const { machine } = require(path.join(O, 'bench', 'report'));
const { resolveModelPath } = require(path.join(O, 'paths'));

const ms = {};
const calls = {};
function timed(proto, name, label) {
  const f = proto[name];
  proto[name] = function (...args) {
    const t0 = performance.now();
    const done = () => { ms[label] = (ms[label] || 0) + performance.now() - t0; calls[label] = (calls[label] || 0) + 1; };
    const r = f.apply(this, args);
    if (r && typeof r.then === 'function') return r.then((x) => { done(); return x; });
    done();
    return r;
  };
}

(async () => {
  const depth = Number(process.env.DEPTH || 5);
  const target = await TargetModel.load({ modelPath: resolveModelPath(), threads: 0 });
  const head = await PrismHead.load(path.join(ROOT, 'models', 'heads', 'smollm2-135m-prism.gguf'), target);
  timed(PrismHead.prototype, 'run', 'head: module runs');
  timed(PrismHead.prototype, 'features', 'head: fc runs');
  timed(PrismHead.prototype, 'embed', 'head: embedding rows');
  timed(PrismDrafter.prototype, 'prime', 'drafter: prime (prompt phase)');
  timed(PrismDrafter.prototype, 'begin', 'drafter: begin (incl. prime)');
  timed(PrismDrafter.prototype, 'expand', 'drafter: expand');
  timed(PrismDrafter.prototype, 'draft', 'drafter: draft (a cycle)');
  const drafter = new PrismDrafter(head);
  const prompts = benchPrompts({ kind: process.env.SOURCE || 'dev' }, Number(process.env.PROMPTS || 6), path.join(__dirname, '..'));
  let tot;
  for (let pass = 0; pass < 2; pass++) {
    for (const k of Object.keys(ms)) { delete ms[k]; delete calls[k]; }
    tot = { draftMs: 0, verifyMs: 0, otherMs: 0, decodeMs: 0, tokens: 0, runs: 0 };
    for (const p of prompts) {
      drafter.reset();
      const r = await new Engine(target).complete({ prompt: p.text, maxTokens: 48, ignoreEos: true }, {}, drafter, { kind: 'chain', depth, topK: 4, totalTokens: 16, minProb: 0 });
      tot.draftMs += r.spec.draftMs; tot.verifyMs += r.spec.verifyMs; tot.otherMs += r.spec.otherMs; tot.runs += r.spec.targetRuns;
      tot.decodeMs += r.timings.decodeMs; tot.tokens += r.timings.decodeTokens;
    }
  }
  console.log(`${ROOT}: chain d${depth}, ${prompts.length} ${process.env.SOURCE || 'dev'} prompts x 48 tokens, second pass`);
  console.log(`  ${tot.tokens} tokens in ${tot.decodeMs.toFixed(0)} ms, ${tot.runs} cycles: per cycle draft ${(tot.draftMs / tot.runs).toFixed(2)} ms, verify ${(tot.verifyMs / tot.runs).toFixed(2)} ms, other ${(tot.otherMs / tot.runs).toFixed(2)} ms`);
  for (const k of Object.keys(ms).sort()) console.log(`  ${k.padEnd(30)} ${ms[k].toFixed(1).padStart(8)} ms in ${String(calls[k]).padStart(4)} calls, ${(ms[k] / calls[k]).toFixed(3)} ms each`);
  console.log(`  ${machine()}`);
})();
