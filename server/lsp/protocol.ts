// The custom messages between the extension and the language server (besides standard LSP).
// One place for both sides: the extension imports these names and types, the server too.

export type ServerState = 'idle' | 'loading' | 'generating' | 'error' | 'disabled';

/** Server -> client notification: what the status bar shows. */
export const STATUS = 'prism/status';
export interface StatusParams {
  state: ServerState;
  /** One actionable line (errors, warnings, what is loading). */
  message?: string;
  /** The model and drafter in use. */
  model?: string;
  drafter?: string;
  /** The last completion: ms from request to reply, tokens/s, tau (speculative only). */
  lastLatencyMs?: number;
  tokensPerS?: number;
  tau?: number;
  /** Server process memory (resident set, MiB). */
  rssMiB?: number;
}

/** Server -> client notification: a log line for the output channel. */
export const LOG = 'prism/log';
export interface LogParams { line: string }

/** Client -> server request: the server's counters (tests, status tooltip). */
export const STATS = 'prism/stats';
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
  drafter?: string;
  modelLoaded: boolean;
}

/** Data attached to each inline completion item (in its `command` arguments) for acceptance stats. */
export const ACCEPTED_COMMAND = 'prism.completionAccepted';
