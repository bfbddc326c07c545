// The custom messages between the extension and the language server (besides standard LSP), each
// bound to its parameter type (as rust-analyzer's lsp_ext.ts and vscode-eslint's customMessages):
// a send or a handler with the wrong shape does not compile, on either side. vscode-free.
import { NotificationType, RequestType0 } from 'vscode-languageserver-protocol';

export type ServerState = 'idle' | 'loading' | 'generating' | 'error' | 'disabled';

/** What the status bar shows. */
export interface StatusParams {
  state: ServerState;
  /** One actionable line (errors, warnings, what is loading). */
  message?: string;
  /** The model and drafter in use; backend: the remote server's URL (absent: local). */
  model?: string;
  backend?: string;
  drafter?: string;
  /**
   * The last ghost text: ms from the request to the reply the editor shows (for a progressive
   * block, its first line; the rest follows as a continuation).
   */
  ghostMs?: number;
  /** The last completion: ms of its whole decoding (a progressive block: the whole block), tokens/s, tau (speculative only). */
  lastLatencyMs?: number;
  tokensPerS?: number;
  tau?: number;
  /** Remote backend: the server's own request latency (HTTP request to the end of its reply). */
  serverMs?: number;
  /** Server process memory (resident set, MiB). */
  rssMiB?: number;
}

/** Server -> client notification: what the status bar shows. */
export const STATUS = new NotificationType<StatusParams>('prism/status');

export interface LogParams { line: string }

/** Server -> client notification: a log line for the output channel. */
export const LOG = new NotificationType<LogParams>('prism/log');

/** The server's counters. */
export interface StatsResult {
  requests: number;
  completed: number;
  cancelled: number;
  stale: number;
  empty: number;
  errors: number;
  promptTokens: number;
  reusedTokens: number;
  lastLatencyMs?: number;
  /** Remote backend: the last request's HTTP time (the server's own latency, seen from here). */
  serverMs?: number;
  drafter?: string;
  modelLoaded: boolean;
  /** Tokens in the repository datastore (once built). */
  datastoreTokens?: number;
  /** Background prefills run to the end (prism/prefill), and their prompt tokens computed. */
  prefills: number;
  prefillTokens: number;
  /** Replies that held a completion's beginning (prism.progressive), and wholes sent after them (prism/continuation). */
  firstLines: number;
  continuations: number;
  /** Replies whose line a time budget cut, a finish scheduled for the pause after them, and finishes that ran or gave up (prism.progressive). */
  linesCut: number;
  lineFinishes: number;
  /** Ghost texts the user dismissed (prism/dismissed). */
  dismissals: number;
}

export interface PrefillParams {
  textDocument: { uri: string };
  position: { line: number; character: number };
  /** 'active': the document became active; 'rest': a moved cursor rests here (default 'active'). */
  reason?: 'active' | 'rest';
}

/**
 * Client -> server notification: a document became active (opened, focused, switched to) with
 * its cursor here, or a cursor the user moved rests here. The server prefills that prompt into
 * the KV cache in the background, at the lowest priority (any completion request cancels it), so
 * the first completion costs what later ones cost. A remote backend is warmed on activation only
 * (a rest would send the team's server a request per cursor move).
 */
export const PREFILL = new NotificationType<PrefillParams>('prism/prefill');

export interface ContinuationParams {
  /** The document and version the completion request was made for. */
  textDocument: { uri: string; version: number };
  /** The request's position. */
  position: { line: number; character: number };
  /** The whole completion: it starts with what the request's reply held. */
  insertText: string;
  /**
   * Characters after the position that the whole replaces: closers and quotes the editor put
   * there that it writes itself (`_run(|)` + `item);`). 0 or absent: it goes in at the position.
   */
  replace?: number;
  /**
   * Characters before the position that the whole replaces: the line's indentation, where the
   * model wrote its own (Enter after a statement, a `}` it dedents). 0 or absent: none.
   */
  before?: number;
}

/**
 * Server -> client notification (prism.progressive): the whole of a block whose reply held its
 * beginning only (its first line, or a slow first line's first words), sent when it is done. The
 * client caches it at the request's point and shows it at once (typing through the reply
 * meanwhile still matches it).
 */
export const CONTINUATION = new NotificationType<ContinuationParams>('prism/continuation');

export interface DismissedParams {
  /** The document and version the dismissed ghost text was shown in. */
  textDocument: { uri: string; version: number };
  /** The cursor's position when it was dismissed. */
  position: { line: number; character: number };
}

/**
 * Client -> server notification: the user dismissed the ghost text (Escape) here. What would
 * follow it (a block's rest, a cut line's finish) is not wanted: the server stops decoding it.
 */
export const DISMISSED = new NotificationType<DismissedParams>('prism/dismissed');

/**
 * The command Escape runs while ghost text shows, after VS Code's own hide (package.json's
 * keybinding, `runCommands`): notes the dismissal. Run in the extension host, it may come
 * hundreds of ms after the key on a busy machine; hiding first keeps Escape instant.
 */
export const DISMISS_COMMAND = 'prism.dismissInline';

/** Client -> server request: the server's counters (tests, benchmarks). */
export const STATS = new RequestType0<StatsResult, void>('prism/stats');

/** The command every inline completion item runs when accepted (the client's acceptance counters). */
export const ACCEPTED_COMMAND = 'prism.completionAccepted';
