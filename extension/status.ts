// The status bar item: idle / loading / generating / error / disabled, how soon the last ghost
// text came, the last completion's time, tokens/s and tau, and the local acceptance counters
// (never sent anywhere). A click opens the logs.
import * as vscode from 'vscode';
import type { Acceptance } from '../common/inline-flow';
import type { StatusParams } from '../common/protocol';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  private last: StatusParams = { state: 'loading' };
  private info: StatusParams = { state: 'idle' };
  /** How long the user waited for the last ghost text: from VS Code's request to the reply, debounce included. */
  private waitedMs: number | undefined;
  /** Why completions are off in the active editor's file (its language, prism.exclude), if they are. */
  private offHere: string | undefined;

  constructor(private readonly acceptance: Acceptance) {
    this.item.command = 'prism.showLogs';
    this.item.name = 'PRISM Complete';
    this.render();
    this.item.show();
  }

  update(p: StatusParams): void {
    this.last = p;
    this.info = { ...this.info, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) };
    this.render();
  }

  /** A reply's ghost text came `ms` after VS Code asked for it. */
  ghost(ms: number): void {
    this.waitedMs = Math.round(ms);
    this.render();
  }

  /** The active editor's file: `why` completions are off there, or undefined where they are on. */
  here(why: string | undefined): void {
    if (why === this.offHere) return;
    this.offHere = why;
    this.render();
  }

  render(): void {
    // Off in this file (and nothing else to say): the slashed icon, and why in the tooltip.
    const off = this.offHere !== undefined && this.last.state === 'idle';
    const icon = off ? '$(circle-slash)' : { idle: '$(sparkle)', loading: '$(sync~spin)', generating: '$(loading~spin)', error: '$(warning)', disabled: '$(circle-slash)' }[this.last.state];
    // How long the user waited for the last ghost text (a progressive block: its first line), else
    // the server's reply time, else the last completion's time.
    const shown = this.waitedMs ?? this.info.ghostMs ?? this.info.lastLatencyMs;
    const ms = shown !== undefined ? ` ${shown} ms` : '';
    const where = this.info.backend ? '$(cloud) ' : '';
    this.item.text = `${icon} ${where}PRISM${off ? ' off' : this.last.state === 'idle' ? ms : ''}`;
    this.item.backgroundColor = this.last.state === 'error' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const a = this.acceptance;
    const dismissed = Math.max(0, a.shown - a.accepted - a.partial);
    const lines = [
      off ? `PRISM Complete: ${this.offHere}` : `PRISM Complete: ${this.last.state}${this.last.message ? ` (${this.last.message})` : ''}`,
      this.info.backend ? `remote server ${this.info.backend}, model ${this.info.model ?? 'server default'}` : this.info.model ? `model ${this.info.model}, drafter ${this.info.drafter ?? 'none'}` : '',
      this.info.backend && this.info.serverMs !== undefined ? `server request ${this.info.serverMs} ms of the last ${this.info.lastLatencyMs ?? '?'} ms` : '',
      this.waitedMs !== undefined || this.info.ghostMs !== undefined ? `last ghost text ${this.waitedMs !== undefined ? `${this.waitedMs} ms after the editor asked (its typing pause included), ` : ''}the server's reply ${this.info.ghostMs ?? '?'} ms (a block: its first line)` : '',
      this.info.lastLatencyMs !== undefined ? `last completion ${this.info.lastLatencyMs} ms, ${this.info.tokensPerS ?? 0} tokens/s${this.info.tau ? `, tau ${this.info.tau}` : ''}` : '',
      this.info.rssMiB ? `server memory ${this.info.rssMiB} MiB` : '',
      `suggestions shown ${a.shown}, accepted ${a.accepted}, partly typed ${a.partial}, dismissed ${dismissed} (local only)`,
      'click: show logs',
    ];
    this.item.tooltip = lines.filter(Boolean).join('\n');
  }

  dispose(): void { this.item.dispose(); }
}
