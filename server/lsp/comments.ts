// A language's line comment, for text the prompt carries that is not code of the document's
// language: other files' chunks under their names (cross-file context), a notebook's markdown
// cells among its code cells.

const LINE_COMMENT: Record<string, string> = { python: '#', ruby: '#', shellscript: '#', perl: '#', r: '#', julia: '#', yaml: '#', toml: '#', makefile: '#', dockerfile: '#', powershell: '#', lua: '--', sql: '--', haskell: '--' };

/** The line comment of a language (VS Code's language id); '//' where none is listed. */
export function lineComment(languageId: string): string {
  return LINE_COMMENT[languageId] ?? '//';
}

/** Text as line comments: each line behind the comment mark, blank lines as the bare mark. */
export function asComment(text: string, languageId: string): string {
  const mark = lineComment(languageId);
  return text.replace(/\s+$/, '').split('\n').map((l) => (l.trim() ? `${mark} ${l}` : mark)).join('\n');
}
