// Activation: the language client (server in dist/server.js over node IPC, restarted by the
// client if it crashes), the inline-completion middleware, the status item and the commands.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { InlineCompletionRequest, InlineCompletionTriggerKind, LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { ACCEPTED_COMMAND, CONTINUATION, DISMISS_COMMAND, DISMISSED, LOG, PREFILL, STATUS, type StatusParams } from '../common/protocol';
import { CursorRest, type CursorAt } from '../common/cursor-rest';
import { serverEnv } from '../common/server-env';
import { enabledFor, normalizeSettings, whyOff } from '../common/settings';
import { runBenchmark } from './benchmark';
import { enableGpu } from './gpu';
import { type AskInline, memberProvider } from './member';
import { InlineMiddleware } from './provider';
import { StatusItem } from './status';

let client: LanguageClient | undefined;
const API_KEY_SECRET = 'prism.remote.apiKey';

/** The documents completions run in: files, untitled ones, and notebook cells. */
const EDITABLE = ['file', 'untitled', 'vscode-notebook-cell'];

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const out = vscode.window.createOutputChannel('PRISM Complete', { log: true });
  context.subscriptions.push(out);
  try {
    const settings = (): ReturnType<typeof normalizeSettings> => normalizeSettings(JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('prism'))) as Record<string, unknown>);
    let status: StatusItem | undefined;
    const inline = new InlineMiddleware(() => settings().settings.enable, (ghostMs) => { if (ghostMs === undefined) status?.render(); else status?.ghost(ghostMs); }, (line) => { if (out.logLevel === vscode.LogLevel.Trace) out.trace(line()); });
    inline.flow.setDebounce(settings().settings.debounceMs);
    status = new StatusItem(inline.flow.acceptance);
    context.subscriptions.push(status);

    const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
    // The remote API key reaches the server in its environment, read from SecretStorage at each
    // (re)start: never in settings, never in an LSP message (those can be traced).
    const env = async (): Promise<NodeJS.ProcessEnv> => {
      const key = await context.secrets.get(API_KEY_SECRET);
      const e = serverEnv(process.env);
      delete e.PRISM_REMOTE_API_KEY;
      return key ? { ...e, PRISM_REMOTE_API_KEY: key } : e;
    };
    const runOptions = { env: await env() };
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc, options: runOptions },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy'], env: runOptions.env } },
    };
    const clientOptions: LanguageClientOptions = {
      // Notebook cells too: the server gets them with their notebook (LSP notebook sync).
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-notebook-cell' }],
      outputChannel: out,
      initializationOptions: { settings: JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('prism'))) as unknown },
      synchronize: { configurationSection: 'prism' },
      middleware: inline.middleware(),
    };
    client = new LanguageClient('prism', 'PRISM Complete', serverOptions, clientOptions);
    // The member list's own inline request at a dot whose reply came too late for the list
    // (extension/member.ts): as typing's (one completion, no list item), its reply cached there.
    const askInline: AskInline = async (doc, pos, point) => {
      if (!client) return undefined;
      const r = await client.sendRequest(InlineCompletionRequest.type, {
        textDocument: client.code2ProtocolConverter.asTextDocumentIdentifier(doc),
        position: client.code2ProtocolConverter.asPosition(pos),
        context: { triggerKind: InlineCompletionTriggerKind.Automatic },
      });
      const first = (Array.isArray(r) ? r : r?.items ?? [])[0];
      if (!first) return undefined;
      const text = typeof first.insertText === 'string' ? first.insertText : first.insertText.value;
      const range = first.range;
      inline.flow.cache.put(point, [text], false, [range && range.start.line === range.end.line ? range.end.character - range.start.character : 0]);
      return text;
    };
    // An edit made while the extension was still starting (the window just opened, Enter pressed
    // at once) asked nothing: it reached the extension host as an already-edited document, not as
    // a change, and VS Code asks a provider again only at the next edit, so the cursor stayed
    // without ghost text. Once the model is loaded (the provider is registered in the workbench
    // by then), ask once where the active document was edited since it opened (its version > 1;
    // isDirty alone read false there) and nothing was asked yet.
    let caughtUp = false;
    const catchUp = (p: StatusParams): void => {
      if (caughtUp || p.state !== 'idle' || !p.model) return;
      caughtUp = true;
      const editor = vscode.window.activeTextEditor;
      if (!editor || !(editor.document.isDirty || editor.document.version > 1) || inline.requests > 0 || !settings().settings.enable) return;
      out.appendLine(`asking for a completion in ${path.basename(editor.document.fileName)}: it was edited before completions were ready`);
      inline.askAgain();
    };
    context.subscriptions.push(client.onNotification(STATUS, (p) => {
      status?.update(p);
      if (p.state === 'error' && p.message) void showError(p.message, out);
      catchUp(p);
    }));
    context.subscriptions.push(client.onNotification(LOG, (p) => out.appendLine(p.line)));
    context.subscriptions.push(client.onNotification(CONTINUATION, (p) => inline.continued(p)));

    context.subscriptions.push(
      vscode.commands.registerCommand('prism.showLogs', () => out.show(true)),
      vscode.commands.registerCommand('prism.restartServer', async () => {
        if (!client) return;
        status?.update({ state: 'loading', message: 'restarting' });
        await client.restart();
      }),
      vscode.commands.registerCommand('prism.toggleCompletions', async () => {
        const cfg = vscode.workspace.getConfiguration('prism');
        const now = cfg.get<boolean>('enable', true);
        await cfg.update('enable', !now, vscode.ConfigurationTarget.Global);
        void vscode.window.setStatusBarMessage(`PRISM completions ${now ? 'off' : 'on'}`, 2000);
      }),
      vscode.commands.registerCommand('prism.runBenchmark', () => runBenchmark(context, out)),
      vscode.commands.registerCommand('prism.enableGpu', () => enableGpu(out, async () => { if (client) await client.restart(); })),
      vscode.commands.registerCommand('prism.setRemoteApiKey', async () => {
        const key = await vscode.window.showInputBox({
          title: 'PRISM: API key of the remote completion server',
          prompt: 'Kept in VS Code\'s secret storage and sent only to prism.remote.url. Leave empty to remove it.',
          password: true, ignoreFocusOut: true,
        });
        if (key === undefined) return;
        if (key.trim()) await context.secrets.store(API_KEY_SECRET, key.trim());
        else await context.secrets.delete(API_KEY_SECRET);
        runOptions.env = await env();
        (serverOptions as { debug: { options: { env: NodeJS.ProcessEnv } } }).debug.options.env = runOptions.env;
        out.appendLine(key.trim() ? 'remote API key stored in secret storage; restarting the server' : 'remote API key removed; restarting the server');
        if (client) await client.restart();
      }),
      vscode.commands.registerCommand(ACCEPTED_COMMAND, () => inline.accepted()),
      // Escape while ghost text shows (package.json's keybinding: VS Code hides it at once, as its
      // own Escape does, then runs this): what would follow it is not shown, nor decoded on.
      vscode.commands.registerCommand(DISMISS_COMMAND, () => {
        const at = inline.dismissed();
        if (at && client) void client.sendNotification(DISMISSED, at);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => inline.keystroke(e)),
      vscode.languages.registerCompletionItemProvider(EDITABLE.map((scheme) => ({ scheme })), memberProvider(inline, (doc) => {
        const s = settings().settings;
        return s.suggestMember && enabledFor(s, doc.languageId, doc.uri.fsPath);
      }, askInline, (line) => out.info(line())), '.'),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('prism')) return;
        const s = settings();
        inline.flow.setDebounce(s.settings.debounceMs);
        inline.flow.cache.clear();
        status?.update({ state: s.settings.enable ? 'idle' : 'disabled' });
        for (const p of s.problems) out.appendLine(p);
      }),
    );
    await client.start();
    // The prompt at the cursor is prefilled in the background (the server loads the model if
    // needed) when a document becomes active and when a moved cursor rests (common/cursor-rest.ts):
    // the first completion there is not a cold one.
    const rest = new CursorRest((a, reason) => {
      if (!client || !settings().settings.enable) return;
      void client.sendNotification(PREFILL, { textDocument: { uri: a.uri }, position: { line: a.line, character: a.character }, reason });
    });
    const cursorOf = (editor: vscode.TextEditor | undefined): CursorAt | undefined => {
      if (!editor || !EDITABLE.includes(editor.document.uri.scheme) || !editor.selection.isEmpty) return undefined;
      const p = editor.selection.active;
      return { uri: editor.document.uri.toString(), line: p.line, character: p.character };
    };
    const warm = (editor: vscode.TextEditor | undefined): void => {
      const a = cursorOf(editor);
      if (a) rest.activated(a);
    };
    // Completions off in the active editor's file (its language, prism.exclude): the status bar says so and why.
    const offHere = (): void => {
      const doc = vscode.window.activeTextEditor?.document;
      const s = settings().settings;
      status?.here(doc && s.enable && EDITABLE.includes(doc.uri.scheme) ? whyOff(s, doc.languageId, doc.uri.fsPath) : undefined);
    };
    offHere();
    context.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => { offHere(); warm(editor); }),
      // A language chosen or detected (an untitled file's) reopens the document.
      vscode.workspace.onDidOpenTextDocument((doc) => { if (doc === vscode.window.activeTextEditor?.document) offHere(); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('prism')) offHere(); }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        // Moves by hand: clicks, arrows, and commands (Ctrl+End, go to definition, go to line).
        // Typing reports Keyboard moves too: CursorRest tells them apart by the edit just before.
        if (e.kind === undefined) return;
        const a = cursorOf(e.textEditor);
        const K = vscode.TextEditorSelectionChangeKind;
        if (a) rest.moved(a, e.kind === K.Mouse ? 'mouse' : e.kind === K.Command ? 'command' : 'keyboard', e.textEditor.document.lineCount);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // Edits in the editor the user is in (not output channels, not other files).
        if (e.contentChanges.length > 0 && e.document === vscode.window.activeTextEditor?.document) rest.typed();
      }),
      { dispose: () => rest.cancel() },
    );
    warm(vscode.window.activeTextEditor);
  } catch (e) {
    // VS Code is silent when activation fails: say it, then rethrow.
    const msg = (e as Error).message ?? String(e);
    out.appendLine(`activation failed: ${(e as Error).stack ?? msg}`);
    void vscode.window.showErrorMessage(`PRISM Complete could not start: ${msg}`);
    throw e;
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

let lastError = '';
async function showError(message: string, out: vscode.OutputChannel): Promise<void> {
  if (message === lastError) return; // each distinct error once
  lastError = message;
  const pick = await vscode.window.showWarningMessage(`PRISM: ${message}`, 'Open Output');
  if (pick) out.show(true);
}
