// "PRISM: Run Benchmark": the CLI's `bench --quick` (the same harness as docs/BENCHMARKS.md) in a
// child process, on the workspace's own code (or the examples shipped in the extension), with only
// the contenders that ship (node-llama-cpp is a dev dependency: --no-llama); its progress in a
// cancellable notification, its report (markdown with SVG charts) opened in the markdown preview.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export async function runBenchmark(context: vscode.ExtensionContext, out: vscode.OutputChannel): Promise<void> {
  const cli = context.asAbsolutePath(path.join('dist', 'cli.js'));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(context.globalStorageUri.fsPath, 'benchmarks', stamp);
  fs.mkdirSync(dir, { recursive: true });
  const cfg = vscode.workspace.getConfiguration('prism');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const args = ['bench', '--quick', '--no-llama', '--out', dir, '--dir', folder ?? context.asAbsolutePath('examples')];
  const model = cfg.get<string>('modelPath', '');
  if (model) args.push('--model', model);
  // PRISM_BENCH_ARGS: more of the CLI's options, after these (a later option wins): a longer run
  // (`--positions 12`), or the end-to-end test's shorter one.
  args.push(...(process.env.PRISM_BENCH_ARGS ?? '').split(/\s+/).filter(Boolean));
  out.appendLine(`benchmark: node ${cli} ${args.join(' ')}`);
  const ok = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'PRISM benchmark', cancellable: true }, (progress, token) =>
    new Promise<boolean>((resolve) => {
      const child = fork(cli, args, { silent: true, execArgv: [] });
      let done = 0;
      const onLine = (line: string): void => {
        out.appendLine(line);
        const m = /^progress: ([\d.]+) (.*)$/.exec(line);
        if (m) {
          const f = Number(m[1]);
          progress.report({ increment: Math.max(0, f * 100 - done), message: m[2] });
          done = Math.max(done, f * 100);
        }
      };
      let buf = '';
      const feed = (chunk: Buffer): void => {
        buf += chunk.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        lines.forEach(onLine);
      };
      child.stdout?.on('data', feed);
      child.stderr?.on('data', feed);
      token.onCancellationRequested(() => { out.appendLine('benchmark: cancelled'); child.kill(); });
      child.on('exit', (code) => resolve(code === 0));
      child.on('error', (e) => { out.appendLine(`benchmark failed to start: ${e.message}`); resolve(false); });
    }));
  const report = path.join(dir, 'report.md');
  if (!ok || !fs.existsSync(report)) {
    const pick = await vscode.window.showWarningMessage('PRISM: the benchmark did not finish; see the output for why', 'Open Output');
    if (pick) out.show(true);
    return;
  }
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(report));
}
