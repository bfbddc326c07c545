// The language server: LSP over stdio or node IPC (whichever the client starts it with), open
// documents kept in sync incrementally, textDocument/inlineCompletion answered by the Completer,
// the engine in a worker thread so this thread always answers. Settings come from
// initializationOptions and workspace/configuration (section `prism`), applied live.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection, ErrorCodes, NotebookDocuments, ProposedFeatures, ResponseError, TextDocuments, TextDocumentSyncKind, type InlineCompletionItem } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EngineClient } from '../engine/client';
import { DEFAULT_MODEL_FILE, resolveModelPath } from '../paths';
import { Completer, type EngineFactory } from './completer';
import { forgetView, lfView } from './eol';
import { docView, viewUri } from './views';
import { CONTINUATION, DISMISSED, LOG, PREFILL, STATS, STATUS, type StatusParams } from '../../common/protocol';
import { normalizeSettings, type Settings } from '../../common/settings';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
// Notebook cells (LSP notebook sync) land in `documents` too; views.ts gives a cell its notebook.
const notebooks = new NotebookDocuments(documents);
let canPullConfig = false;

const log = (line: string): void => { void connection.sendNotification(LOG, { line }); };
const status = (p: StatusParams): void => { void connection.sendNotification(STATUS, p); };

/** The model: the setting, else $PRISM_MODEL, else the bundled default, else the user cache. */
function modelPath(s: Settings): string {
  if (s.modelPath) return path.resolve(s.modelPath.replace(/^~(?=$|\/)/, os.homedir()));
  const bundled = resolveModelPath();
  if (fs.existsSync(bundled)) return bundled;
  const cached = path.join(os.homedir(), '.cache', 'prism-complete', 'models', DEFAULT_MODEL_FILE);
  return fs.existsSync(cached) ? cached : bundled;
}

const startEngine: EngineFactory = async (options, logLine) => {
  if (!fs.existsSync(options.modelPath)) {
    throw new Error(`model not found: ${options.modelPath}; set prism.modelPath to a Llama-family GGUF file`);
  }
  // The loader's lines (building the graph on first use takes a while) also show as progress.
  return EngineClient.start(options, (line) => { logLine(line); status({ state: 'loading', message: line }); }, path.join(__dirname, 'worker.js'));
};

// The remote API key comes in the environment (the extension reads it from SecretStorage), is
// kept in memory only and taken out of the environment so no child process inherits it.
const apiKey = process.env.PRISM_REMOTE_API_KEY || undefined;
delete process.env.PRISM_REMOTE_API_KEY;

let roots: string[] = [];
// PRISM_IDLE_MOVE_MS (benchmarks): the pause before a prompt start due to move moves; 0: never early.
const idleMove = process.env.PRISM_IDLE_MOVE_MS;
if (idleMove !== undefined && !/^\d+$/.test(idleMove)) log(`PRISM_IDLE_MOVE_MS must be a whole number of ms (got "${idleMove}"); using the default`);
// PRISM_FIRST_SHARE (benchmarks): the share of the budget a start placed where nothing is computed first holds; 0: all of it.
const firstShare = process.env.PRISM_FIRST_SHARE;
const firstOk = firstShare !== undefined && /^(0|0?\.\d+|1)$/.test(firstShare);
if (firstShare !== undefined && !firstOk) log(`PRISM_FIRST_SHARE must be a number from 0 to 1 (got "${firstShare}"); using the default`);
// PRISM_LINE_REST_MS (benchmarks): the pause after a reply a time budget cut before it is finished; 0: never.
const lineRest = process.env.PRISM_LINE_REST_MS;
if (lineRest !== undefined && !/^\d+$/.test(lineRest)) log(`PRISM_LINE_REST_MS must be a whole number of ms (got "${lineRest}"); using the default`);
const completer = new Completer(startEngine, {
  status, log, modelPath, apiKey: () => apiKey, workspaceRoots: () => roots,
  idleMoveMs: idleMove !== undefined && /^\d+$/.test(idleMove) ? Number(idleMove) : undefined,
  firstShare: firstOk ? Number(firstShare) : undefined,
  lineRestMs: lineRest !== undefined && /^\d+$/.test(lineRest) ? Number(lineRest) : undefined,
});

/**
 * Applies settings: `initial` as given, then (pull, once the client is initialized and says it can)
 * what workspace/configuration returns. Asking during initialize fails: the client registers its
 * handlers only after the initialize reply.
 */
async function pullSettings(initial?: unknown, pull = true): Promise<void> {
  let raw: unknown = initial;
  if (pull && canPullConfig) {
    try { raw = await connection.workspace.getConfiguration('prism'); } catch (e) { log(`could not read settings: ${(e as Error).message}`); }
  }
  const { settings, problems } = normalizeSettings(raw as Record<string, unknown> | undefined);
  for (const p of problems) { log(p); status({ state: 'idle', message: p }); }
  await completer.applySettings(settings);
}

connection.onInitialize((params) => {
  canPullConfig = params.capabilities.workspace?.configuration === true;
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  roots = folders.filter((u) => u.startsWith('file://')).map((u) => fileURLToPath(u));
  const init = (params.initializationOptions ?? {}) as { settings?: unknown };
  void pullSettings(init.settings, false).catch((e: Error) => log(`settings: ${e.message}`));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      notebookDocumentSync: { notebookSelector: [{ notebook: '*', cells: [{ language: '*' }] }] },
      inlineCompletionProvider: true,
    },
    serverInfo: { name: 'prism-complete', version: '0.1.0' },
  };
});

connection.onInitialized(() => { if (canPullConfig) void pullSettings().catch((e: Error) => log(`settings: ${e.message}`)); });
connection.onDidChangeConfiguration((p) => {
  const raw = (p.settings as { prism?: unknown } | undefined)?.prism;
  void pullSettings(raw).catch((e: Error) => log(`settings: ${e.message}`));
});

connection.languages.inlineCompletion.on(async (params, token): Promise<InlineCompletionItem[]> => {
  if (!params?.textDocument?.uri || !params.position || typeof params.position.line !== 'number' || typeof params.position.character !== 'number') {
    throw new ResponseError(ErrorCodes.InvalidParams, 'textDocument/inlineCompletion needs textDocument.uri and a position {line, character}');
  }
  const doc = documents.get(params.textDocument.uri);
  if (!doc) throw new ResponseError(ErrorCodes.InvalidParams, `document not open: ${params.textDocument.uri}; send textDocument/didOpen first`);
  // The document with LF line ends, or a cell within its notebook (views.ts): offsets in that text.
  const lf = docView(doc, documents, notebooks);
  const offset = lf.offsetAt(params.position);
  const sel = params.context?.selectedCompletionInfo;
  const items = await completer.complete(
    { uri: lf.uri, languageId: doc.languageId, version: doc.version, text: lf.text },
    {
      offset, triggerKind: params.context?.triggerKind === 1 ? 1 : 2,
      selected: sel ? { start: lf.offsetAt(sel.range.start), end: lf.offsetAt(sel.range.end), text: sel.text } : undefined,
    },
    token,
    () => documents.get(params.textDocument.uri)?.version,
    // A block replied with its first line, or a line its budget cut: the whole follows when done.
    (rest) => {
      const whole = rest[0] as { insertText: string; start: number; end: number };
      const replace = Math.max(0, whole.end - offset);
      const before = sel ? 0 : Math.max(0, offset - whole.start);
      void connection.sendNotification(CONTINUATION, { textDocument: { uri: doc.uri, version: doc.version }, position: params.position, insertText: whole.insertText, ...(replace > 0 ? { replace } : {}), ...(before > 0 ? { before } : {}) });
    },
  );
  return items.map((it) => ({
    insertText: it.insertText,
    range: { start: lf.positionAt(it.start), end: lf.positionAt(it.end) },
  }));
});

connection.onRequest(STATS, () => completer.stats);
connection.onNotification(PREFILL, (p) => {
  const doc = documents.get(p?.textDocument?.uri ?? '');
  if (!doc || !p.position) return; // not open (yet): nothing to warm
  const lf = docView(doc, documents, notebooks);
  void completer.prefill({ uri: lf.uri, languageId: doc.languageId, version: doc.version, text: lf.text }, lf.offsetAt(p.position), p.reason ?? 'active');
});
connection.onNotification(DISMISSED, (p) => {
  const doc = documents.get(p?.textDocument?.uri ?? '');
  if (doc) completer.dismissed(viewUri(doc.uri, notebooks));
});
documents.onDidClose((e) => { forgetView(e.document.uri); completer.forget(e.document.uri); });
notebooks.onDidClose((nb) => completer.forget(nb.uri));
documents.onDidChangeContent((e) => completer.documentChanged(e.document, () => lfView(e.document).text));
connection.onShutdown(async () => { await completer.unload(); });

process.on('uncaughtException', (e) => log(`internal error: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => log(`internal error: ${(e as Error)?.stack ?? String(e)}`));

documents.listen(connection);
notebooks.listen(connection);
connection.listen();
