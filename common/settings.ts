// The `prism.*` settings: one typed shape, one normaliser, used by the extension and the server
// alike. Values that are out of range or of the wrong type fall back to their defaults and are
// reported (one line each) instead of breaking anything. package.json's
// contributes.configuration declares the same keys (test/common/settings.test.ts checks both
// agree). vscode-free.

/** Every draft mode, the default first (what each one means: server/drafting/policy.ts). */
export const DRAFT_MODES = ['auto', 'hybrid', 'prism', 'eagle3', 'ngram', 'none'] as const;
export type DraftMode = (typeof DRAFT_MODES)[number];
export const DEFAULT_DRAFT_MODE: DraftMode = 'auto';

export function isDraftMode(x: string): x is DraftMode {
  return (DRAFT_MODES as readonly string[]).includes(x);
}

export type Device = 'auto' | 'cpu' | 'cuda';

export type RemoteApi = 'auto' | 'infill' | 'completions' | 'completions-suffix';

export interface Settings {
  enable: boolean;
  /** Where completions come from: the local model, or a team's server (prism.remote.*). */
  backend: 'local' | 'remote';
  /**
   * The remote server: its URL, the model name OpenAI-style servers want, which API to speak
   * (auto tries llama.cpp's /infill, then plain /v1/completions), and how
   * long it may stay silent. The API key is not a setting: it lives in VS Code's SecretStorage.
   */
  remote: { url: string; model: string; api: RemoteApi; timeoutMs: number };
  /** Language id -> enabled; '*' is the default for languages not listed. */
  languages: Record<string, boolean>;
  /** Glob-like path patterns (`*` within a segment, `**` across) where completions never run. */
  exclude: string[];
  modelPath: string;
  device: Device;
  /** 0: all cores. */
  threads: number;
  /**
   * The target's arithmetic: 'int8' (int8 activations and the 8-bit LM head, the default: loses no
   * more than llama.cpp's own 8-bit activations, ~2% of top-1 tokens) or 'fp32' (activations and
   * LM head in fp32, as the reference; slower). docs/BENCHMARKS.md, numerics.
   */
  numerics: 'fp32' | 'int8';
  maxTokens: number;
  /** Completion time budget in ms (ends at a line boundary once spent). */
  timeBudgetMs: number;
  /**
   * First-line time budget in ms from the end of the prompt phase (a first line still open ends at
   * a word boundary once spent); 0: none. 200 by measurement: typing-trace p95 247-259 ms instead
   * of 359-366, accepted characters within 2% (docs/BENCHMARKS.md, "A time budget for the first line").
   */
  firstLineBudgetMs: number;
  /**
   * A block in parts, the rest following without a keystroke: the reply holds its first line (or,
   * where firstLineBudgetMs is spent first, the line's beginning, instead of ending the block
   * there), and the whole block follows as a prism/continuation notification the client shows at once.
   * A reply a time budget cut (a line at firstLineBudgetMs, a block at timeBudgetMs) is finished
   * when the user pauses and follows the same way.
   */
  progressive: boolean;
  /**
   * Tab accepts the ghost text while VS Code's suggestion list is open too (package.json's Tab
   * keybinding reads it as `config.prism.tabAcceptsOverSuggestions`). The ghost text then continues
   * the list's selected item; VS Code's own rule gives Tab to the item first, so half a word
   * took two Tabs (docs/BENCHMARKS.md, "One Tab over VS Code's suggestion list").
   */
  tabAcceptsOverSuggestions: boolean;
  /**
   * Tab accepts ghost text that starts with a tab's worth of indentation or more, the cursor in
   * the line's indentation (package.json's Tab keybinding reads it as
   * `config.prism.tabAcceptsIndentedSuggestions`). VS Code's own rule indents the line there
   * instead, a tab stop at a time: after Enter where the model indents deeper than the editor, or
   * a continuation line aligned under its bracket, Tab took two presses or moved past it.
   */
  tabAcceptsIndentedSuggestions: boolean;
  /**
   * At a dot, the member the ghost text begins with leads VS Code's suggestion list, selected
   * (extension/member.ts): a language server's list would select its first member, and the ghost
   * text must continue the selected item.
   */
  suggestMember: boolean;
  /** Prompt budget in tokens (prefix + suffix). */
  contextTokens: number;
  /** Local models: documents whose prompts stay in the KV cache (one cache each), so coming back to one reuses its prompt. */
  cacheDocuments: number;
  multiline: 'auto' | 'always' | 'never';
  /** Debounce in ms, or 'auto' (adapted to typing speed and measured latency). */
  debounceMs: number | 'auto';
  /** Token healing: the model re-spells the cursor's partial token (indentation, half a word). */
  tokenHealing: boolean;
  /**
   * Local models: snippets of recently used other files (the lines around their cursor) before the
   * prompt. Off by default: its gain on the quality benchmark was within the noise (docs/BENCHMARKS.md).
   */
  crossFileContext: boolean;
  draft: { mode: DraftMode; depth: number | 'auto'; tree: 'chain' | 'dynamic'; treeWidth: number; treeTokens: number; /** Chains grow after runs that accept them whole, up to this depth (0: off). */ grow: number };
  /** The repository datastore n-gram drafting looks up: the workspace's source files (MB cap). */
  datastore: { enable: boolean; maxMB: number };
  /** Files larger than this (bytes) get no completions. */
  maxFileBytes: number;
}

export const DEFAULT_SETTINGS: Settings = {
  enable: true,
  backend: 'local',
  remote: { url: '', model: '', api: 'auto', timeoutMs: 10_000 },
  languages: { '*': true, plaintext: false, markdown: false, scminput: false },
  exclude: ['**/.env', '**/*.min.js', '**/node_modules/**'],
  modelPath: '',
  device: 'auto',
  threads: 0,
  numerics: 'int8',
  maxTokens: 64,
  timeBudgetMs: 1500,
  firstLineBudgetMs: 200,
  progressive: true,
  tabAcceptsOverSuggestions: true,
  tabAcceptsIndentedSuggestions: true,
  suggestMember: true,
  contextTokens: 1024,
  cacheDocuments: 2,
  multiline: 'auto',
  debounceMs: 'auto',
  tokenHealing: true,
  crossFileContext: false,
  draft: { mode: DEFAULT_DRAFT_MODE, depth: 'auto', tree: 'chain', treeWidth: 2, treeTokens: 8, grow: 0 },
  datastore: { enable: true, maxMB: 16 },
  maxFileBytes: 1_000_000,
};

type Raw = Record<string, unknown> | undefined | null;

/** Settings from the raw `prism` configuration object, with one problem line per rejected value. */
export function normalizeSettings(raw: Raw): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const r = (raw ?? {}) as Record<string, unknown>;
  const d = DEFAULT_SETTINGS;
  const bool = (k: string, def: boolean, v: unknown = r[k]): boolean => {
    if (v === undefined) return def;
    if (typeof v === 'boolean') return v;
    problems.push(`prism.${k} must be true or false; using ${def}`);
    return def;
  };
  const int = (k: string, v: unknown, def: number, min: number, max: number): number => {
    if (v === undefined || v === null) return def;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    problems.push(`prism.${k} must be a whole number from ${min} to ${max}; using ${def}`);
    return def;
  };
  const oneOf = <T extends string>(k: string, v: unknown, values: readonly T[], def: T): T => {
    if (v === undefined || v === null) return def;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    problems.push(`prism.${k} must be one of ${values.join(', ')}; using ${def}`);
    return def;
  };
  const draftRaw = (typeof r.draft === 'object' && r.draft !== null ? r.draft : {}) as Record<string, unknown>;
  const remoteRaw = (typeof r.remote === 'object' && r.remote !== null ? r.remote : {}) as Record<string, unknown>;
  const str = (k: string, v: unknown, def: string): string => {
    if (v === undefined || v === null) return def;
    if (typeof v === 'string') return v.trim();
    problems.push(`prism.${k} must be a string; using "${def}"`);
    return def;
  };
  const storeRaw = (typeof r.datastore === 'object' && r.datastore !== null ? r.datastore : {}) as Record<string, unknown>;
  const languages = typeof r.languages === 'object' && r.languages !== null && !Array.isArray(r.languages)
    ? Object.fromEntries(Object.entries({ ...d.languages, ...(r.languages as Record<string, unknown>) }).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>
    : d.languages;
  const exclude = Array.isArray(r.exclude) ? r.exclude.filter((x): x is string => typeof x === 'string') : d.exclude;
  const modelPath = typeof r.modelPath === 'string' ? r.modelPath.trim() : d.modelPath;
  const debounce = r.debounceMs === 'auto' || r.debounceMs === undefined ? 'auto' : int('debounceMs', r.debounceMs, 75, 0, 2000);
  const depth = draftRaw.depth === 'auto' || draftRaw.depth === undefined ? 'auto' : int('draft.depth', draftRaw.depth, 4, 1, 12);
  return {
    settings: {
      enable: bool('enable', d.enable),
      backend: oneOf('backend', r.backend, ['local', 'remote'] as const, d.backend),
      remote: {
        url: str('remote.url', remoteRaw.url, d.remote.url),
        model: str('remote.model', remoteRaw.model, d.remote.model),
        api: oneOf('remote.api', remoteRaw.api, ['auto', 'infill', 'completions', 'completions-suffix'] as const, d.remote.api),
        timeoutMs: int('remote.timeoutMs', remoteRaw.timeoutMs, d.remote.timeoutMs, 500, 120_000),
      },
      languages,
      exclude,
      modelPath,
      device: oneOf('device', r.device, ['auto', 'cpu', 'cuda'] as const, d.device),
      threads: int('threads', r.threads, d.threads, 0, 256),
      numerics: oneOf('numerics', r.numerics, ['fp32', 'int8'] as const, d.numerics),
      maxTokens: int('maxTokens', r.maxTokens, d.maxTokens, 1, 512),
      timeBudgetMs: int('timeBudgetMs', r.timeBudgetMs, d.timeBudgetMs, 50, 30000),
      firstLineBudgetMs: int('firstLineBudgetMs', r.firstLineBudgetMs, d.firstLineBudgetMs, 0, 30000),
      progressive: bool('progressive', d.progressive),
      tabAcceptsOverSuggestions: bool('tabAcceptsOverSuggestions', d.tabAcceptsOverSuggestions),
      tabAcceptsIndentedSuggestions: bool('tabAcceptsIndentedSuggestions', d.tabAcceptsIndentedSuggestions),
      suggestMember: bool('suggestMember', d.suggestMember),
      contextTokens: int('contextTokens', r.contextTokens, d.contextTokens, 64, 8000),
      cacheDocuments: int('cacheDocuments', r.cacheDocuments, d.cacheDocuments, 1, 8),
      multiline: oneOf('multiline', r.multiline, ['auto', 'always', 'never'] as const, d.multiline),
      debounceMs: debounce,
      tokenHealing: bool('tokenHealing', d.tokenHealing),
      crossFileContext: bool('crossFileContext', d.crossFileContext),
      draft: {
        mode: oneOf('draft.mode', draftRaw.mode, DRAFT_MODES, d.draft.mode),
        depth,
        tree: oneOf('draft.tree', draftRaw.tree, ['chain', 'dynamic'] as const, d.draft.tree),
        treeWidth: int('draft.treeWidth', draftRaw.treeWidth, d.draft.treeWidth, 1, 8),
        treeTokens: int('draft.treeTokens', draftRaw.treeTokens, d.draft.treeTokens, 1, 64),
        grow: int('draft.grow', draftRaw.grow, d.draft.grow, 0, 12),
      },
      datastore: {
        enable: bool('datastore.enable', d.datastore.enable, storeRaw.enable),
        maxMB: int('datastore.maxMB', storeRaw.maxMB, d.datastore.maxMB, 1, 512),
      },
      maxFileBytes: int('maxFileBytes', r.maxFileBytes, d.maxFileBytes, 1000, 100_000_000),
    },
    problems,
  };
}

/** Whether completions run for a document of this language at this path. */
export function enabledFor(s: Settings, languageId: string, fsPath: string): boolean {
  return s.enable && whyOff(s, languageId, fsPath) === undefined;
}

/** Why completions are off in a file although they are on (prism.enable): its language, or prism.exclude; undefined where they run. */
export function whyOff(s: Settings, languageId: string, fsPath: string): string | undefined {
  const lang = s.languages[languageId] ?? s.languages['*'] ?? true;
  if (!lang) return `off in ${languageId} files; to turn them on: "prism.languages": { "${languageId}": true }`;
  const p = fsPath.replace(/\\/g, '/');
  const g = s.exclude.find((x) => globToRegExp(x).test(p));
  return g !== undefined ? `off in this file: it matches "${g}" in prism.exclude` : undefined;
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*' && glob[i + 1] === '*') {
      i++;
      if (glob[i + 1] === '/') { re += '(?:.*/)?'; i++; } else re += '.*';
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`(^|/)${re}$`);
}
