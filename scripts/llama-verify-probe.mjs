// Probe: ms of one llama.cpp run (node-llama-cpp, 2 threads) over k = 1, 2, 4, 8, 16 rows after a
// 300-token context of real code (server/cli.ts), a greedy token asked of every row, 5 rounds.
//   node scripts/llama-verify-probe.mjs [MODEL.gguf]
import * as fs from 'node:fs';
import { getLlama } from 'node-llama-cpp';

const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: process.argv[2] ?? '.models/SmolLM2-135M-Instruct.Q4_1.gguf' });
const ctx = await model.createContext({ contextSize: 4096, threads: 2, batchSize: 512 });
const seq = ctx.getSequence();
const ids = model.tokenize(fs.readFileSync('server/cli.ts', 'utf8')).slice(0, 316);
const context = ids.slice(0, 300);
const block = ids.slice(300, 316);
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const res = {};
for (let round = 0; round < 5; round++) {
  for (const k of [1, 2, 4, 8, 16]) {
    await seq.clearHistory();
    // A token asked of the last context position makes llama.cpp evaluate the context now, untimed.
    await seq.controlledEvaluate(context.map((x, i) => (i === context.length - 1 ? [x, { generateNext: { token: true } }] : x)));
    const t = performance.now();
    await seq.controlledEvaluate(block.slice(0, k).map((x) => [x, { generateNext: { token: true } }]));
    (res[k] ??= []).push(performance.now() - t);
  }
}
for (const k of Object.keys(res)) console.log(`llama.cpp k=${k}: ${med(res[k]).toFixed(1)} ms (median of 5; ${res[k].map((x) => x.toFixed(0)).join(' ')})`);
process.exit(0);
