// The vscode side of common/member.ts: a completion provider that answers a dot with the member
// the inline reply there begins with, preselected, so VS Code selects it and the ghost text
// continues it; and, where that reply came too late for the list, closes the list for its ghost
// text.
import * as vscode from 'vscode';
import { docPoint, type DocPoint } from '../common/cache';
import { flowKey } from '../common/inline-flow';
import { MemberLead } from '../common/member';
import type { InlineMiddleware } from './provider';

/** Sends the inline request at `pos` without a list item selected; caches the reply at `point`; its first item's text. */
export type AskInline = (doc: vscode.TextDocument, pos: vscode.Position, point: DocPoint) => Promise<string | undefined>;

/** `log`: a line for the output channel where a reply came too late for the list (what was done about it). */
export function memberProvider(inline: InlineMiddleware, on: (doc: vscode.TextDocument) => boolean, ask: AskInline, log: (line: () => string) => void = () => {}): vscode.CompletionItemProvider {
  const lead = new MemberLead();
  const item = (member: string): vscode.CompletionItem[] => {
    const it = new vscode.CompletionItem({ label: member, description: 'PRISM' }, vscode.CompletionItemKind.Property);
    it.preselect = true;
    it.sortText = '\u0000';
    it.insertText = member;
    return [it];
  };
  return {
    async provideCompletionItems(doc, pos, token, ctx) {
      if (ctx.triggerKind !== vscode.CompletionTriggerKind.TriggerCharacter || ctx.triggerCharacter !== '.' || !on(doc)) return undefined;
      const uri = doc.uri.toString();
      const key = flowKey(uri, doc.version, pos.line, pos.character);
      const point = docPoint(uri, doc.getText(new vscode.Range(new vscode.Position(0, 0), pos)), doc.getText(new vscode.Range(pos, doc.positionAt(doc.getText().length))));
      const version = doc.version;
      const release = inline.holdForMember(key);
      const r = await lead.atDot(key, {
        cached: () => inline.flow.cache.get(point)?.items[0],
        // VS Code's own request at the dot where it made one (kept for the list), else the client's.
        ask: () => inline.replyAt(key) ?? ask(doc, pos, point),
        still: () => {
          const e = vscode.window.activeTextEditor;
          return e?.document === doc && doc.version === version && e.selections.length === 1 && e.selection.isEmpty && e.selection.active.isEqual(pos);
        },
        selected: () => inline.selectedAt(key),
        navigated: () => inline.navigatedAt(key),
        giveWay: () => void vscode.commands.executeCommand('hideSuggestWidget').then(() => inline.askAgain()),
        trace: (line) => log(() => line),
      }, () => token.isCancellationRequested);
      const at = `${doc.uri.path.split('/').pop() ?? ''}:${pos.line + 1}:${pos.character + 1} v${version}`;
      if (!r.member && !inline.flow.cache.get(point)) log(() => `member at ${at}: no reply within the list's wait${token.isCancellationRequested ? ' (VS Code dropped the list\'s request)' : ''}`);
      void r.watch.then((outcome) => {
        release();
        if (outcome !== 'already-selected' && outcome !== 'no-list') log(() => `member at ${at}: ${outcome}`);
      });
      return r.member ? item(r.member) : undefined;
    },
  };
}
