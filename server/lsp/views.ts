// What the completer sees of an open document: its text with LF line ends (eol.ts), or, for a
// cell of a notebook (a Jupyter notebook's cells come as LSP notebook documents), the notebook's
// code cells of the cell's language and its markdown cells as line comments (as a notebook
// exported to a script reads), joined in their order, the cell among them, under the notebook's
// URI: the cells above are the prompt's context (imports, definitions, what the text says comes
// next), and moving to the next cell keeps the prompt's prefix in the KV cache. Offsets are in
// that text; positions stay the cell's own.
import type { NotebookDocuments, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { asComment } from './comments';
import { type LfView, lfView } from './eol';

export interface DocView extends LfView {
  /** The document the completer keys its prompt and cache by: the document's, or its notebook's. */
  uri: string;
}

/** Between two cells: a blank line, as a notebook exported to a script has. */
export const CELL_SEPARATOR = '\n\n';

/** LSP's NotebookCellKind: Markup (markdown), Code. */
const MARKUP = 1;
const CODE = 2;

/** The URI the completer keys a document by: its notebook's for a notebook cell, else its own. */
export function viewUri(uri: string, notebooks?: NotebookDocuments<TextDocument>): string {
  return notebooks?.findNotebookDocumentForCell(uri)?.uri ?? uri;
}

export function docView(doc: TextDocument, documents: TextDocuments<TextDocument>, notebooks?: NotebookDocuments<TextDocument>): DocView {
  const own = lfView(doc);
  const notebook = notebooks?.findNotebookDocumentForCell(doc.uri);
  if (!notebook) return { uri: doc.uri, ...own };
  const parts: string[] = [];
  let base = 0;
  let length = 0;
  for (const cell of notebook.cells) {
    const here = cell.document === doc.uri;
    const cellDoc = here ? doc : documents.get(cell.document);
    // Other cells: code cells of this cell's language, markdown cells (as comments).
    const markdown = !here && cell.kind === MARKUP;
    if (!cellDoc || (!here && !markdown && (cell.kind !== CODE || cellDoc.languageId !== doc.languageId))) continue;
    const raw = here ? own.text : lfView(cellDoc).text;
    if (markdown && !raw.trim()) continue;
    const text = markdown ? asComment(raw, doc.languageId) : raw;
    if (parts.length > 0) length += CELL_SEPARATOR.length;
    if (here) base = length;
    parts.push(text);
    length += text.length;
  }
  return {
    uri: notebook.uri,
    text: parts.join(CELL_SEPARATOR),
    offsetAt: (p) => base + own.offsetAt(p),
    positionAt: (o) => own.positionAt(Math.max(0, o - base)),
  };
}
