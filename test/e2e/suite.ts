// Runs inside a desktop VS Code (see electron.ts): opens an example file, asks for an inline
// completion through VS Code's own command, accepts it, and checks that the document grew.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'prism-complete');
  assert.ok(ext, 'the extension is installed');
  await ext.activate();
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.resolve(__dirname, '..', '..', '..', 'examples');
  const doc = await vscode.workspace.openTextDocument(path.join(root, 'lru_cache.py'));
  const editor = await vscode.window.showTextDocument(doc);
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  await editor.edit((b) => b.insert(end, '\ndef '));
  const before = doc.getText();
  for (let i = 0; i < 60 && doc.getText() === before; i++) {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await new Promise((r) => setTimeout(r, 1000));
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
  }
  assert.notEqual(doc.getText(), before, 'an inline completion was accepted');
}
