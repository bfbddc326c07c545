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

/**
 * The identifier a ghost text begins with (a member's name after a dot: `log` of `log(x);`), or
 * undefined where it begins otherwise (a call's opener, a number, a space).
 */
export function leadingMember(text: string): string | undefined {
  return /^[\p{L}_$][\p{L}\p{N}_$]*/u.exec(text)?.[0];
}
