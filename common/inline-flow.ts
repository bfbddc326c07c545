// The client's decision for each inline completion request, in the order the extension takes it:
// completions off, or several cursors: nothing; typing through a suggestion: the rest of it from
// the cache, at once; an automatic trigger: wait the adaptive debounce (a newer keystroke cancels
// it); then ask the server, measure the latency, cache the reply. vscode-free: the extension's
// middleware (extension/provider.ts) and the typing benchmark (server/bench/trace.ts) both run
// this, so the benchmark measures the client's real path.
import { type DocPoint, SuggestionCache } from './cache';
import { AdaptiveDebounce, type StopKey } from './debounce';

/** vscode's and vscode-jsonrpc's cancellation tokens both fit. */
export interface Cancellation { readonly isCancellationRequested: boolean }

/** Local acceptance counters (never sent anywhere). */
export interface Acceptance { shown: number; accepted: number; partial: number }

export interface FlowRequest {
  point: DocPoint;
  /** Triggered by typing (debounced), not by the user's explicit request. */
  automatic: boolean;
  /** A completion-list item is selected: the reply must extend it (the cache applies through `selectedTyped` only). */
  selectedItem?: boolean;
  /** That item's text: the whole of a reply to this request (prism/continuation) answers while it stays selected. */
  selected?: string;
  /**
   * The document's text from the selected item's range start to the cursor, where that range ends
   * at the cursor (the word typed so far): a cached ghost text that spells the item from there and
   * goes on past it still answers, over the item's range.
   */
  selectedTyped?: string;
  /** More than one cursor: inline completions would apply to one of them only. */
  multiCursor?: boolean;
  /** The request's identity (flowKey): a prism/continuation for it finds its point. */
  key?: string;
}

/** A request's identity as the server's prism/continuation names it. */
export function flowKey(uri: string, version: number, line: number, character: number): string {
  return `${uri}@${version}:${line}:${character}`;
}

export type FlowResult<T> =
  | { kind: 'off' | 'multi-cursor' | 'cancelled' }
  /**
   * replace: per item, characters after the cursor it replaces (closers the editor put there);
   * before: per item, characters before it (the line's indentation, where the model wrote its
   * own); absent: none.
   */
  | { kind: 'cache'; items: string[]; typed: string; replace?: number[]; before?: number[] }
  /** latencyMs: the server's round trip; waitedMs: from the request to the reply, debounce included (what the user waited). */
  | { kind: 'server'; items: T[]; latencyMs: number; waitedMs: number };

export interface FlowOptions<T = unknown> {
  /** Whether completions are on (the `prism.enable` setting). */
  enabled?: () => boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The characters an item's range covers on its line from its start (an empty or absent range:
   * 0): a server item that replaces closers after the cursor (or a selected item's range) has one.
   */
  rangeOf?: (item: T) => number;
  /**
   * The character an item's single-line range starts at (undefined: none): before the cursor
   * where it replaces the line's indentation with the model's (the server's own indentation
   * after Enter).
   */
  startOf?: (item: T) => number | undefined;
}

/** How soon after the extension triggers inline completions itself VS Code's invoked request is taken for that trigger (ms). */
export const OWN_TRIGGER_MS = 1000;

export class InlineFlow<T> {
  readonly cache = new SuggestionCache();
  debounce = new AdaptiveDebounce();
  readonly acceptance: Acceptance = { shown: 0, accepted: 0, partial: 0 };
  private readonly enabled: () => boolean;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly rangeOf: (item: T) => number;
  private readonly startOf: (item: T) => number | undefined;

  /** `textOf` gives an item's insert text (what the cache keeps). */
  constructor(readonly textOf: (item: T) => string, o: FlowOptions<T> = {}) {
    this.rangeOf = o.rangeOf ?? (() => 0);
    this.startOf = o.startOf ?? (() => undefined);
    this.enabled = o.enabled ?? (() => true);
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** `newlineMin` / `memberMin`: after Enter / a member access, ask at the shortest wait (DebounceOptions; default true). */
  setDebounce(ms: number | 'auto', newlineMin = true, memberMin = true): void {
    this.debounce = new AdaptiveDebounce(ms === 'auto' ? { minMs: 25, maxMs: 350, newlineMin, memberMin } : { minMs: ms, maxMs: ms, fixedMs: ms });
  }

  /** A document change (the typing rhythm the debounce adapts to); `stop`: the kind of stop it made (stopKey). */
  keystroke(stop?: StopKey): void {
    this.debounce.keystroke(this.now(), stop);
    this.afterNewline = stop === 'newline';
  }

  /** The last change put a line break in (Enter, with the editor's indentation): the cache may reindent (SuggestionCache.get). */
  private afterNewline = false;

  /**
   * The extension is about to ask VS Code for inline completions itself (after an accepted item,
   * for a block's whole, after a late start): the next request VS Code makes as invoked, within
   * OWN_TRIGGER_MS, is this one, not the user's Alt+\\, and asks the server as typing does (one
   * completion, not the alternatives of an explicit request).
   */
  triggered(): void {
    this.ownTriggerAt = this.now();
  }

  private ownTriggerAt = -Infinity;

  /**
   * VS Code's latest inline request was at `key` (flowKey) and invoked (Alt+\\, or the
   * extension's own ask). VS Code takes a second invoked trigger at the same place as answered by
   * that request and asks nothing (its InlineCompletionsSource.fetch: UpdateRequest.satisfies),
   * so the extension's ask there (a block's rest after its first line came by such a request)
   * must first drop that answer.
   */
  invokedAt(key: string): boolean {
    return this.latest !== undefined && this.latest.key === key && !this.latest.automatic;
  }

  private latest: { key: string; automatic: boolean } | undefined;

  /**
   * Decides one request; `ask` sends it to the server (with the same cancellation); `explicit`:
   * the user asked (an invoked request the extension did not trigger itself), so the server may
   * add alternatives.
   */
  async provide(req: FlowRequest, token: Cancellation, ask: (token: Cancellation, explicit: boolean) => Promise<T[] | undefined | null>): Promise<FlowResult<T>> {
    const explicit = !req.automatic && this.now() - this.ownTriggerAt > OWN_TRIGGER_MS;
    this.latest = req.key === undefined ? undefined : { key: req.key, automatic: req.automatic };
    if (!req.automatic) this.ownTriggerAt = -Infinity;
    if (!this.enabled()) return { kind: 'off' };
    // The extension's own ask (a block's whole came just before Escape) reaching VS Code after
    // the user dismissed the ghost text there: nothing comes back unasked.
    if (!req.automatic && !explicit && req.key !== undefined && req.key === this.dismissedKey) return { kind: 'cancelled' };
    if (req.multiCursor) return { kind: 'multi-cursor' };
    const asked = this.now();
    const rest = this.selectedRest;
    if (req.selectedItem && req.key !== undefined && rest?.key === req.key && rest.selected === req.selected) return { kind: 'cache', items: rest.items, typed: '', ...withReplace(rest.replace) };
    if (!req.selectedItem || req.selectedTyped !== undefined) {
      const hit = this.cache.get(req.point, this.afterNewline && !req.selectedItem);
      // Typing a ghost text's own characters opens VS Code's list on the word: a cached rest then
      // answers as the whole over the item's range, where it spells the item and goes on.
      const fit = hit ? hit.items.map((text, i) => ({ text, replace: hit.replace?.[i] ?? 0, before: hit.before?.[i] ?? 0 })) : [];
      const typed = req.selectedTyped ?? '';
      const items = req.selectedItem ? fit.filter((x) => x.before === 0).map((x) => ({ ...x, text: typed + x.text })).filter((x) => x.text.startsWith(req.selected ?? '') && x.text.length > (req.selected ?? '').length) : fit;
      if (hit && items.length > 0) {
        if (hit.typed.length === 1) this.acceptance.partial++; // once per suggestion typed into
        const replace = items.map((x) => x.replace);
        const before = items.map((x) => x.before);
        this.shown = { point: req.point, rests: items.map((x) => x.text.slice(req.selectedItem ? typed.length : 0)), replace, before };
        return { kind: 'cache', items: items.map((x) => x.text), typed: hit.typed, ...withReplace(replace), ...withBefore(before) };
      }
    }
    if (req.automatic) {
      const wait = this.debounce.delay();
      if (wait > 0) await this.sleep(wait);
      if (token.isCancellationRequested) return { kind: 'cancelled' };
    }
    if (req.key !== undefined) {
      this.asked.set(req.key, { point: req.point, selected: req.selectedItem ? req.selected ?? '' : undefined, selectedTyped: req.selectedTyped });
      if (this.asked.size > 8) this.asked.delete(this.asked.keys().next().value as string);
    }
    const t0 = this.now();
    let items: T[] | undefined | null;
    try {
      items = await ask(token, explicit);
    } catch (e) {
      if (token.isCancellationRequested) return { kind: 'cancelled' };
      throw e;
    }
    if (token.isCancellationRequested) return { kind: 'cancelled' };
    const latencyMs = this.now() - t0;
    this.debounce.latency(latencyMs);
    const list = items ?? []; // null: the server has nothing here
    if (list.length > 0) {
      // A reply over a selected item's range that starts with its typed part is also what follows
      // the cursor: cached there, so the next keystroke through it answers at once, list or not.
      // What each replaces after the cursor: its range past the item's typed part, if one is selected.
      const typed = req.selectedTyped ?? '';
      const usable = !req.selectedItem ? list : req.selectedTyped !== undefined ? list.filter((i) => this.textOf(i).startsWith(typed)) : [];
      const rests = usable.map((i) => this.textOf(i).slice(req.selectedItem ? typed.length : 0));
      // Where an item starts before the cursor without a selected item: the indentation it replaces.
      const column = req.point.before.length - (req.point.before.lastIndexOf('\n') + 1);
      const before = usable.map((i) => (req.selectedItem ? 0 : Math.max(0, column - (this.startOf(i) ?? column))));
      const replace = usable.map((i, k) => Math.max(0, this.rangeOf(i) - (req.selectedItem ? typed.length : before[k] as number)));
      this.cache.put(req.point, rests, false, replace, before);
      this.shown = { point: req.point, rests, replace, before };
      this.acceptance.shown++;
    }
    return { kind: 'server', items: list, latencyMs, waitedMs: this.now() - asked };
  }

  /**
   * The whole of a request whose reply held its beginning (prism/continuation): cached at the
   * request's point, so the whole shows at once, and typing through the reply still
   * matches it. False (do not show it now) for a request this flow did not send (or has
   * forgotten), or one whose ghost text the user dismissed.
   */
  continued(key: string, text: string, replace = 0, before = 0): boolean {
    const req = this.asked.get(key);
    if (!req) return false;
    if (before > 0 && req.selected !== undefined) return false; // the server does not reindent over a selected item
    // With a list item selected, the whole answers that request again while the item stays
    // selected; read from the cursor (where it starts with the item's typed part), it serves
    // typing on through it, as the request's own reply does.
    if (req.selected !== undefined) this.selectedRest = { key, selected: req.selected, items: [text], replace: [replace] };
    if (req.selected === undefined) this.cache.put(req.point, [text], false, [replace], [before]);
    else if (req.selectedTyped !== undefined && text.startsWith(req.selectedTyped)) this.cache.put(req.point, [text.slice(req.selectedTyped.length)], false, [replace]);
    // Dismissed there (Escape): kept for typing that matches it, but not shown again unasked.
    return key !== this.dismissedKey;
  }

  /**
   * The user dismissed the ghost text at this point (flowKey of the cursor's document, version
   * and position): a whole that follows for it is not shown unasked (continued() says false).
   */
  dismissed(key: string): void {
    this.dismissedKey = key;
  }

  private dismissedKey: string | undefined;

  private readonly asked = new Map<string, { point: DocPoint; selected?: string; selectedTyped?: string }>();
  private selectedRest: { key: string; selected: string; items: string[]; replace: number[] } | undefined;

  /**
   * An item was accepted whole: count it and forget the document's now stale suggestions, but
   * for what was last shown, kept at its own point only: undo brings the document back there, and
   * the ghost text with it, without asking the server.
   */
  accepted(uri: string | undefined): void {
    this.acceptance.accepted++;
    if (uri === undefined) return;
    this.cache.clear(uri);
    if (this.shown?.point.uri === uri) this.cache.put(this.shown.point, this.shown.rests, true, this.shown.replace, this.shown.before);
  }

  /** The last answer with something to show, read from the cursor (the point it answered), with what each replaces after and before it. */
  private shown: { point: DocPoint; rests: string[]; replace: number[]; before: number[] } | undefined;
}

/** `replace` in a result only where some item replaces something (results stay as they were otherwise). */
function withReplace(replace: number[]): { replace?: number[] } {
  return replace.some((r) => r > 0) ? { replace } : {};
}

/** `before` in a result only where some item replaces the indentation before the cursor. */
function withBefore(before: number[]): { before?: number[] } {
  return before.some((b) => b > 0) ? { before } : {};
}
