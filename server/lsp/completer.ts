// Where an inline-completion request becomes an engine request and the engine's text becomes
// ghost text: gating (language, exclusions, size, binary), the newest request superseding older
// ones, lazy model loading, prompt building, shaping, stale-result checks, alternatives on
// explicit invoke, the counters the status bar shows, the repository datastore (the workspace
// indexed in the background once the model is loaded, edits sent as they settle) and the
// background prefill of a document that became active. The engine is injected (a worker-thread
// EngineClient in the server, anything with the same shape in tests).
import * as path from 'node:path';
import type { CompletionRequest, CompletionResult } from '../engine/engine';
import type { IndexFile, IndexStats, ModelInfo, WorkerLoadOptions } from '../engine/protocol';
import { DraftPolicy, draftLabel, type HeadKind } from '../drafting/policy';
import { type BuildKind, type BuiltPrompt, CharsPerToken, type FimTokens, PromptBuilder } from './prompt';
import type { StatsResult, StatusParams } from '../../common/protocol';
import { DEFAULT_SETTINGS, enabledFor, type Settings } from '../../common/settings';
import { lineComment } from './comments';
import { type CursorContext, fencesAreOwn, type LineMode, lineMode, ownIndentAt, replacedAfter, type ShapeOptions, shapeCompletion, shapeOwnIndent, stopsFor } from './shape';
import { scanWorkspace } from './workspace';
import { RemoteEngine, type RemoteParts } from '../remote/remote-engine';
import { isWordChar } from '../engine/healing';
import { ABORT_ELSEWHERE } from '../engine/types';

/** What the Completer needs to know of an engine: a local model (ModelInfo) or a remote server. */
export type EngineInfo = Pick<ModelInfo, 'modelPath' | 'loadMs' | 'exact' | 'fim' | 'fimTokens'> & Partial<Pick<ModelInfo, 'modelHash' | 'config' | 'graph' | 'treesExact'>>
  & { device: ModelInfo['device'] | 'remote'; remote?: boolean };

export interface EngineLike {
  readonly info: EngineInfo;
  /** False once the engine died (the next request starts a new one). */
  readonly running?: boolean;
  /** parts: the prompt's prefix and suffix, for remote endpoints with fill-in-the-middle fields. */
  complete(request: CompletionRequest & { parts?: RemoteParts }, opts: { signal?: AbortSignal; onText?: (delta: string, early?: boolean) => void }): Promise<CompletionResult>;
  /** The prompt's token count (local engines; the first prompt of a document is placed with it). */
  count?(prompt: string, allowSpecial: boolean, signal?: AbortSignal): Promise<number>;
  /** Fills (replace) or updates the repository datastore. */
  index?(files: IndexFile[], replace: boolean): Promise<IndexStats>;
  /** Frees what the engine keeps for a context (CompletionRequest.cacheKey) that is gone. */
  forget?(key: string): void;
  dispose(): Promise<void>;
}

export type EngineFactory = (options: WorkerLoadOptions, log: (line: string) => void) => Promise<EngineLike>;

export interface CompleterHooks {
  status(p: StatusParams): void;
  log(line: string): void;
  /** Model path for the settings (explicit or default); undefined when none can be found. */
  modelPath(s: Settings): string;
  /** The shipped head of a kind for a model, or undefined (default: the drafting policy's). */
  headPath?: (kind: HeadKind, modelPath: string) => string | undefined;
  /** The remote server's API key (the extension keeps it in SecretStorage; never logged). */
  apiKey?: () => string | undefined;
  /** The workspace folders (file system paths) the datastore indexes. */
  workspaceRoots?: () => string[];
  /** How long a document's edits must rest before the datastore gets them (ms; default 1500). */
  editSettleMs?: number;
  /**
   * How long the user must pause after a completion before a prompt start due to move moves
   * (ms; default IDLE_MOVE_MS; 0: never early, the start moves on the keystroke that outgrows it).
   */
  idleMoveMs?: number;
  /**
   * The share of the prompt budget a start placed where nothing is computed yet first holds
   * (PromptBudget.first; default FIRST_SHARE; 0: the whole `refill` share at once).
   */
  firstShare?: number;
  /**
   * How long the user must pause after a reply a time budget cut before it is finished and sent
   * as its rest (ms; default LINE_REST_MS; 0: never, the reply ends at its budget). Only with
   * prism.progressive.
   */
  lineRestMs?: number;
  /** The document's file name in a comment line before the prefix (quality benchmark's experiment). */
  nameHeader?: boolean;
  /**
   * Enter after a statement: the model writes the line's indentation itself where the editor kept
   * the line before's (shape.ts ownIndentAt; default true; false: it spells the editor's).
   */
  ownIndent?: boolean;
  /** Each generated alternative: its prompt, the raw text, what shaping left (quality benchmark). */
  explain?: (e: { prompt: string; raw: string; shaped: string; finish: CompletionResult['finishReason']; mode: LineMode }) => void;
}

export interface DocState {
  uri: string;
  languageId: string;
  version: number;
  text: string;
}

export interface InlineRequest {
  offset: number;
  /** 1 invoked, 2 automatic (LSP InlineCompletionTriggerKind). */
  triggerKind: 1 | 2;
  /** An IntelliSense item is selected: [start, end) document offsets and its text. */
  selected?: { start: number; end: number; text: string };
}

export interface InlineItem { insertText: string; start: number; end: number }

/** What a run tells its caller besides its items (Completer.run). */
interface RunInfo { cut: boolean; finish?: boolean }

export class Completer {
  settings: Settings = DEFAULT_SETTINGS;
  private engine: EngineLike | undefined;
  private loading: Promise<EngineLike> | undefined;
  private loadError: { message: string; at: number; key: string } | undefined;
  private current: AbortController | undefined;
  /** The latest warm-up (prefill): `current` is a completion unless it is this one. */
  private warmUp: AbortController | undefined;
  /** A block decoding on after its first line was sent, or a cut line being finished (prism.progressive), while it does. */
  private block: AbortController | undefined;
  /** Where `block` was asked (its document's text either side of the point) and what it showed: typing that leaves it stops it (documentChanged). */
  private blockAt: { ctl: AbortController; uri: string; before: string; after: string; shown: string } | undefined;
  /** The document `current` is for. */
  private currentUri = '';
  private readonly ratio = new CharsPerToken();
  private readonly prompts = new PromptBuilder(this.ratio);
  private readonly warned = new Set<string>();
  /** Drafting policy for the loaded model and the current settings (made on first use). */
  private policy: { key: string; policy: DraftPolicy } | undefined;
  /**
   * Recently used documents (completed in, or became active), newest last: the lines around their
   * last cursor, for other documents' prompts: remote /infill's extra context, and local
   * cross-file context when prism.crossFileContext is on (llama.vscode's ring of chunks).
   */
  private readonly recent = new Map<string, { filename: string; text: string }>();
  /** Edits waiting to reach the datastore, per document. */
  private readonly edits = new Map<string, NodeJS.Timeout>();
  /** The pending idle move (scheduleIdleMove): cleared by any request or warm-up. */
  private idleMove: NodeJS.Timeout | undefined;
  /** The pending finish of a cut line (scheduleLineFinish): cleared by any request or warm-up. */
  private lineFinish: NodeJS.Timeout | undefined;
  /** Per document, its text before its latest change and after it (documentChanged; enteredHere). */
  private readonly changes = new Map<string, { before: string | undefined; now: string }>();
  readonly stats: StatsResult = { requests: 0, completed: 0, cancelled: 0, stale: 0, empty: 0, errors: 0, promptTokens: 0, reusedTokens: 0, modelLoaded: false, prefills: 0, prefillTokens: 0, firstLines: 0, continuations: 0, linesCut: 0, lineFinishes: 0, dismissals: 0 };

  constructor(private readonly factory: EngineFactory, private readonly hooks: CompleterHooks) {}

  /** Applies new settings live; a changed backend, model, device, thread count, numerics or tree shape (exact or not) reloads the engine. */
  async applySettings(s: Settings): Promise<void> {
    const reload = this.engineKey(s) !== this.engineKey(this.settings);
    const reindex = storeKey(s) !== storeKey(this.settings);
    this.settings = s;
    this.prompts.setBudget({ maxTokens: s.contextTokens, suffixShare: 0.2, refill: 0.7, first: this.hooks.firstShare ?? FIRST_SHARE });
    if (reload) {
      this.loadError = undefined;
      await this.unload();
    } else if (reindex && this.engine) {
      void this.indexWorkspace(this.engine);
    }
    this.hooks.status({ state: s.enable ? 'idle' : 'disabled' });
  }

  async unload(): Promise<void> {
    this.current?.abort();
    const e = this.engine ?? (await this.loading?.catch(() => undefined));
    this.engine = undefined;
    this.loading = undefined;
    this.stats.modelLoaded = false;
    await e?.dispose();
  }

  /**
   * The user dismissed the ghost text in this document (Escape): the rest of a block decoding on
   * for it and a cut line's finish are not wanted. Stops them; a completion still being asked
   * for goes on (VS Code cancels what it no longer wants).
   */
  dismissed(uri: string): void {
    this.stats.dismissals++;
    this.cancelLineFinish();
    if (this.block && this.currentUri === uri) {
      this.block.abort();
      this.hooks.log('dismissed: the rest of the block stops');
    }
  }

  forget(uri: string): void {
    this.prompts.forget(uri);
    this.recent.delete(uri);
    this.changes.delete(uri);
    this.engine?.forget?.(uri); // its KV cache (prism.cacheDocuments)
  }

  /** Loads the model once; a failed load is retried after 30 s or a settings change. */
  async ensureEngine(): Promise<EngineLike> {
    if (this.engine && this.engine.running === false) {
      this.hooks.log('the engine stopped; restarting it');
      this.engine = undefined;
      this.stats.modelLoaded = false;
    }
    if (this.engine) return this.engine;
    if (this.loading) return this.loading;
    const s = this.settings;
    const key = this.engineKey(s);
    if (this.loadError && this.loadError.key === key && Date.now() - this.loadError.at < 30_000) throw new Error(this.loadError.message);
    if (s.backend === 'remote') return this.startRemote(s, key);
    const modelPath = this.hooks.modelPath(s);
    this.hooks.status({ state: 'loading', message: `loading ${path.basename(modelPath)}` });
    this.hooks.log(`loading ${modelPath} (device ${s.device}, threads ${s.threads || 'all'}, numerics ${s.numerics})`);
    const graph = s.numerics === 'int8' ? { accuracyLevel: 4, head: 'int8' as const } : { accuracyLevel: 0, head: 'f32' as const };
    // Trees are exact only with the tree-exact attention (1-7% slower per run): loaded when asked for.
    const attention = s.draft.tree === 'chain' ? 'fast' as const : 'tree-exact' as const;
    this.loading = this.factory({ modelPath, device: s.device, threads: s.threads || undefined, graph: { ...graph, attention }, exact: true, spin: SERVER_SPIN }, this.hooks.log).then((e) => {
      this.engine = e;
      this.loading = undefined;
      this.stats.modelLoaded = true;
      this.hooks.log(`loaded ${path.basename(e.info.modelPath)} on ${e.info.device} in ${Math.round(e.info.loadMs)} ms (${e.info.fim ? 'fill-in-the-middle prompts' : 'prefix-only prompts: the model has no FIM tokens'})`);
      this.hooks.status({ state: 'idle', model: path.basename(e.info.modelPath), backend: '', drafter: this.settings.draft.mode });
      void this.indexWorkspace(e);
      return e;
    }, (err: Error) => {
      this.loading = undefined;
      this.loadError = { message: err.message, at: Date.now(), key };
      this.hooks.log(`load failed: ${err.message}`);
      this.hooks.status({ state: 'error', message: err.message });
      throw err;
    });
    return this.loading;
  }

  /** What the engine depends on: a change reloads it. */
  private engineKey(s: Settings): string {
    return s.backend === 'remote'
      ? JSON.stringify(['remote', s.remote])
      : JSON.stringify([this.hooks.modelPath(s), s.device, s.threads, s.numerics, s.draft.tree]);
  }

  /** The remote backend: nothing to load, no network until the first completion request. */
  private startRemote(s: Settings, key: string): EngineLike {
    try {
      const e = new RemoteEngine({ ...s.remote, apiKey: this.hooks.apiKey?.() }, this.hooks.log);
      this.engine = e;
      this.stats.modelLoaded = true;
      this.hooks.log(`remote backend: ${s.remote.url}${s.remote.model ? `, model ${s.remote.model}` : ''} (api ${s.remote.api}${this.hooks.apiKey?.() ? ', with an API key' : ''})`);
      this.hooks.status({ state: 'idle', model: s.remote.model || 'server default', backend: s.remote.url, drafter: 'none' });
      return e;
    } catch (err) {
      this.loadError = { message: (err as Error).message, at: Date.now(), key };
      this.hooks.log((err as Error).message);
      this.hooks.status({ state: 'error', message: (err as Error).message });
      throw err;
    }
  }

  /**
   * Builds the repository datastore from the workspace folders, in the background (the worker
   * tokenizes in slices between completions). Disabled: the datastore is emptied.
   */
  async indexWorkspace(e: EngineLike): Promise<void> {
    const s = this.settings;
    const roots = this.hooks.workspaceRoots?.() ?? [];
    if (!e.index || roots.length === 0) return;
    const t0 = performance.now();
    try {
      if (!s.datastore.enable) { await e.index([], true); this.stats.datastoreTokens = 0; return; }
      const scan = await scanWorkspace(roots, s, s.datastore.maxMB * 2 ** 20);
      if (this.engine !== e || storeKey(this.settings) !== storeKey(s)) return; // reloaded or changed meanwhile (that change indexes again)
      const st = await e.index(scan.files, true);
      this.stats.datastoreTokens = st.tokens;
      const capped = scan.truncated ? `; capped at prism.datastore.maxMB = ${s.datastore.maxMB}` : '';
      this.hooks.log(`datastore: ${st.files} files (${scan.how}${capped}), ${st.tokens} tokens, ${(st.bytes / 2 ** 20).toFixed(1)} MiB, ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      this.hooks.log(`datastore: ${(err as Error).message}`);
    }
  }

  /** A document changed: once its edits settle (1.5 s), the datastore gets its new text. */
  documentChanged(doc: { uri: string; languageId: string }, text: () => string): void {
    this.changes.set(doc.uri, { before: this.changes.get(doc.uri)?.now, now: text() });
    this.leftBlock(doc.uri, text);
    const s = this.settings;
    if (!s.datastore.enable || !doc.uri.startsWith('file://')) return;
    const fsPath = decodeURIComponent(doc.uri.slice(7));
    const roots = this.hooks.workspaceRoots?.() ?? [];
    if (!roots.some((r) => fsPath.startsWith(r.endsWith(path.sep) ? r : r + path.sep))) return;
    if (!enabledFor(s, doc.languageId, fsPath)) return;
    clearTimeout(this.edits.get(doc.uri));
    this.edits.set(doc.uri, setTimeout(() => {
      this.edits.delete(doc.uri);
      const now = text();
      if (now.length > s.maxFileBytes || now.includes('\u0000')) return;
      this.engine?.index?.([{ path: fsPath, text: now }], false).catch((err: Error) => this.hooks.log(`datastore: ${err.message}`));
    }, this.hooks.editSettleMs ?? 1500));
  }

  /**
   * A block decoding on after its reply (or a cut line being finished) stops when the user types
   * a first character other than its own there: the client's cache could not match its rest, and
   * the request that keystroke brings would otherwise wait for the block's run under way. Typing
   * that follows the ghost text, edits elsewhere and deletions leave it running.
   */
  private leftBlock(uri: string, text: () => string): void {
    const at = this.blockAt;
    if (!at || at.ctl !== this.block || at.uri !== uri || at.ctl.signal.aborted) return;
    const now = text();
    if (now.length <= at.before.length + at.after.length || !now.startsWith(at.before) || !now.endsWith(at.after)) return;
    if (now[at.before.length] === at.shown[0]) return;
    at.ctl.abort();
    this.hooks.log('typed past the ghost text: the rest of the block stops');
  }

  /** Whether completions run in this document (language, exclusions, size, binary: said once). */
  private admits(doc: DocState): boolean {
    const s = this.settings;
    const fsPath = doc.uri.startsWith('file://') ? decodeURIComponent(doc.uri.slice(7)) : doc.uri;
    if (!enabledFor(s, doc.languageId, fsPath)) return false;
    const name = path.basename(fsPath);
    if (doc.text.length > s.maxFileBytes) {
      this.warnOnce(`big:${doc.uri}`, `${name} is ${(doc.text.length / 1e6).toFixed(1)} MB, over prism.maxFileBytes (${(s.maxFileBytes / 1e6).toFixed(1)} MB): no completions in it; raise the setting to allow them`);
      return false;
    }
    if (doc.text.includes('\u0000')) {
      this.warnOnce(`bin:${doc.uri}`, `${name} looks binary (it contains NUL characters): no completions in it`);
      return false;
    }
    return true;
  }

  /**
   * A document became active with its cursor at `offset` (or a moved cursor rests there): load
   * the model if needed and prefill the prompt a completion there would use, at the lowest
   * priority (skipped while a request runs; cancelled by any new request or newer warm-up, the
   * engine keeping the chunks it computed). The first completion there then reuses the cache like
   * later ones. A remote backend is warmed on activation only: a rest would cost the team's
   * server a request per move.
   */
  async prefill(doc: DocState, offset: number, reason: 'active' | 'rest' | 'move' = 'active'): Promise<void> {
    const s = this.settings;
    if (reason !== 'move') { this.cancelIdleMove(); this.cancelLineFinish(); }
    // A completion in flight wins; an older warm-up gives way (the cursor has moved on), and so
    // does a block decoding on after its reply: the user went to another document, or moved the
    // cursor (typing's moves are not rests). Left running, it skipped this warm-up, and the first
    // keystroke there computed the whole prompt.
    const blockGives = reason !== 'move' && this.current !== undefined && this.current === this.block;
    if (!s.enable || (this.current && this.current !== this.warmUp && !blockGives) || !this.admits(doc)) return;
    if (reason === 'rest' && this.engine?.info.remote) return;
    this.current?.abort(blockGives && this.currentUri !== doc.uri ? ABORT_ELSEWHERE : undefined);
    const ctl = new AbortController();
    this.current = ctl;
    this.warmUp = ctl;
    this.currentUri = doc.uri;
    let back = false;
    try {
      const engine = await this.ensureEngine();
      if (ctl.signal.aborted || (engine.info.remote && reason !== 'active')) return;
      // A document that fits one prompt is warmed whole when it becomes active, a longer one
      // opened at its top ((0, 0), where VS Code opens a file and the cursor's own prompt is
      // empty) from its start to the end of the budget: every prompt of a cursor in it, or on the
      // first screens of the longer one, is then a prefix of what the cache holds, and a click
      // there then Enter computes a token or two. Counted there first (a long document's density
      // is learned from a prompt). A remote server gets the cursor's prompt.
      const topEnd = (): number | undefined => reason === 'active' && !engine.info.remote ? this.prompts.topEnd(doc.uri, doc.text, offset, this.fimFor(engine), this.header(engine, doc), doc.languageId) : undefined;
      await this.countOnce(engine, doc, doc.text, topEnd() ?? offset, ctl.signal);
      const top = topEnd();
      const prompt = this.buildPrompt(engine, doc, doc.text, top ?? offset, reason === 'move' ? 'move' : top !== undefined ? 'top' : 'ask');
      // PRISM_MOVE_SPARE=0 (benchmarks compare): the start moves now, into the cache typing uses.
      const spare = reason === 'move' && process.env.PRISM_MOVE_SPARE !== '0';
      if (reason === 'move' && !spare) this.prompts.commitMove(doc.uri);
      if (prompt.text.length === 0 || ctl.signal.aborted) return;
      this.viewed(doc.uri, doc.text, offset);
      // Remote: a one-token request with the same prompt, which servers that cache prompts keep.
      const r = await engine.complete({
        prompt: prompt.text, allowSpecial: prompt.allowSpecial, maxTokens: s.maxTokens,
        heal: s.tokenHealing && prompt.mode === 'prefix', prefillOnly: true, ...this.cacheFor(engine, doc.uri),
        // A moved start's prompt goes into a second cache: the old one serves typing until it is whole.
        ...(spare ? { spare: true } : {}),
        // A head reads the taps of every cached position: without them its first request would
        // run the whole prompt again (2.8 s on a 1,200-token file, docs/BENCHMARKS.md).
        keepTaps: !engine.info.remote && this.policyFor(engine).mayUseHead(),
        // and gets that head ready: loaded (its graphs' sessions, ~0.5 s the first time) and its
        // own cache filled from the prompt, so that the first completion pays for neither.
        draft: engine.info.remote ? undefined : this.policyFor(engine).warmDraft(),
        parts: engine.info.remote ? { prefix: prompt.text, suffix: prompt.suffix, extra: this.extraFor(doc.uri) } : undefined,
      }, { signal: ctl.signal });
      if (r.finishReason === 'cancelled') return;
      if (spare) this.prompts.commitMove(doc.uri);
      this.stats.prefills++;
      this.stats.prefillTokens += r.timings.prefillTokens;
      // A cursor that rests where the cache already is costs one token: not worth a line.
      const why = reason === 'move' ? ' (the prompt\'s start moved while the user paused)' : '';
      if (r.timings.prefillTokens > 1) this.hooks.log(`prefill: ${r.timings.promptTokens} prompt tokens (${r.timings.reusedTokens} reused) in ${Math.round(r.timings.prefillMs)} ms for ${path.basename(doc.uri)}${why}`);
      // A short start (or one due to move) placed by this warm-up moves back now, while the user
      // still reads: the full prompt goes into a second cache, and a keystroke meanwhile finds the short one.
      back = reason !== 'move' && !engine.info.remote && this.prompts.moveDue(doc.uri, doc.text, offset, this.fimFor(engine), this.header(engine, doc), doc.languageId);
    } catch {
      // A failed load already said why; a failed prefill costs nothing but time.
    } finally {
      if (this.current === ctl) this.current = undefined;
    }
    if (back && this.current === undefined) await this.prefill(doc, offset, 'move');
  }

  /** A remote server's prompts are never short: its prefill is cheap, and each request costs it one. */
  private buildPrompt(engine: EngineLike, doc: DocState, text: string, offset: number, kind: BuildKind = 'ask'): BuiltPrompt {
    return this.prompts.build(doc.uri, text, offset, this.fimFor(engine), this.header(engine, doc), doc.languageId, kind === 'ask' && engine.info.remote ? 'full' : kind);
  }

  /**
   * After a completion, when the prompt's start is due to move (PromptBuilder.moveDue: the prefix
   * past its budget while the user typed on), and the user pauses `idleMoveMs` with nothing asked
   * and the document unchanged: the start moves now and the new prompt is warmed, as a resting
   * cursor's is. Otherwise the keystroke that outgrows the margin recomputes it (~717 tokens).
   */
  private scheduleIdleMove(engine: EngineLike, doc: DocState, offset: number, versionNow: () => number | undefined): void {
    this.cancelIdleMove();
    const ms = this.hooks.idleMoveMs ?? IDLE_MOVE_MS;
    if (ms <= 0 || engine.info.remote || this.engine !== engine) return;
    if (!this.prompts.moveDue(doc.uri, doc.text, offset, this.fimFor(engine), this.header(engine, doc), doc.languageId)) return;
    this.idleMove = setTimeout(() => {
      this.idleMove = undefined;
      if (this.current || this.engine !== engine || versionNow() !== doc.version) return;
      void this.prefill(doc, offset, 'move');
    }, ms);
  }

  private cancelIdleMove(): void {
    clearTimeout(this.idleMove);
    this.idleMove = undefined;
  }

  private fimFor(engine: EngineLike): FimTokens | 'parts' | undefined {
    return engine.info.fim ? engine.info.fimTokens : engine.info.remote ? 'parts' : undefined;
  }

  /**
   * A document the engine has not counted: its tokens counted before its first prompt (a few ms
   * in the engine, nothing run; the whole text up to COUNT_WHOLE_CHARS, else the prompt the
   * estimate places), so that the prompt's start is placed at the document's own chars per token
   * rather than its language's. Engines that cannot count (remote servers) are not asked.
   */
  private async countOnce(engine: EngineLike, doc: DocState, text: string, offset: number, signal: AbortSignal): Promise<void> {
    if (!engine.count || this.ratio.knows(doc.uri)) return;
    if (text.length <= COUNT_WHOLE_CHARS) {
      if (text.length > 0) this.ratio.observe(text.length, await engine.count(text, false, signal), doc.uri, doc.languageId);
      return;
    }
    const placed = this.prompts.placed(doc.uri);
    const prompt = this.buildPrompt(engine, doc, text, offset);
    if (prompt.text.length === 0) return;
    this.ratio.observe(prompt.text.length, await engine.count(prompt.text, prompt.allowSpecial, signal), doc.uri, doc.languageId);
    // Counted where the estimate placed it; placed again at the document's ratio.
    if (!placed) this.prompts.forget(doc.uri, false);
  }

  /**
   * Inline completion items for a request, [] for none; never throws. With `rest` (and
   * prism.progressive), a block replies as soon as its first line is written (or where an open
   * first line's budget runs out) and decoding goes on in the background: `rest` gets the whole
   * block when it is done, if it differs from the reply (replaces()) and no newer request came (a newer request stops
   * it, as it stops any running request).
   */
  async complete(doc: DocState, req: InlineRequest, cancelled: { isCancellationRequested: boolean; onCancellationRequested(f: () => void): unknown }, versionNow: () => number | undefined, rest?: (items: InlineItem[]) => void): Promise<InlineItem[]> {
    this.stats.requests++;
    this.cancelIdleMove();
    this.cancelLineFinish();
    if (!this.admits(doc)) return [];
    // The newest request wins: the engine stops the older one at its next decode step. One for
    // another document stops at once, where one here lets the older settle the prompt they share.
    this.current?.abort(this.currentUri !== doc.uri ? ABORT_ELSEWHERE : undefined);
    const ctl = new AbortController();
    this.current = ctl;
    this.currentUri = doc.uri;
    cancelled.onCancellationRequested(() => ctl.abort());
    let engine: EngineLike;
    try {
      engine = await this.ensureEngine();
    } catch {
      return [];
    }
    if (ctl.signal.aborted) { this.stats.cancelled++; return []; }
    const t0 = performance.now();
    let background = false;
    let unfinished: Promise<InlineItem[]> | undefined;
    const ran: RunInfo = { cut: false };
    try {
      let early: ((items: InlineItem[]) => void) | undefined;
      const first = rest && this.settings.progressive ? new Promise<{ items: InlineItem[]; whole: false }>((r) => { early = (items) => r({ items, whole: false }); }) : undefined;
      const whole = this.run(engine, doc, req, ctl.signal, early, ran);
      const reply = first ? await Promise.race([whole.then((items) => ({ items, whole: true })), first]) : { items: await whole, whole: true };
      if (!reply.whole) unfinished = whole;
      const items = reply.items;
      if (ctl.signal.aborted || cancelled.isCancellationRequested) { this.stats.cancelled++; return []; }
      if (versionNow() !== doc.version) { this.stats.stale++; return []; }
      const ms = performance.now() - t0;
      this.stats.lastLatencyMs = ms;
      if (items.length === 0) this.stats.empty++;
      else {
        this.stats.completed++;
        // The status bar shows how soon the ghost text came (a block: its first line).
        this.hooks.status({ state: reply.whole ? 'idle' : 'generating', ghostMs: Math.round(ms) });
      }
      if (!reply.whole && rest) {
        this.stats.firstLines++;
        this.hooks.log(`replied with the beginning (${items[0]?.insertText.length ?? 0} characters) in ${Math.round(ms)} ms; the rest follows when done`);
        background = true;
        this.block = ctl;
        this.blockAt = { ctl, uri: doc.uri, before: doc.text.slice(0, req.offset), after: doc.text.slice(req.offset), shown: items[0]?.insertText ?? '' };
        void this.finishEarly(whole, items[0] as InlineItem, ctl, rest).then((shown) => {
          this.afterCompletion(engine, doc, req, ctl, versionNow);
          // A block the completion's time budget cut: finished at the next pause, as a cut line is.
          if (shown && ran.cut) this.scheduleLineFinish(engine, doc, req, shown, versionNow, rest);
        });
      } else if (ran.cut && rest && this.settings.progressive && items[0]) {
        this.scheduleLineFinish(engine, doc, req, items[0], versionNow, rest);
      }
      return items;
    } catch (e) {
      this.failed(e);
      return [];
    } finally {
      if (!background && unfinished) {
        // A first line nobody will see (cancelled, or the document changed): its block stops too.
        ctl.abort();
        unfinished.catch(() => undefined);
      }
      if (!background && this.current === ctl) this.current = undefined;
      if (!background) this.afterCompletion(engine, doc, req, ctl, versionNow);
    }
  }

  /**
   * The document's latest change was a line break with the indentation before the cursor, at the
   * end of the line before (Enter, the indentation the editor's): not indentation the user typed.
   */
  private enteredHere(uri: string, text: string, lineStart: number, offset: number): boolean {
    const c = this.changes.get(uri);
    if (!c || c.before === undefined || c.now !== text || lineStart < 1) return false;
    return c.before.length === text.length - (offset - lineStart + 1) && c.before.startsWith(text.slice(0, lineStart - 1)) && c.before.endsWith(text.slice(offset));
  }

  /**
   * A reply a time budget cut: mostly a line at the first-line budget (the user typing on mostly
   * stops it there), sometimes a block at the completion's (a prefill beside the editor's own
   * language server took the time). When the user pauses `lineRestMs` with nothing asked and the
   * document unchanged, it is decoded again without the first-line budget (the cache's earlier
   * output drafts what was already shown) and its whole is sent as the reply's rest, as a block's
   * is. A request or a warm-up stops it.
   */
  private scheduleLineFinish(engine: EngineLike, doc: DocState, req: InlineRequest, line: InlineItem, versionNow: () => number | undefined, rest: (items: InlineItem[]) => void): void {
    this.cancelLineFinish();
    const ms = this.hooks.lineRestMs ?? LINE_REST_MS;
    if (ms <= 0) return;
    this.stats.linesCut++;
    this.lineFinish = setTimeout(() => {
      this.lineFinish = undefined;
      void this.finishLine(engine, doc, req, line, versionNow, rest);
    }, ms);
  }

  private cancelLineFinish(): void {
    clearTimeout(this.lineFinish);
    this.lineFinish = undefined;
  }

  private async finishLine(engine: EngineLike, doc: DocState, req: InlineRequest, line: InlineItem, versionNow: () => number | undefined, rest: (items: InlineItem[]) => void): Promise<void> {
    if (this.current || this.engine !== engine || versionNow() !== doc.version) { this.stats.lineFinishes++; return; }
    const ctl = new AbortController();
    this.current = ctl;
    this.block = ctl;
    this.blockAt = req.selected ? undefined : { ctl, uri: doc.uri, before: doc.text.slice(0, req.offset), after: doc.text.slice(req.offset), shown: line.insertText };
    this.currentUri = doc.uri;
    const t0 = performance.now();
    try {
      const items = await this.run(engine, doc, req, ctl.signal, undefined, { cut: false, finish: true });
      const whole = items[0];
      if (ctl.signal.aborted || versionNow() !== doc.version || !replaces(whole, line)) return;
      this.stats.continuations++;
      this.hooks.log(`finished at rest in ${Math.round(performance.now() - t0)} ms (${line.insertText.length} -> ${whole.insertText.length} characters)`);
      rest([whole]);
    } catch (e) {
      this.failed(e);
    } finally {
      this.stats.lineFinishes++;
      if (this.current === ctl) this.current = undefined;
      if (this.block === ctl) { this.block = undefined; this.blockAt = undefined; }
    }
    this.afterCompletion(engine, doc, req, ctl, versionNow);
  }

  /** A completion that ran to its end (not replaced): its document's prompt start may move while the user pauses. */
  private afterCompletion(engine: EngineLike, doc: DocState, req: InlineRequest, ctl: AbortController, versionNow: () => number | undefined): void {
    if (!ctl.signal.aborted && this.current === undefined && !req.selected) this.scheduleIdleMove(engine, doc, req.offset, versionNow);
  }

  /**
   * The whole of an early reply: sent on when done, if it differs from the reply (replaces()) and no newer request
   * came. Edits since are the client's to judge: its cache matches the block at the
   * request's point against the text typed since (typing through the first line still matches).
   * Returns what the user was last sent (the block, or the early reply), undefined once stopped.
   */
  private async finishEarly(whole: Promise<InlineItem[]>, line: InlineItem, ctl: AbortController, rest: (items: InlineItem[]) => void): Promise<InlineItem | undefined> {
    try {
      const items = await whole;
      const block = items[0];
      if (ctl.signal.aborted) return undefined;
      if (!replaces(block, line)) return line;
      this.stats.continuations++;
      rest([block]);
      return block;
    } catch (e) {
      this.failed(e);
      return undefined;
    } finally {
      if (this.current === ctl) this.current = undefined;
      if (this.block === ctl) { this.block = undefined; this.blockAt = undefined; }
    }
  }

  private failed(e: unknown): void {
    this.stats.errors++;
    const msg = (e as Error).message ?? String(e);
    this.hooks.log(`completion failed: ${msg}`);
    this.hooks.status({ state: 'error', message: msg });
  }

  /**
   * The items for a request. `early`: the first, greedy alternative of a block (no IntelliSense
   * item selected) calls it with its beginning, shaped: its first line once written, or an open
   * first line where its budget ran out (firstLineWatch). `info.cut`: set when the first alternative
   * ended where a time budget ran out; `info.finish`: a cut line finished (scheduleLineFinish):
   * greedy only, without the first-line budget.
   */
  private async run(engine: EngineLike, doc: DocState, req: InlineRequest, signal: AbortSignal, early?: (items: InlineItem[]) => void, info: RunInfo = { cut: false }): Promise<InlineItem[]> {
    const s = this.settings;
    // With an IntelliSense item selected, complete as if it were accepted, and extend it over its range.
    const sel = req.selected;
    const text = sel ? doc.text.slice(0, sel.start) + sel.text + doc.text.slice(sel.end) : doc.text;
    const offset = sel ? sel.start + sel.text.length : req.offset;
    const cursor = cursorContext(text, offset);
    // At a line's end (an accepted item's, or the user's own line as they type it): where the model
    // ends the line, the line break and what Enter would get there (the next line first, its block
    // as the rest), so that it shows without a keystroke and Enter finds it in the client's cache;
    // where the model goes on in the line, that line, as in mode 'single' (docs/BENCHMARKS.md, "The
    // next line after Tab", "The next line at a typed line's end").
    const base = lineMode(cursor, s.multiline);
    const next = !sel && base === 'single' && s.multiline !== 'never' && cursor.lineSuffix.trim() === '' && cursor.linePrefix.trim() !== '';
    const mode: LineMode = next ? 'next' : base;
    // Enter after a statement: the editor kept the line before's indentation; the prompt ends at
    // the line's start and the model writes the indentation it wants (a closing `}`, a dedent
    // after a block), the item replacing the editor's (docs/BENCHMARKS.md, "Enter at the end of a block").
    const lineStart = offset - cursor.linePrefix.length;
    const own = !sel && mode !== 'next' && !engine.info.remote && (this.hooks.ownIndent ?? true) && ownIndentAt(text, offset, cursor) && this.enteredHere(doc.uri, text, lineStart, offset);
    // A fence line the model writes in code (not Markdown, none in the document) ends the text.
    const keepFences = fencesAreOwn(doc.languageId, text);
    await this.countOnce(engine, doc, text, offset, signal);
    const prompt = own ? this.buildPrompt(engine, doc, text.slice(0, lineStart) + text.slice(offset), lineStart) : this.buildPrompt(engine, doc, text, offset);
    if (prompt.text.length === 0 || signal.aborted) return [];
    this.remember(doc.uri, text, offset);
    const alternatives = req.triggerKind === 1 && !info.finish ? 3 : 1;
    const out: InlineItem[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < alternatives && !signal.aborted; i++) {
      const request: CompletionRequest & { parts?: RemoteParts } = {
        prompt: prompt.text, allowSpecial: prompt.allowSpecial, maxTokens: s.maxTokens,
        // Own indentation on a line that ends at its line break: empty lines first are no stop.
        stop: stopsFor(mode, keepFences), ...(mode === 'next' || (own && mode === 'single') ? { stopAfterContent: true } : {}), timeBudgetMs: s.timeBudgetMs, ...this.cacheFor(engine, doc.uri),
        // Taps kept whatever this request drafts with, where the policy may draft with a head
        // later: auto's switch from lookup or plain decoding to the head recomputes nothing.
        keepTaps: !engine.info.remote && this.policyFor(engine).mayUseHead(),
        ...(s.firstLineBudgetMs > 0 && !info.finish ? { firstLineBudgetMs: s.firstLineBudgetMs } : {}),
        // The first alternative is greedy (and speculative); the others are samples.
        sampling: i === 0 ? undefined : { temperature: 0.7, topK: 40, topP: 0.95, seed: i },
        draft: engine.info.remote ? undefined : this.policyFor(engine).choose(),
        heal: s.tokenHealing && prompt.mode === 'prefix',
        // A selected IntelliSense item that completes the typed word is a whole identifier: the
        // ghost text goes on after it, not inside it. An item that only repeats what is typed
        // ("no" for "no") chose nothing: the model may still spell "not" there.
        wordEnd: sel !== undefined && isWordChar(sel.text, sel.text.length - 1) && sel.text !== doc.text.slice(sel.start, sel.end),
        parts: engine.info.remote ? { prefix: prompt.text, suffix: prompt.suffix, extra: this.extraFor(doc.uri) } : undefined,
      };
      this.hooks.status({ state: 'generating' });
      // Progressive: the first, greedy alternative of a block replies with what it has at its first
      // line break, or where an open first line's budget runs out, and decodes on (complete()). A
      // single line ends at its budget: decoding on at once cost 15% more CPU in the typing trace,
      // where the next keystroke mostly stops it (docs/BENCHMARKS.md); it is finished when the
      // user pauses instead (scheduleLineFinish).
      const progressive = early !== undefined && i === 0 && !sel && mode !== 'single';
      // At a line's end (mode 'next') the first line is mostly the one being typed: cut at its
      // budget as a single line is; a line break first leaves no line open for the budget.
      if (progressive && mode === 'multi' && request.firstLineBudgetMs !== undefined) request.firstLineEarly = true;
      const place = (raw: string, shape: ShapeOptions = {}): { text: string; before: number } | undefined => {
        const opts = { ...shape, keepFences };
        if (own) return shapeOwnIndent(raw, cursor, mode, opts);
        const t = shapeCompletion(raw, cursor, mode, opts);
        return t ? { text: t, before: 0 } : undefined;
      };
      const onText = progressive ? firstLineWatch(mode, place, (line) => early?.([{ insertText: line.text, start: req.offset - line.before, end: req.offset + replacedAfter(cursor.linePrefix, line.text, cursor.lineSuffix) }])) : undefined;
      const r = await this.completeWithFallback(engine, request, signal, onText);
      this.observe(engine, r, request, prompt.text.length, doc);
      if (r.finishReason === 'cancelled') return [];
      if (i === 0 && r.finishReason === 'time') info.cut = true;
      const placed = place(r.text, { open: r.finishReason === 'length' });
      const shaped = placed?.text ?? '';
      this.hooks.explain?.({ prompt: prompt.text, raw: r.text, shaped, finish: r.finishReason, mode });
      if (!shaped || seen.has(shaped)) continue;
      seen.add(shaped);
      // The closers the editor put after the cursor that the completion writes itself are replaced.
      const start = sel ? sel.start : req.offset - (placed?.before ?? 0);
      const end = (sel ? sel.end : req.offset) + replacedAfter(cursor.linePrefix, shaped, cursor.lineSuffix);
      out.push({ insertText: (sel ? sel.text : '') + shaped, start, end });
    }
    return out;
  }

  /** A document was looked at (it became active, or a benchmark says so): its cursor's lines join the recent chunks. */
  viewed(uri: string, text: string, offset: number): void { this.remember(uri, text, offset); }

  /**
   * Cross-file context for local models (prism.crossFileContext): the recent chunks of other
   * documents, oldest first, each under a line-comment naming its file, at most a quarter of the
   * prompt budget. Stable while the user types in one document (the chunks change only when
   * another document is used), so the KV cache keeps its prefix.
   */
  private header(engine: EngineLike, doc: DocState): string {
    if (engine.info.remote || (!this.settings.crossFileContext && !this.hooks.nameHeader)) return '';
    const comment = lineComment(doc.languageId);
    // The document's own name, after other files' snippets (or alone: the benchmark's experiment).
    const name = `${comment} ${path.basename(decodeURIComponent(doc.uri))}\n`;
    if (!this.settings.crossFileContext) return name;
    const budget = Math.floor(this.settings.contextTokens * this.ratio.get(doc.uri, doc.languageId) * 0.25);
    let out = '';
    for (const c of this.extraFor(doc.uri)) {
      const block = `${comment} ${path.basename(c.filename)}\n${c.text.replace(/\s+$/, '')}\n\n`;
      if (out.length + block.length > budget) break;
      out += block;
    }
    return out ? `${out}${name}` : '';
  }

  /** Keeps the 32 lines around the cursor of a document as a chunk for other documents' prompts. */
  private remember(uri: string, text: string, offset: number): void {
    // The cursor's line with 16 lines before it and 15 after, found by scanning from the cursor
    // (this runs on every request: no split of the whole document). lastIndexOf reads a negative
    // position as 0, hence the guards.
    let start = offset > 0 ? text.lastIndexOf('\n', offset - 1) + 1 : 0;
    for (let n = 0; n < 16 && start > 0; n++) start = start >= 2 ? text.lastIndexOf('\n', start - 2) + 1 : 0;
    let end = text.indexOf('\n', offset);
    for (let n = 0; n < 15 && end >= 0; n++) end = text.indexOf('\n', end + 1);
    const chunk = text.slice(start, end < 0 ? text.length : end);
    this.recent.delete(uri);
    this.recent.set(uri, { filename: decodeURIComponent(uri.replace(/^file:\/\//, '')), text: chunk.length > 4000 ? chunk.slice(0, 4000) : chunk });
    while (this.recent.size > 4) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Chunks of up to three other recently used documents, oldest first (stable while typing here). */
  private extraFor(uri: string): { filename: string; text: string }[] {
    return [...this.recent.entries()].filter(([u]) => u !== uri).slice(-3).map(([, c]) => c);
  }

  /** A local model keeps the prompts of the last prism.cacheDocuments documents (each its own KV cache). */
  private cacheFor(engine: EngineLike, uri: string): { cacheKey?: string; cacheSlots?: number } {
    return engine.info.remote ? {} : { cacheKey: uri, cacheSlots: this.settings.cacheDocuments };
  }

  /** The drafting policy for this engine's model and the current draft settings. */
  private policyFor(engine: EngineLike): DraftPolicy {
    const d = this.settings.draft;
    const key = JSON.stringify([engine.info.modelPath, engine.info.exact, engine.info.treesExact, d]);
    if (this.policy?.key !== key) {
      this.policy = { key, policy: new DraftPolicy({ ...d, modelPath: engine.info.modelPath, chainsOnly: engine.info.exact && engine.info.treesExact !== true, padded: engine.info.exact, headPath: this.hooks.headPath, warn: (k, m) => this.warnOnce(k, m) }) };
    }
    return this.policy.policy;
  }

  private async completeWithFallback(engine: EngineLike, request: CompletionRequest, signal: AbortSignal, onText?: (delta: string, early?: boolean) => void): Promise<CompletionResult> {
    try {
      return await engine.complete(request, { signal, onText });
    } catch (e) {
      const draft = this.policyFor(engine).fallback(request.draft);
      if (!draft) throw e;
      const msg = (e as Error).message;
      this.hooks.log(`draft head failed: ${msg}`);
      this.hooks.status({ state: 'error', message: `${msg} (completing without it)` });
      return engine.complete({ ...request, draft }, { signal, onText });
    }
  }

  private observe(engine: EngineLike, r: CompletionResult, request: CompletionRequest, promptChars: number, doc: DocState): void {
    const t = r.timings;
    this.stats.promptTokens += t.promptTokens;
    this.stats.reusedTokens += t.reusedTokens;
    // A remote server's count also covers what its request carries beside the prompt (the
    // suffix, other files' chunks): it teaches the overall ratio only, as before.
    if (engine.info.remote) this.ratio.observe(promptChars, t.promptTokens);
    else this.ratio.observe(promptChars, t.promptTokens, doc.uri, doc.languageId);
    if (!engine.info.remote) this.policyFor(engine).observe(request.draft, r, request.sampling !== undefined);
    this.stats.drafter = r.spec?.drafter ?? 'none';
    const server = engine instanceof RemoteEngine ? engine.last : undefined;
    if (server) this.stats.serverMs = server.httpMs;
    this.hooks.status({
      state: 'idle', lastLatencyMs: Math.round(t.totalMs), serverMs: server ? Math.round(server.httpMs) : undefined, tokensPerS: Math.round(t.decodeTokensPerS * 10) / 10,
      tau: r.spec ? Math.round(r.spec.tau * 100) / 100 : undefined, drafter: this.stats.drafter,
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
    const rec = r.spec?.sources?.recent;
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const earlier = rec ? `; ${rec.runs} from earlier output, ${sum(rec.depthAccepted)} of ${sum(rec.depthReached)} accepted` : '';
    const spec = r.spec ? `, ${r.spec.drafter} (${draftLabel(request.draft)}) tau ${r.spec.tau.toFixed(2)} (draft ${Math.round(r.spec.draftMs)}, verify ${Math.round(r.spec.verifyMs)} ms in ${r.spec.targetRuns} runs${earlier})` : '';
    this.hooks.log(`completion: ${t.promptTokens} prompt tokens (${t.reusedTokens} reused), ${t.decodeTokens} generated in ${Math.round(t.totalMs)} ms (prompt ${Math.round(t.prefillMs)} ms), ${r.finishReason}${spec}`);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.hooks.log(message);
    this.hooks.status({ state: 'idle', message });
  }
}

/**
 * A document up to this long is counted whole, a longer one by its first prompt (new text
 * tokenizes at 2-4 characters per µs: 64,000 characters took 15-27 ms, a prompt ~1 ms).
 */
const COUNT_WHOLE_CHARS = 16_000;

/**
 * The pause after a completion before a prompt start due to move moves (scheduleIdleMove): longer
 * than a typist's pauses between keys and at most line ends (the typing trace's: 108-252 ms a key,
 * 0.7 s more after 60% of line ends), so that a keystroke seldom cancels the warm-up half done.
 */
const IDLE_MOVE_MS = 1000;

/**
 * The pause after a reply a time budget cut before it is finished (scheduleLineFinish): longer
 * than most of a typist's gaps between keys (the typing trace's 108-252 ms), so that typing on
 * seldom starts it only to stop it. Not tuned: 250 ms left the typing trace level (three pairs).
 */
const LINE_REST_MS = 250;

/**
 * A start placed where nothing is computed yet first holds 3/8 of the prompt budget (384 of 1,024
 * tokens, about half of the 717 a placed start holds): the keystroke that placed it waits for
 * those, and the start moves back while the user pauses. On 240 dev positions its first lines
 * were as right as the whole budget's (edit similarity -0.006, 95% interval -0.024 to +0.011);
 * 256-token prompts lost 0.047 (+-0.027) (docs/BENCHMARKS.md, "A file's first keystroke").
 */
const FIRST_SHARE = 0.375;

/**
 * How the target's onnxruntime threads wait in the language server: parked between ops ('off'),
 * where the command line spins within a run ('run', TargetOptions.spin). The server shares the
 * cores with the editor and its other language servers; a thread spinning for work takes CPU
 * from the one it waits for. Typing trace with one busy process beside the server (a language
 * server loading a project), two pairs: p50 / p95 104-107 / 214-216 ms parked against 124-130 /
 * 255-258 spinning, 484-490 against 376-403 of 640 keys with ghost text; without it level
 * (docs/BENCHMARKS.md, "Parked threads in the language server"). PRISM_ORT_SPIN overrides it.
 */
const SERVER_SPIN = 'off' as const;

/**
 * Whether a reply's whole (a block when done, a cut line finished) should replace what the user
 * was shown: it differs and is not empty. Both are the same greedy output, so a longer whole
 * extends what was shown, and a shorter one is the same text judged with its end known: a run
 * repeated in an unfinished line kept once, or a block ended at its last whole line (shape.ts).
 */
function replaces(whole: InlineItem | undefined, shown: InlineItem): whole is InlineItem {
  return whole !== undefined && whole.insertText.length > 0 && (whole.insertText !== shown.insertText || whole.end !== shown.end);
}

/** The settings the datastore's contents depend on. */
function storeKey(s: Settings): string {
  return JSON.stringify([s.datastore, s.languages, s.exclude, s.maxFileBytes]);
}

export function cursorContext(text: string, offset: number): CursorContext {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  const rest = text.slice(lineEnd + 1, lineEnd + 1 + 2000).split('\n').slice(0, 8);
  return { linePrefix: text.slice(lineStart, offset), lineSuffix: text.slice(offset, lineEnd).replace(/\r$/, ''), nextLines: lineEnd < text.length ? rest : [] };
}

/**
 * A stream watcher for the first reply of a progressive completion: calls `line` once with the text
 * so far, shaped as the whole will be (`shape`; nothing where it gives nothing), at the first of: a line break after the first line with
 * content, in a block (which may start with a line break: the cursor at the end of an opener's
 * line); the engine's mark where an open first line's budget ran out (`early`).
 */
export function firstLineWatch<T>(mode: LineMode, shape: (raw: string) => T | undefined, line: (shaped: T) => void): (delta: string, early?: boolean) => void {
  let raw = '';
  let done = false;
  return (delta, early) => {
    if (done) return;
    raw += delta;
    let upTo = early ? raw.length : -1;
    // A block (or, mode 'next', a line break and a block): at its first line with content.
    if (!early && mode !== 'single') {
      upTo = raw.indexOf('\n');
      while (upTo >= 0 && raw.slice(0, upTo).trim().length === 0) upTo = raw.indexOf('\n', upTo + 1);
    }
    if (upTo < 0) return;
    done = true;
    const shaped = shape(raw.slice(0, upTo));
    if (shaped) line(shaped);
  };
}
