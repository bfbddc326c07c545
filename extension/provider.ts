// The client side of inline completions, as languageclient middleware around the server's
// textDocument/inlineCompletion. The decisions (cache, debounce, cancellation, latency) are
// common/inline-flow.ts, shared with the typing benchmark; this file only translates between
// vscode's types and the flow, and prefetches the next completion after an accepted one.
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { docPoint } from '../common/cache';
import { stopKey } from '../common/debounce';
import { flowKey, InlineFlow } from '../common/inline-flow';
import { selectedMember } from '../common/member';
import { leadingMember } from '../common/text';
import { ACCEPTED_COMMAND, type ContinuationParams, type DismissedParams } from '../common/protocol';

export class InlineMiddleware {
  readonly flow: InlineFlow<vscode.InlineCompletionItem>;
  /** Inline completion requests VS Code has made since activation. */
  requests = 0;
  /** VS Code's latest inline request: where (flowKey) and the list item it had selected. */
  private lastAsked: { key: string; selected?: string } | undefined;
  /** The first list item VS Code asked with at a point (flowKey): the list's own selection, before the user moved in it. */
  private firstSelected: { key: string; selected: string } | undefined;
  /**
   * The dot whose reply the suggestion list waits for (flowKey; extension/member.ts): VS Code
   * cancels its request there when the list opens, which is not forwarded to the server, and
   * requests with a list item selected there wait for that reply.
   */
  private memberKey: string | undefined;
  /** The latest request without a list item selected: where, and its reply's first item (undefined: none). */
  private plain: { key: string; reply: Promise<string | undefined> } | undefined;

  /**
   * onChange: the counters changed; with `ghostMs`, a reply's ghost text came that long after VS
   * Code asked (debounce included). trace: one line per request and per outcome (the output
   * channel's Trace level: what VS Code asked, when, with which suggestion selected, and what it
   * got); given the line's maker, so nothing is formatted while the level is off.
   */
  constructor(enabled: () => boolean, private readonly onChange: (ghostMs?: number) => void, private readonly trace: (line: () => string) => void = () => {}) {
    this.flow = new InlineFlow((i) => (typeof i.insertText === 'string' ? i.insertText : i.insertText.value), {
      enabled,
      rangeOf: (i) => (i.range && i.range.isSingleLine ? i.range.end.character - i.range.start.character : 0),
      startOf: (i) => (i.range && i.range.isSingleLine ? i.range.start.character : undefined),
    });
  }

  keystroke(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0 || e.document.uri.scheme === 'output') return;
    if (e.contentChanges.some((c) => c.text.includes('\n'))) { this.flow.keystroke('newline'); return; }
    const c = e.contentChanges[0];
    if (e.contentChanges.length !== 1 || !c || c.text.length !== 1) { this.flow.keystroke(); return; }
    // The line up to the typed character (a member access: '.', '->', '::').
    const start = c.range.start;
    this.flow.keystroke(stopKey(e.document.lineAt(start.line).text.slice(Math.max(0, start.character - 64), start.character), c.text));
  }

  middleware(): Middleware {
    return {
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        this.requests++;
        const asked = Date.now();
        const where = (): string => `${document.uri.path.split('/').pop() ?? ''}:${position.line + 1}:${position.character + 1} v${document.version}${context.selectedCompletionInfo ? ` (suggestion ${JSON.stringify(context.selectedCompletionInfo.text)} selected)` : ''}`;
        this.trace(() => `asked at ${where()}, ${context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic ? 'typing' : 'invoked'}`);
        const editor = vscode.window.activeTextEditor;
        const end = document.positionAt(document.getText().length);
        const sel = context.selectedCompletionInfo;
        const key = flowKey(document.uri.toString(), document.version, position.line, position.character);
        this.lastAsked = { key, selected: sel?.text };
        if (sel && this.firstSelected?.key !== key) this.firstSelected = { key, selected: sel.text };
        if (sel && this.memberKey === key && this.plain?.key === key) {
          // The list opened before the reply at its dot came: a member other than this item's
          // closes the list for its own ghost text (MemberLead), so this one would only flash.
          const text = await this.plain.reply;
          if (token.isCancellationRequested) return undefined;
          const member = text === undefined ? undefined : leadingMember(text);
          if (member && member !== selectedMember(sel.text)) {
            this.trace(() => `answered ${where()}: nothing (the list gives way to ${JSON.stringify(member)})`);
            return undefined;
          }
        }
        // Without a list item: VS Code's cancel (the list opening) is forwarded unless the list waits for this reply.
        let own: vscode.CancellationToken = token;
        let kept = false;
        let settle: (text: string | undefined) => void = () => {};
        if (!sel) {
          const cts = new vscode.CancellationTokenSource();
          token.onCancellationRequested(() => { if (this.memberKey === key) kept = true; else cts.cancel(); });
          own = cts.token;
          this.plain = { key, reply: new Promise((res) => { settle = res; }) };
        }
        const r = await this.flow.provide({
          point: docPoint(document.uri.toString(), document.getText(new vscode.Range(new vscode.Position(0, 0), position)), document.getText(new vscode.Range(position, end))),
          automatic: context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic,
          selectedItem: sel !== undefined,
          selected: sel?.text,
          selectedTyped: sel && sel.range.end.isEqual(position) && sel.range.start.line === position.line ? document.getText(sel.range) : undefined,
          multiCursor: editor !== undefined && editor.document === document && editor.selections.length > 1,
          key,
        }, own, async (t, explicit) => {
          // An invoked request the extension triggered itself goes to the server as typing's does:
          // one completion; the user's own (Alt+\\) may get alternatives.
          const ctx = explicit || context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic ? context : { ...context, triggerKind: vscode.InlineCompletionTriggerKind.Automatic };
          const result = await next(document, position, ctx, t as vscode.CancellationToken);
          return result ? (Array.isArray(result) ? result : result.items) : result;
        });
        settle(r.kind === 'cache' ? r.items[0] : r.kind === 'server' && r.items[0] ? this.flow.textOf(r.items[0]) : undefined);
        if (kept) {
          this.trace(() => `kept ${where()} for the suggestion list after VS Code cancelled it: ${r.kind}`);
          return undefined;
        }
        const ms = Date.now() - asked;
        this.trace(() => {
          const first = r.kind === 'cache' ? r.items[0] : r.kind === 'server' && r.items[0] ? this.flow.textOf(r.items[0]) : undefined;
          return `answered ${where()} after ${ms} ms: ${r.kind}${first !== undefined ? ` ${JSON.stringify(first.length > 40 ? `${first.slice(0, 40)}...` : first)}` : r.kind === 'server' ? ' (nothing)' : ''}`;
        });
        if (r.kind === 'cache') {
          this.onChange();
          // A whole for a request with a list item selected replaces that item's range, as the
          // server's reply did; either also replaces the closers after the cursor it writes itself.
          // One that replaces the line's indentation (the model's own, after Enter) starts before the cursor.
          return r.items.map((text, i) => {
            const past = position.translate(0, r.replace?.[i] ?? 0);
            const range = sel ? new vscode.Range(sel.range.start, past.isAfter(sel.range.end) ? past : sel.range.end) : new vscode.Range(position.translate(0, -Math.min(position.character, r.before?.[i] ?? 0)), past);
            return this.item(new vscode.InlineCompletionItem(text, range));
          });
        }
        if (r.kind !== 'server') return undefined;
        if (r.items.length > 0) this.onChange(r.waitedMs);
        return r.items.map((i) => this.item(i));
      },
    };
  }

  /**
   * The suggestion list waits for the reply at this dot (flowKey): VS Code's cancel of its request
   * there is not forwarded until `release()`.
   */
  holdForMember(key: string): () => void {
    this.memberKey = key;
    return () => { if (this.memberKey === key) this.memberKey = undefined; };
  }

  /** The reply to the request without a list item selected at `key`, where one was made. */
  replyAt(key: string): Promise<string | undefined> | undefined {
    return this.plain?.key === key ? this.plain.reply : undefined;
  }

  /** The list item VS Code's latest inline request had selected, where that request was at `key` (flowKey); else undefined. */
  selectedAt(key: string): string | undefined {
    return this.lastAsked?.key === key ? this.lastAsked.selected : undefined;
  }

  /** VS Code's latest inline request at `key` had another list item selected than its first there (the user moved in the list). */
  navigatedAt(key: string): boolean {
    return this.lastAsked?.key === key && this.lastAsked.selected !== undefined && this.firstSelected?.key === key && this.firstSelected.selected !== this.lastAsked.selected;
  }

  private item(it: vscode.InlineCompletionItem): vscode.InlineCompletionItem {
    it.command = { title: 'accepted', command: ACCEPTED_COMMAND, arguments: [] };
    return it;
  }

  /**
   * The whole of a block whose reply showed its beginning (its first line, or a slow first
   * line's first words): cached at the request's point and, when the cursor is still there (or has
   * typed into the reply), shown at once by asking VS Code again (the cache answers; nothing goes
   * to the server).
   */
  continued(p: ContinuationParams): void {
    const key = flowKey(p.textDocument.uri, p.textDocument.version, p.position.line, p.position.character);
    if (!this.flow.continued(key, p.insertText, p.replace ?? 0, p.before ?? 0)) return;
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.toString() !== p.textDocument.uri || editor.selections.length !== 1) return;
    const doc = editor.document;
    const at = editor.selection.active;
    const point = docPoint(p.textDocument.uri, doc.getText(new vscode.Range(new vscode.Position(0, 0), at)), doc.getText(new vscode.Range(at, doc.positionAt(doc.getText().length))));
    // Still where the request was (a list item may be selected), or typed into the reply.
    const still = doc.version === p.textDocument.version && at.line === p.position.line && at.character === p.position.character;
    const show = still || this.flow.cache.get(point) !== undefined;
    // VS Code's latest request here was invoked (Alt+\\, or the extension's own ask: after Tab,
    // for an earlier continuation): a trigger alone would ask nothing.
    const hide = still && this.flow.invokedAt(key);
    this.trace(() => `continued at ${doc.uri.path.split('/').pop() ?? ''}:${p.position.line + 1}:${p.position.character + 1} v${p.textDocument.version}: ${p.insertText.length} characters${show ? `, asking again${hide ? ' (hiding the ghost text first)' : ''}` : ', kept (the cursor moved off it)'}`);
    if (show) this.askAgain(hide);
  }

  /**
   * Escape while ghost text shows (DISMISS_COMMAND): a whole that follows for this point is not
   * shown unasked. Returns where it was, for the server, which stops decoding it.
   */
  dismissed(): DismissedParams | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const doc = editor.document;
    const at = editor.selection.active;
    this.flow.dismissed(flowKey(doc.uri.toString(), doc.version, at.line, at.character));
    this.trace(() => `dismissed at ${doc.uri.path.split('/').pop() ?? ''}:${at.line + 1}:${at.character + 1} v${doc.version}`);
    return { textDocument: { uri: doc.uri.toString(), version: doc.version }, position: { line: at.line, character: at.character } };
  }

  /** An item was accepted whole: count it, forget stale entries, prefetch what comes next. */
  accepted(): void {
    this.flow.accepted(vscode.window.activeTextEditor?.document.uri.toString());
    this.onChange();
    setTimeout(() => this.askAgain(), 0);
  }

  /**
   * Asks VS Code for inline completions at the cursor again, as the extension's own request
   * (InlineFlow.triggered). `hideFirst`: hide the ghost text first, where VS Code would take its
   * latest request for the answer (InlineFlow.invokedAt); the cache answers the new one at once.
   */
  askAgain(hideFirst = false): void {
    const ask = (): void => {
      this.flow.triggered();
      void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    };
    if (hideFirst) void vscode.commands.executeCommand('editor.action.inlineSuggest.hide').then(ask, ask);
    else ask();
  }
}
