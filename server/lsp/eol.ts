// Documents with Windows (CRLF) or old Mac (CR) line ends, seen with LF ones: the model and the
// draft heads learned code with LF line ends, and a ghost text must not carry a `\r` (VS Code
// inserts a completion's line breaks in the document's own line ends). A position's line and
// character are the same in both texts (a `\r` only ever ends a line), so offsets in the LF text
// map to the same LSP positions.
import { type Position, TextDocument } from 'vscode-languageserver-textdocument';
import { toLf } from '../../common/eol';

export interface LfView { text: string; offsetAt(p: Position): number; positionAt(offset: number): Position }

/** The last view per document, while its version holds (a completion and its warm-ups ask often). */
const views = new Map<string, { version: number; view: LfView }>();

export function lfView(doc: TextDocument): LfView {
  const kept = views.get(doc.uri);
  if (kept?.version === doc.version) return kept.view;
  const text = doc.getText();
  let view: LfView;
  if (!text.includes('\r')) {
    view = { text, offsetAt: (p) => doc.offsetAt(p), positionAt: (o) => doc.positionAt(o) };
  } else {
    const lf = TextDocument.create(doc.uri, doc.languageId, doc.version, toLf(text));
    view = { text: lf.getText(), offsetAt: (p) => lf.offsetAt(p), positionAt: (o) => lf.positionAt(o) };
  }
  views.set(doc.uri, { version: doc.version, view });
  while (views.size > 8) views.delete(views.keys().next().value as string);
  return view;
}

/** A closed document's view goes. */
export function forgetView(uri: string): void { views.delete(uri); }
