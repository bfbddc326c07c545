// The @vscode/test-electron route, for machines that have a desktop VS Code (these machines
// cannot download one): runs test/e2e/suite.ts inside that VS Code with this folder as the
// extension under development.
//   VSCODE_EXECUTABLE=/path/to/code node out/test/e2e/electron.js
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    console.error('set VSCODE_EXECUTABLE to a VS Code binary (no download is attempted); the code-server end-to-end test runs without one');
    process.exit(2);
  }
  const root = path.resolve(__dirname, '..', '..', '..');
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(__dirname, 'suite.js'),
    launchArgs: ['--disable-extensions', '--disable-workspace-trust', path.join(root, 'examples')],
  });
}

main().catch((e: Error) => { console.error(e.message); process.exit(1); });
