import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MEMBER_LATE_MS, MEMBER_WAIT_MS, MemberLead, type MemberDeps } from '../../common/member';

/**
 * A fake clock and a server whose reply at the dot comes `replyAt` ms after it (or never), where
 * the list has `selected` selected; VS Code's own request may land in the cache at `cacheAt`.
 */
function world(o: { replyAt?: number; reply?: string; cacheAt?: number; cache?: string; selected?: string; selectedAt?: number; still?: boolean; navigated?: boolean }) {
  let t = 0;
  const calls = { asks: 0, askedAt: -1, giveWays: 0, trace: [] as string[] };
  let resolveAsk: ((s: string | undefined) => void) | undefined;
  const deps: MemberDeps = {
    cached: () => (o.cacheAt !== undefined && t >= o.cacheAt ? o.cache : undefined),
    ask: () => { calls.asks++; calls.askedAt = t; return new Promise((r) => { resolveAsk = r; }); },
    still: () => o.still ?? true,
    navigated: () => o.navigated ?? false,
    selected: () => (t >= (o.selectedAt ?? 0) ? o.selected : undefined),
    giveWay: () => { calls.giveWays++; },
    trace: (line) => calls.trace.push(line),
    now: () => t,
    sleep: async (ms) => {
      t += ms;
      if (resolveAsk && o.replyAt !== undefined && t >= o.replyAt) { resolveAsk(o.reply); resolveAsk = undefined; }
    },
  };
  return { deps, calls, now: () => t };
}

describe('MemberLead: the model\'s member first in the list at a dot', () => {
  it('answers with the cached reply\'s member within the wait, asks nothing itself, and leaves a list that took it', async () => {
    const w = world({ cacheAt: 200, cache: 'log(area(6, 7));', selected: 'log' });
    const r = await new MemberLead().atDot('k', w.deps, () => false);
    assert.equal(r.member, 'log');
    assert.ok(w.now() >= 200 && w.now() < MEMBER_WAIT_MS, `answered at ${w.now()} ms`);
    assert.equal(await r.watch, 'already-selected');
    assert.equal(w.calls.asks, 0);
    assert.equal(w.calls.giveWays, 0);
  });

  it('a list that came up with another item selected though the member was answered gives way to the ghost text', async () => {
    const w = world({ cacheAt: 100, cache: 'log(area(6, 7));', selected: '.assert', selectedAt: 150 });
    const r = await new MemberLead().atDot('k', w.deps, () => false);
    assert.equal(r.member, 'log');
    assert.equal(await r.watch, 'gave-way');
    assert.equal(w.calls.asks, 0);
  });

  it('a reply that begins with no member (a call\'s parenthesis) leads with nothing', async () => {
    const w = world({ cacheAt: 0, cache: '(x)' });
    const r = await new MemberLead().atDot('k', w.deps, () => false);
    assert.equal(r.member, undefined);
    assert.equal(await r.watch, 'no-member');
  });

  it('a reply after the wait: awaited, and where its member is not the list\'s selected item, the list gives way to its ghost text', async () => {
    const w = world({ replyAt: 1500, reply: 'log(area(6, 7));', selected: 'assert' });
    const r = await new MemberLead().atDot('k', w.deps, () => false);
    assert.equal(r.member, undefined, 'the list opens without it');
    assert.equal(await r.watch, 'gave-way');
    assert.equal(w.calls.asks, 1);
    assert.ok(w.calls.askedAt >= MEMBER_WAIT_MS && w.calls.askedAt < MEMBER_WAIT_MS + 20, `asked the server after the whole wait (${w.calls.askedAt} ms)`);
    assert.equal(w.calls.giveWays, 1);
    assert.match(w.calls.trace[0] ?? '', /member "log" came 1500 ms after the dot, "assert" selected/);
  });

  it('VS Code\'s own reply landing in the cache first serves as well', async () => {
    const w = world({ cacheAt: 900, cache: 'warn("x")', selected: 'assert' });
    const r = await new MemberLead().atDot('k', w.deps, () => false);
    assert.equal(await r.watch, 'gave-way');
    assert.equal(w.calls.asks, 1, 'its own request too, the first to answer serving');
  });

  it('the list\'s item asked for just after the reply lands still counts; an item that carries the dot is its member', async () => {
    const w = world({ replyAt: 1000, reply: 'log(x)', selected: '.assert', selectedAt: 1200 });
    assert.equal(await (await new MemberLead().atDot('k', w.deps, () => false)).watch, 'gave-way');
    const same = world({ replyAt: 1000, reply: 'log(x)', selected: '.log' });
    assert.equal(await (await new MemberLead().atDot('k', same.deps, () => false)).watch, 'already-selected');
  });

  it('a list request VS Code drops during the wait: the dot is still watched, and the list gives way', async () => {
    const w = world({ replyAt: 1000, reply: 'log(x)', selected: 'assert' });
    let n = 0;
    const r = await new MemberLead().atDot('k', w.deps, () => ++n > 3);
    assert.equal(r.member, undefined);
    assert.ok(w.now() < MEMBER_WAIT_MS, 'answered at once');
    assert.equal(await r.watch, 'gave-way');
  });

  const cases: [string, Parameters<typeof world>[0], string][] = [
    ['the list already has it selected', { replyAt: 1000, reply: 'log(x)', selected: 'log' }, 'already-selected'],
    ['the list\'s item is asked for too late to be the open list\'s', { replyAt: 1000, reply: 'log(x)', selected: 'assert', selectedAt: 1500 }, 'no-list'],
    ['no list item selected (no list open)', { replyAt: 1000, reply: 'log(x)' }, 'no-list'],
    ['the user moved in the list (another item selected than its first)', { replyAt: 1000, reply: 'log(x)', selected: 'error', navigated: true }, 'navigated'],
    ['the user typed or moved meanwhile', { replyAt: 1000, reply: 'log(x)', selected: 'assert', still: false }, 'moved'],
    ['the reply has no member', { replyAt: 1000, reply: '\n', selected: 'assert' }, 'no-member'],
    ['the server had nothing', { replyAt: 1000, reply: undefined, selected: 'assert' }, 'no-reply'],
    ['the reply comes after MEMBER_LATE_MS', { replyAt: MEMBER_LATE_MS + 100, reply: 'log(x)', selected: 'assert' }, 'too-late'],
  ];
  for (const [what, o, outcome] of cases) {
    it(`the list stays as it is where ${what}`, async () => {
      const w = world(o);
      const r = await new MemberLead().atDot('k', w.deps, () => false);
      assert.equal(await r.watch, outcome);
      assert.equal(w.calls.giveWays, 0);
    });
  }

  it('a newer dot makes an older dot\'s late reply moot', async () => {
    const a = world({ replyAt: 3000, reply: 'log(x)', selected: 'assert' });
    const b = world({ cacheAt: 0, cache: 'error(e)' });
    const lead = new MemberLead();
    const first = await lead.atDot('k1', a.deps, () => false);
    assert.equal((await lead.atDot('k2', b.deps, () => false)).member, 'error');
    assert.equal(await first.watch, 'too-late');
    assert.equal(a.calls.giveWays, 0);
  });
});
