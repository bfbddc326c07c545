// The model's member after a dot, as the first item of VS Code's suggestion list. A language
// server opens the list at a dot with its first member selected (alphabetically: `console.` +
// `assert`), and VS Code shows ghost text only where it continues the selected item, so the ghost
// text wrote `assert(...)` where the model's own `log(...)` was right: the model's member was
// right after 13 of 16 dev-split dots in TypeScript and JavaScript without the list, the ghost
// text with it after 1 (docs/BENCHMARKS.md, "The model's member first in the list at a dot").
// This provider answers a dot with the member the inline reply there begins with (from the
// client's cache: at once where the ghost text typed through had it, else once the reply comes,
// MEMBER_WAIT_MS at most), preselected, so VS Code selects it and the ghost text continues it.
import * as vscode from 'vscode';
import { docPoint } from '../common/cache';
import { leadingMember } from '../common/text';
import type { InlineMiddleware } from './provider';

/** How long the list waits for the inline reply at a dot (ms); without one it opens as before. */
export const MEMBER_WAIT_MS = 700;

export function memberProvider(inline: InlineMiddleware, on: (doc: vscode.TextDocument) => boolean): vscode.CompletionItemProvider {
  return {
    async provideCompletionItems(doc, pos, token, ctx) {
      if (ctx.triggerKind !== vscode.CompletionTriggerKind.TriggerCharacter || ctx.triggerCharacter !== '.' || !on(doc)) return undefined;
      const point = docPoint(doc.uri.toString(), doc.getText(new vscode.Range(new vscode.Position(0, 0), pos)), doc.getText(new vscode.Range(pos, doc.positionAt(doc.getText().length))));
      for (const end = Date.now() + MEMBER_WAIT_MS; Date.now() < end && !token.isCancellationRequested; await new Promise((r) => setTimeout(r, 15))) {
        const hit = inline.flow.cache.get(point);
        if (!hit) continue;
        const member = leadingMember(hit.items[0] ?? '');
        if (!member) return undefined;
        const item = new vscode.CompletionItem({ label: member, description: 'PRISM' }, vscode.CompletionItemKind.Property);
        item.preselect = true;
        item.sortText = '\u0000';
        item.insertText = member;
        return [item];
      }
      return undefined;
    },
  };
}
