// The client side of inline completions, as languageclient middleware around the server's
// textDocument/inlineCompletion: no request with several cursors; typing through a suggestion
// answered from the cache; adaptive debounce for automatic triggers; latency measured; accepted
// items counted (and the next completion prefetched).
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { ACCEPTED_COMMAND } from '../server/lsp/protocol';
import { SuggestionCache } from './cache';
import { AdaptiveDebounce } from './debounce';
import type { Acceptance } from './status';

export class InlineMiddleware {
  readonly cache = new SuggestionCache();
  debounce = new AdaptiveDebounce();
  readonly acceptance: Acceptance = { shown: 0, accepted: 0, partial: 0 };

  constructor(private readonly enabled: () => boolean, private readonly onChange: () => void) {}

  setDebounce(ms: number | 'auto'): void {
    this.debounce = new AdaptiveDebounce(ms === 'auto' ? { minMs: 25, maxMs: 350 } : { minMs: ms, maxMs: ms, fixedMs: ms });
  }

  keystroke(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length > 0 && e.document.uri.scheme !== 'output') this.debounce.keystroke(Date.now());
  }

  middleware(): Middleware {
    return {
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        if (!this.enabled()) return undefined;
        const editor = vscode.window.activeTextEditor;
        if (editor && editor.document === document && editor.selections.length > 1) return undefined;
        const end = document.positionAt(document.getText().length);
        const point = {
          uri: document.uri.toString(),
          before: document.getText(new vscode.Range(new vscode.Position(0, 0), position)),
          after: document.getText(new vscode.Range(position, end)),
        };
        if (!context.selectedCompletionInfo) {
          const hit = this.cache.get(point);
          if (hit) {
            if (hit.typed.length === 1) this.acceptance.partial++; // once per suggestion typed into
            this.onChange();
            return hit.items.map((t) => this.item(t, new vscode.Range(position, position)));
          }
        }
        if (context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic) {
          const wait = this.debounce.delay();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (token.isCancellationRequested) return undefined;
        }
        const t0 = Date.now();
        const result = await next(document, position, context, token);
        if (token.isCancellationRequested || !result) return undefined;
        this.debounce.latency(Date.now() - t0);
        const items = Array.isArray(result) ? result : result.items;
        if (items.length === 0) return items;
        if (!context.selectedCompletionInfo) {
          this.cache.put(point, items.map((i) => (typeof i.insertText === 'string' ? i.insertText : i.insertText.value)));
        }
        this.acceptance.shown++;
        this.onChange();
        for (const i of items) i.command = { title: 'accepted', command: ACCEPTED_COMMAND, arguments: [] };
        return items;
      },
    };
  }

  private item(text: string, range: vscode.Range): vscode.InlineCompletionItem {
    const it = new vscode.InlineCompletionItem(text, range);
    it.command = { title: 'accepted', command: ACCEPTED_COMMAND, arguments: [] };
    return it;
  }

  /** An item was accepted whole: count it, forget stale entries, prefetch what comes next. */
  accepted(): void {
    this.acceptance.accepted++;
    this.onChange();
    const editor = vscode.window.activeTextEditor;
    if (editor) this.cache.clear(editor.document.uri.toString());
    setTimeout(() => { void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger'); }, 0);
  }
}
