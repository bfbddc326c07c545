// Line ends as LF, as the server sees every document (server/lsp/eol.ts): CRLF and a lone CR
// (old Mac files) each become one LF, so lines stay lines. Text without a CR is returned as is.
export function toLf(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
