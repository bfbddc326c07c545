// The remote backend against scripted servers on the loopback: what is sent (API, fields, key),
// how the streamed reply becomes text (stops, time budget, indentation healing), cancellation
// reaching the server, endpoint discovery, and one actionable line for every failure.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { RemoteEngine, RemoteError } from '../../server/remote/remote-engine';
import { FakeServer, openaiChunks, sse } from './fake-server';

const servers: FakeServer[] = [];
after(async () => { for (const s of servers) await s.stop(); });
async function serve(handler: ConstructorParameters<typeof FakeServer>[0]): Promise<FakeServer> {
  const s = await new FakeServer(handler).start();
  servers.push(s);
  return s;
}
const base = { model: '', api: 'auto' as const, timeoutMs: 2000 };
const req = (prompt: string, extra: object = {}) => ({ prompt, maxTokens: 16, ...extra });

describe('remote backend', () => {
  it('speaks llama.cpp /infill: prefix, suffix, extra context, greedy, stops; streams the text', async () => {
    const s = await serve((_seen, res) => sse(res, [{ content: 'return a', stop: false }, { content: ' + b\n', stop: false }, { content: 'x', stop: true, timings: { prompt_n: 12, predicted_n: 3 } }]));
    const logs: string[] = [];
    const e = new RemoteEngine({ ...base, url: `${s.url}/` }, (l) => logs.push(l));
    const deltas: string[] = [];
    const r = await e.complete({ ...req('def add(a, b):\n    '), stop: ['\n'], parts: { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(1)\n', extra: [{ filename: 'b.py', text: 'x = 1\n' }] } }, { onText: (d) => deltas.push(d) });
    const sent = s.seen[0];
    assert.equal(sent?.path, '/infill');
    assert.deepEqual(sent?.body, { input_prefix: 'def add(a, b):\n    ', input_suffix: '\n\nprint(1)\n', input_extra: [{ filename: 'b.py', text: 'x = 1\n' }], n_predict: 16, stream: true, cache_prompt: true, stop: ['\n'], temperature: 0 });
    assert.equal(r.text, 'return a + b');
    assert.equal(r.finishReason, 'stop');
    assert.equal(deltas.join(''), 'return a + b');
    assert.ok(e.last && e.last.httpMs >= e.last.firstByteMs, 'the server latency is measured');
    assert.deepEqual(logs, [`remote: completing with ${s.url}/infill`]);
  });

  it('auto finds the endpoint that works (/infill missing: plain /v1/completions, no suffix) and keeps it', async () => {
    const s = await serve(async (seen, res) => {
      if (seen.path === '/infill') { res.writeHead(404).end('Not Found'); return; }
      await sse(res, openaiChunks(['x = ', '1'], 'length'));
    });
    const logs: string[] = [];
    const e = new RemoteEngine({ ...base, url: s.url, model: 'tiny' }, (l) => logs.push(l));
    const r = await e.complete({ ...req('a'), parts: { prefix: 'a', suffix: 'b' } });
    assert.equal(r.text, 'x = 1');
    assert.equal(r.finishReason, 'length');
    assert.deepEqual(s.seen.map((x) => x.path), ['/infill', '/v1/completions']);
    assert.deepEqual(s.seen[1]?.body, { model: 'tiny', prompt: 'a', max_tokens: 16, stream: true, stop: [], temperature: 0 });
    assert.equal(logs.length, 2);
    assert.match(logs[0] ?? '', /\/infill is not available \(.*HTTP 404: Not Found.*\); trying .*\/v1\/completions$/);
    assert.match(logs[1] ?? '', /completing with .*\/v1\/completions$/);
    await e.complete({ ...req('c'), parts: { prefix: 'c', suffix: 'd' } });
    assert.deepEqual(s.seen.slice(2).map((x) => x.path), ['/v1/completions'], 'the working endpoint is kept');
  });

  it('concurrent first requests all fall back to the working endpoint, and it is announced once', async () => {
    const s = await serve(async (seen, res) => {
      if (seen.path === '/infill') { await new Promise((r) => setTimeout(r, 20)); res.writeHead(404).end('Not Found'); return; }
      await sse(res, openaiChunks(['ok']));
    });
    const logs: string[] = [];
    const e = new RemoteEngine({ ...base, url: s.url }, (l) => logs.push(l));
    const rs = await Promise.all(Array.from({ length: 5 }, (_x, i) => e.complete(req(`p${i}`))));
    assert.deepEqual(rs.map((r) => r.text), ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.equal(logs.filter((l) => l.includes('is not available')).length, 1);
    assert.equal(logs.filter((l) => l.includes('completing with')).length, 1);
  });

  it('completions-suffix sends the suffix (FIM models); a server error is one line, not a silent fallback', async () => {
    const s = await serve(async (seen, res) => {
      if (seen.body.suffix === 'bad') { res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'suffix is not supported' } })); return; }
      await sse(res, openaiChunks(['mid']));
    });
    const e = new RemoteEngine({ ...base, url: s.url, api: 'completions-suffix' });
    assert.equal((await e.complete({ ...req('a'), parts: { prefix: 'a', suffix: 'b' } })).text, 'mid');
    assert.equal(s.seen[0]?.body.suffix, 'b');
    await assert.rejects(e.complete({ ...req('a'), parts: { prefix: 'a', suffix: 'bad' } }), /answered HTTP 400: suffix is not supported; check the server's log$/);
  });

  it('a base URL ending in /v1 gets /v1/completions; sampling and the API key are sent', async () => {
    const s = await serve((_seen, res) => sse(res, openaiChunks(['ok'])));
    const e = new RemoteEngine({ ...base, url: `${s.url}/v1`, api: 'completions', apiKey: 'sk-test-123' });
    await e.complete(req('p', { sampling: { temperature: 0.7, topP: 0.9, topK: 40, seed: 3 } }));
    assert.equal(s.seen[0]?.path, '/v1/completions');
    assert.equal(s.seen[0]?.headers.authorization, 'Bearer sk-test-123');
    assert.equal(s.seen[0]?.body.temperature, 0.7);
    assert.equal(s.seen[0]?.body.seed, 3);
  });

  it('cancellation aborts the HTTP request: the server sees the client hang up mid-stream', async () => {
    const s = await serve((_seen, res) => sse(res, Array.from({ length: 100 }, () => ({ content: 'tok ', stop: false })), 20));
    const e = new RemoteEngine({ ...base, url: s.url, api: 'infill' });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 120);
    const t0 = performance.now();
    const r = await e.complete(req('x'), { signal: ctl.signal });
    assert.equal(r.finishReason, 'cancelled');
    assert.ok(performance.now() - t0 < 1000, 'returns at once, not after the stream');
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(s.seen[0]?.abortedByClient, true);
  });

  it('a stop string ends the request early and closes the stream (the server stops generating)', async () => {
    const s = await serve((_seen, res) => sse(res, [{ content: 'a\nb', stop: false }, ...Array.from({ length: 50 }, () => ({ content: 'more', stop: false }))], 20));
    const e = new RemoteEngine({ ...base, url: s.url, api: 'infill' });
    const r = await e.complete(req('x', { stop: ['\n'] }));
    assert.equal(r.text, 'a');
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(s.seen[0]?.abortedByClient, true);
  });

  it('the next line at a line\'s end (stopAfterContent): line breaks first are no stop; where the first line has content, its line break ends the reply and the stream', async () => {
    const more = Array.from({ length: 50 }, () => ({ content: 'more', stop: false }));
    const s = await serve((seen, res) => sse(res, [...(seen.body.input_prefix === 'b' ? [{ content: '\n', stop: false }, { content: '    c = 3\n    d = 4', stop: false }, { content: '\n\n\n', stop: false }] : [{ content: ' = 2', stop: false }, { content: '\n    c = 3', stop: false }]), ...more], 20));
    const e = new RemoteEngine({ ...base, url: s.url, api: 'infill' });
    const next = await e.complete(req('b', { stop: ['\n\n\n'], stopAfterContent: true }));
    assert.equal(next.text, '\n    c = 3\n    d = 4', 'the line break first, then the next lines up to the stop');
    const line = await e.complete(req('a', { stop: ['\n\n\n'], stopAfterContent: true }));
    assert.equal(line.text, ' = 2', 'the model goes on in the line: that line');
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(s.seen.map((x) => [x.body.stop, x.abortedByClient]), [[['\n\n\n'], true], [['\n\n\n'], true]], 'the server is sent the request\'s stops only; the client closes both streams');
  });

  it('heals trailing indentation: sends the prompt without it and keeps the reply only where it spells it again', async () => {
    let reply = '    return x\n';
    const s = await serve((_seen, res) => sse(res, [{ content: reply, stop: true }]));
    const e = new RemoteEngine({ ...base, url: s.url, api: 'infill' });
    const r = await e.complete({ ...req('def f(x):\n    '), heal: true, parts: { prefix: 'def f(x):\n    ', suffix: '' } });
    assert.equal(s.seen[0]?.body.input_prefix, 'def f(x):\n');
    assert.equal(r.text, 'return x\n');
    assert.equal(r.healed, '    ');
    reply = '  y = 1\n';
    const other = await e.complete({ ...req('def f(x):\n    '), heal: true, parts: { prefix: 'def f(x):\n    ', suffix: '' } });
    assert.equal(other.text, '', 'an indentation other than the line has is not shown');
    const plain = await e.complete({ ...req('def f(x):\n    '), heal: false, parts: { prefix: 'def f(x):\n    ', suffix: '' } });
    assert.equal(s.seen[2]?.body.input_prefix, 'def f(x):\n    ', 'healing off: the prompt as it is');
    assert.equal(plain.text, '  y = 1\n');
  });

  it('after a selected item (wordEnd) a reply that runs on inside the word is not shown', async () => {
    let reply = 'tr:\n';
    const s = await serve((_seen, res) => sse(res, [{ content: reply, stop: true }]));
    const e = new RemoteEngine({ ...base, url: s.url, api: 'infill' });
    const ask = (wordEnd: boolean): Promise<{ text: string }> => e.complete({ ...req('if no_duplicate_keys'), wordEnd, parts: { prefix: 'if no_duplicate_keys', suffix: '' } });
    assert.equal((await ask(true)).text, '');
    assert.equal((await ask(false)).text, 'tr:\n', 'without a selected item the word may go on (the user may be typing it)');
    reply = ':\n';
    assert.equal((await ask(true)).text, ':\n');
  });

  /** A reply streamed in these pieces, 60 ms apart, under the request's time budgets. */
  const slowly = async (pieces: string[], budgets: object): Promise<{ text: string; finishReason: string }> => {
    const s = await serve((_seen, res) => sse(res, pieces.map((content, i) => ({ content, stop: i === pieces.length - 1 })), 60));
    return new RemoteEngine({ ...base, url: s.url, api: 'infill' }).complete(req('x', budgets));
  };
  /** The same with the first-line budget marked, not ended (firstLineEarly): the text streamed at each mark, and all of it. */
  const marked = async (pieces: string[]): Promise<{ marks: string[]; streamed: string; r: { text: string; finishReason: string } }> => {
    const s = await serve((_seen, res) => sse(res, pieces.map((content, i) => ({ content, stop: i === pieces.length - 1 })), 60));
    const marks: string[] = [];
    let streamed = '';
    const r = await new RemoteEngine({ ...base, url: s.url, api: 'infill' }).complete(req('x', { firstLineBudgetMs: 30, firstLineEarly: true }), {
      onText: (delta, early) => { streamed += delta; if (early) marks.push(streamed); },
    });
    return { marks, streamed, r };
  };

  it('the time budget ends the reply at a line boundary', async () => {
    const r = await slowly(['line one', '\nline two\nline', ' three\n'], { timeBudgetMs: 30 });
    assert.equal(r.finishReason, 'time');
    assert.equal(r.text, 'line one\nline two');
  });

  it('the first-line budget ends an open first line at a word boundary', async () => {
    const r = await slowly(['value = compute', '(alpha,', ' beta)\n'], { firstLineBudgetMs: 30 });
    assert.equal(r.finishReason, 'time');
    assert.equal(r.text, 'value = compute(alpha,');
  });

  it('a first line of words ends before a piece that starts with a space after a word; marked early, the mark is there', async () => {
    const r = await slowly(['# see', ' the', ' notes\n'], { firstLineBudgetMs: 30 });
    assert.equal(r.finishReason, 'time');
    assert.equal(r.text, '# see');
    const { marks, streamed, r: all } = await marked(['# see', ' the', ' notes\n']);
    assert.deepEqual(marks, ['# see']);
    assert.equal(all.text, '# see the notes\n');
    assert.equal(streamed, all.text);
  });

  it('with firstLineEarly, the first-line budget marks the text so far and the reply goes on', async () => {
    const { marks, streamed, r } = await marked(['value = compute', '(alpha,', ' beta)\n']);
    assert.deepEqual(marks, ['value = compute(alpha,']);
    assert.equal(r.finishReason, 'eos');
    assert.equal(r.text, 'value = compute(alpha, beta)\n');
    assert.equal(streamed, r.text);
  });

  it('streams what the result holds: not the healed indentation the reply spells again, nothing for a reply that does not spell it', async () => {
    for (const [pieces, want] of [[['    y', ' = 1\n'], 'y = 1\n'], [['y = 1\n'], '']] as const) {
      const s = await serve((_seen, res) => sse(res, pieces.map((content, i) => ({ content, stop: i === pieces.length - 1 }))));
      let streamed = '';
      const r = await new RemoteEngine({ ...base, url: s.url, api: 'infill' }).complete({ ...req('def f():\n    '), heal: true, parts: { prefix: 'def f():\n    ', suffix: '' } }, { onText: (d) => { streamed += d; } });
      assert.equal(r.text, want);
      assert.equal(streamed, want);
    }
  });

  it('every failure is one actionable line, and the API key never appears in it', async () => {
    const key = 'sk-secret-9f8e';
    const run = async (handler: ConstructorParameters<typeof FakeServer>[0], extra: object = {}): Promise<string> => {
      const s = await serve(handler);
      const e = new RemoteEngine({ ...base, url: s.url, api: 'infill', apiKey: key, timeoutMs: 300, ...extra });
      const err = await e.complete(req('x')).then(() => undefined, (x: Error) => x);
      assert.ok(err instanceof RemoteError, 'fails with a RemoteError');
      assert.ok(!err.message.includes('\n') && !err.message.includes(key), err.message);
      return err.message;
    };
    assert.match(await run((_s, res) => { res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid api key"}'); }), /refused the request \(HTTP 401: invalid api key\); set the API key with "PRISM: Set Remote API Key"$/);
    assert.match(await run((_s, res) => { res.writeHead(403).end(); }), /HTTP 403\); set the API key/);
    assert.match(await run((_s, res) => { res.writeHead(429, { 'retry-after': '7' }).end('slow down'); }), /rate-limiting \(HTTP 429: slow down\); pausing completions for 7 s$/);
    assert.match(await run((_s, res) => { res.writeHead(500).end('boom'); }), /answered HTTP 500: boom; check the server's log$/);
    assert.match(await run((_s, res) => { res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: <html>\n\n'); }), /sent a reply that is not JSON \("<html>"\); check prism.remote.url and prism.remote.api$/);
    assert.match(await run((_s, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}'); }), /reply without completion text/);
    assert.match(await run(() => { /* never answers */ }), /no reply from .* within 300 ms; check the server, or raise prism.remote.timeoutMs$/);
    assert.match(await run((_s, res) => { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write('data: {"content":"a","stop":false}\n\n'); /* then silence */ }), /stopped sending for 300 ms/);
    // A port nobody listens on.
    const free = await new Promise<number>((resolve) => { const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(p)); }); });
    const e = new RemoteEngine({ ...base, url: `http://127.0.0.1:${free}`, api: 'infill' });
    await assert.rejects(e.complete(req('x')), /cannot reach the completion server at 127.0.0.1:\d+ \(connection refused\); start it, or fix prism.remote.url$/);
    assert.throws(() => new RemoteEngine({ ...base, url: 'gpu-box:8080' }), /prism.remote.url must be an http:\/\/ or https:\/\/ URL \(got "gpu-box:8080"\)/);
  });

  it('after HTTP 429 it sends nothing until Retry-After has passed', async () => {
    const s = await serve((_s, res) => { res.writeHead(429, { 'retry-after': '30' }).end(); });
    const e = new RemoteEngine({ ...base, url: s.url, api: 'infill' });
    await assert.rejects(e.complete(req('x')), /HTTP 429/);
    await assert.rejects(e.complete(req('x')), /asked us to slow down \(HTTP 429\); next request in (29|30) s/);
    assert.equal(s.seen.length, 1);
  });
});
