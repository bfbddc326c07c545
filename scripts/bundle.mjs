// esbuild bundles: the CLI, the language server, the engine worker (node) and the extension
// (VS Code's extension host; `vscode` is provided there). onnxruntime-node and node-llama-cpp stay
// external: native binaries cannot be bundled (the .vsix carries onnxruntime-node beside them).
import * as esbuild from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['onnxruntime-node', 'node-llama-cpp', 'vscode'],
  logLevel: 'warning',
};

await esbuild.build({
  ...common,
  entryPoints: { cli: 'server/cli.ts', worker: 'server/engine/worker.ts', server: 'server/lsp/server.ts', extension: 'extension/extension.ts' },
  outdir: 'dist',
});
