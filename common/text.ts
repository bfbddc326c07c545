// Small text checks shared by the client and the server. Pure.

/** Whether the characters of `sub` appear in `text` in order (not necessarily next to each other). */
export function inOrder(sub: string, text: string): boolean {
  let at = 0;
  for (const ch of sub) {
    at = text.indexOf(ch, at) + 1;
    if (at === 0) return false;
  }
  return true;
}
