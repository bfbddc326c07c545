// RSS of a process after creating the target's onnxruntime session from a cached graph (nothing run);
// the second argument: session config entries (e.g. '{"disable_prepacking":"1"}').
//   node --expose-gc session-memory.mjs GRAPH.onnx '{}'
import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ort = require('/work/main/node_modules/onnxruntime-node');
const st = () => fs.readFileSync('/proc/self/status', 'utf8');
const mib = (k) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st())[1]) / 1024);
const g = process.argv[2]; const extra = JSON.parse(process.argv[3] ?? '{}');
const r0 = mib('VmRSS');
const s = await ort.InferenceSession.create(g, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'], extra: { session: extra } });
global.gc?.();
console.log(JSON.stringify(extra), 'RSS', r0, '->', mib('VmRSS'), 'peak', mib('VmHWM'), 'RssAnon', mib('RssAnon'), 'RssFile', mib('RssFile'));
console.log(s.inputNames.slice(0,6).join(','), s.inputNames.length);
