// Time to create the target's onnxruntime session from a cached graph file, as the server does
// (2 threads, all optimizations). node session-load.mjs GRAPH.onnx (run alternately on the two layouts).
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ort = require('/work/main/node_modules/onnxruntime-node');
const g = process.argv[2];
const t0 = performance.now();
const s = await ort.InferenceSession.create(g, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
console.log(require('node:fs').existsSync(g + '.data') ? 'weights beside' : 'inline        ', Math.round(performance.now() - t0), 'ms');
