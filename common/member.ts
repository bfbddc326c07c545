// The model's member after a dot, as the first item of VS Code's suggestion list. A language
// server opens the list at a dot with its first member selected (alphabetically: `console.` +
// `assert`), and VS Code shows ghost text only where it continues the selected item, so the ghost
// text wrote `assert(...)` where the model's own `log(...)` was right: the model's member was
// right after 13 of 16 dev-split dots in TypeScript and JavaScript without the list, the ghost
// text with it after 1 (docs/BENCHMARKS.md, "The model's member first in the list at a dot").
//
// The list waits MEMBER_WAIT_MS at most for the inline reply at the dot (from the client's cache:
// at once where the ghost text typed through had it). A reply that comes later (a prompt still
// being computed, a busy machine) would be lost: VS Code opens the list without it, then cancels
// its own request and asks again with the list's first item selected. So the dot is watched on:
// the reply is still awaited (VS Code's request, kept, or the client's own: MemberDeps.ask), and
// when its member is not the item the list selected (a late reply; also a list request VS Code
// dropped, once seen in a fresh clone's run), the list gives way to the ghost text (giveWay:
// closed, and the ghost text asked for without an item). A list asked for again while
// open kept its selected item in code-server (two end-to-end runs), so it is not reordered.
//
// How VS Code chooses the selected item: its inline completions give the list a selector that
// picks the item the ghost text on screen continues (the longest such item); an item's
// `preselect` counts only among the items of the best filter score, which the language server's
// items, carrying the dot (`.assert`), hold. So the member leads where its ghost text is on screen
// when the list opens; with the item selected, VS Code shows only what the ghost text adds after
// it. A reply with the member alone first, its line following, was tried and not landed
// (docs/BENCHMARKS.md, "Tried, not landed: the member alone first at a dot"). Pure (no vscode),
// unit-tested; extension/member.ts is the vscode side.
import { leadingMember } from './text';

/** How long the list waits for the inline reply at a dot (ms); without one it opens as before. */
export const MEMBER_WAIT_MS = 700;
/** How long after the dot a late reply may still close the list for its ghost text (ms). */
export const MEMBER_LATE_MS = 5000;
const POLL_MS = 15;
/** After a late reply, how long VS Code may take to ask with the open list's item selected (ms). */
const LIST_ASKS_MS = 300;

/** The member a selected list item writes (a language server's item may carry the dot: `.assert`). */
export function selectedMember(text: string): string | undefined {
  return leadingMember(text.replace(/^[.?]+/, ''));
}

export interface MemberDeps {
  /** The client's cached ghost text at the dot, if any (its first item). */
  cached: () => string | undefined;
  /** Asks the server at the dot without a list item selected (the reply cached there); its first item's text. */
  ask: () => Promise<string | undefined>;
  /** The document is unchanged since the dot and the cursor still there. */
  still: () => boolean;
  /** The item VS Code's latest inline request at the dot had selected (undefined: no list item, or no request). */
  selected: () => string | undefined;
  /** The user moved in the list: VS Code asked at the dot with another item selected than its first. */
  navigated?: () => boolean;
  /** Closes the suggestion list and asks for the ghost text at the dot (no list item selected). */
  giveWay: () => void;
  /** One line for the output channel (where the list gives way). */
  trace?: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What the watch of a dot did: the list gave way to the reply's ghost text, or why not. */
export type LateOutcome = 'gave-way' | 'navigated' | 'no-reply' | 'no-member' | 'moved' | 'already-selected' | 'no-list' | 'too-late';

export class MemberLead {
  /** The latest dot watched: a newer dot makes an older watch moot. */
  private latest: string | undefined;

  constructor(private readonly waitMs = MEMBER_WAIT_MS, private readonly lateMs = MEMBER_LATE_MS) {}

  /**
   * The list asks at a dot (`key`: flowKey of the document, version and cursor): the member to
   * lead it with where the reply came within the wait, else undefined (the list then opens as the
   * other providers have it). `watch` follows the dot on (MEMBER_LATE_MS at most): where the list
   * came up with another item selected than the reply's member (a late reply, a list request
   * VS Code dropped, a list that did not take the member), the list gives way to the ghost text.
   */
  async atDot(key: string, deps: MemberDeps, cancelled: () => boolean): Promise<{ member?: string; watch: Promise<LateOutcome> }> {
    const now = deps.now ?? Date.now;
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const start = now();
    this.latest = key;
    for (;;) {
      const text = deps.cached();
      if (text !== undefined) {
        const member = leadingMember(text);
        return { member, watch: member ? this.watch(key, deps, start, now, sleep) : Promise.resolve('no-member') };
      }
      if (cancelled() || now() - start >= this.waitMs) break;
      await sleep(POLL_MS);
    }
    return { watch: this.watch(key, deps, start, now, sleep) };
  }

  private async watch(key: string, deps: MemberDeps, start: number, now: () => number, sleep: (ms: number) => Promise<void>): Promise<LateOutcome> {
    if (!deps.still()) return 'moved';
    let asked: { text: string | undefined } | undefined;
    if (deps.cached() === undefined) deps.ask().then((text) => { asked = { text }; }, () => { asked = { text: undefined }; });
    // VS Code's own request may still land first; the client's request answers otherwise.
    let text: string | undefined;
    for (;;) {
      text = deps.cached() ?? asked?.text;
      if (text !== undefined || asked !== undefined) break;
      if (now() - start >= this.lateMs || this.latest !== key) return 'too-late';
      await sleep(POLL_MS);
    }
    const ms = now() - start;
    if (text === undefined) return 'no-reply';
    const member = leadingMember(text);
    if (!member) return 'no-member';
    if (this.latest !== key || ms > this.lateMs) return 'too-late';
    if (!deps.still()) return 'moved';
    // VS Code asks with the list's item selected right after the list opens; none by then: no
    // list is open (VS Code shows the reply as it is).
    let selected = deps.selected();
    for (const until = now() + LIST_ASKS_MS; selected === undefined && now() < until; selected = deps.selected()) await sleep(POLL_MS);
    if (selected === undefined) return 'no-list';
    if (selectedMember(selected) === member) return 'already-selected';
    // A user who moved in the list is choosing from it: it stays.
    if (deps.navigated?.()) return 'navigated';
    deps.trace?.(`member ${JSON.stringify(member)} came ${ms} ms after the dot, ${JSON.stringify(selected)} selected: the list gives way to its ghost text`);
    deps.giveWay();
    return 'gave-way';
  }
}
