// esbuild bundles: the CLI and the engine worker (the language server and the extension join
// them later). onnxruntime-node and node-llama-cpp stay external: native binaries cannot be bundled.
import * as esbuild from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['onnxruntime-node', 'node-llama-cpp'],
  logLevel: 'warning',
};

await esbuild.build({ ...common, entryPoints: { cli: 'server/cli.ts', worker: 'server/engine/worker.ts' }, outdir: 'dist' });
