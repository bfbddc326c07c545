// esbuild bundles: the CLI, the language server, the engine worker and its datastore's sort thread (node) and the extension
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
  entryPoints: { cli: 'server/cli.ts', worker: 'server/engine/worker.ts', 'suffix-worker': 'server/engine/suffix-worker.ts', server: 'server/lsp/server.ts', extension: 'extension/extension.ts' },
  outdir: 'dist',
});

// onnxruntime-node (JS + this platform's native binaries) and onnxruntime-common beside the
// bundles, where `require('onnxruntime-node')` from dist/*.js finds them first: the .vsix carries
// dist/ only, never the dev node_modules.
import * as fs from 'node:fs';
import * as path from 'node:path';

const copy = (from, to, filter = () => true) => {
  fs.cpSync(from, to, { recursive: true, filter: (src) => filter(path.relative(from, src)) });
};
const dest = path.join('dist', 'node_modules');
fs.rmSync(dest, { recursive: true, force: true });
const ortNode = path.join('node_modules', 'onnxruntime-node');
const arch = `${process.platform}/${process.arch}`;
copy(ortNode, path.join(dest, 'onnxruntime-node'), (rel) => {
  if (rel === '' || rel === 'package.json' || rel.startsWith('dist')) return !rel.endsWith('.map') && !rel.endsWith('.d.ts');
  if (!rel.startsWith('bin')) return false;
  const parts = rel.split(path.sep); // bin / napi-v6 / linux / x64 / file
  return parts.length < 3 || `${parts[2]}/${parts[3] ?? process.arch}` === arch;
});
const ortCommon = path.join('node_modules', 'onnxruntime-common');
copy(ortCommon, path.join(dest, 'onnxruntime-common'), (rel) => rel === '' || rel === 'package.json' || rel === 'dist' ||
  (rel.startsWith(path.join('dist', 'cjs')) && !rel.endsWith('.map') && !rel.endsWith('.d.ts')));
