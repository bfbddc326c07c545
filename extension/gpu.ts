// "PRISM: Enable GPU (CUDA)": fetches onnxruntime-node's CUDA provider libraries (the version the
// extension bundles) from NuGet, where onnxruntime-node's own installer gets them, verifies them
// and installs them beside the bundled binding (server/cuda/install.ts); then checks the machine's
// CUDA and cuDNN libraries. With everything present, prism.device becomes cuda and the server
// restarts on the GPU (it falls back to the CPU with one line if the GPU still cannot be used);
// otherwise one line says which library is missing and what to install. Progress in a
// cancellable notification. $PRISM_CUDA_FEED points it at another NuGet v3 feed (mirrors, tests).
import * as vscode from 'vscode';
import { installCudaProviders, missingLine, missingSystemLibraries, NUGET_INDEX, ortBinDir, ortVersion } from '../server/cuda/install';

export async function enableGpu(out: vscode.OutputChannel, restart: () => Promise<void>): Promise<void> {
  const feedIndex = process.env.PRISM_CUDA_FEED || NUGET_INDEX;
  let version = '';
  let binDir = '';
  try {
    version = ortVersion();
    binDir = ortBinDir();
  } catch (e) {
    void vscode.window.showErrorMessage(`PRISM: onnxruntime-node is missing from the extension (${(e as Error).message}); reinstall PRISM Complete`);
    return;
  }
  out.appendLine(`GPU: installing onnxruntime-node ${version}'s CUDA provider from ${feedIndex} into ${binDir}`);
  const ctl = new AbortController();
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'PRISM: Enable GPU (CUDA)', cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => ctl.abort());
      let done = 0;
      await installCudaProviders({
        version, binDir, feedIndex, signal: ctl.signal,
        progress: (message, f) => {
          out.appendLine(`GPU: ${message}`);
          const inc = f === undefined ? 0 : Math.max(0, f * 100 - done);
          if (f !== undefined) done = Math.max(done, f * 100);
          progress.report({ message, increment: inc });
        },
      });
    });
  } catch (e) {
    const msg = (e as Error).message;
    out.appendLine(`GPU: ${msg}`);
    void vscode.window.showErrorMessage(`PRISM: ${msg}`);
    return;
  }
  const line = missingLine(missingSystemLibraries());
  if (line) {
    out.appendLine(`GPU: provider installed; ${line}`);
    void vscode.window.showWarningMessage(`PRISM: CUDA provider installed, but ${line}`);
    return;
  }
  await vscode.workspace.getConfiguration('prism').update('device', 'cuda', vscode.ConfigurationTarget.Global);
  out.appendLine('GPU: provider and system libraries present; prism.device = cuda, restarting the server');
  await restart();
  void vscode.window.showInformationMessage('PRISM: the model now runs on the GPU (CUDA) where onnxruntime can use it; the Output channel says if it fell back to the CPU');
}
