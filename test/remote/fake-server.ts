// A scripted HTTP server on the loopback for the remote backend's tests: each request is recorded
// (path, headers, JSON body) and answered by the test's handler; whether the client hung up
// before the reply ended is recorded too (cancellation must reach the server).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The client closed the connection before the reply ended. */
  abortedByClient: boolean;
}

export type Handler = (req: Seen, res: http.ServerResponse) => void | Promise<void>;

export class FakeServer {
  readonly seen: Seen[] = [];
  private server: http.Server | undefined;
  url = '';

  constructor(public handler: Handler) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => { raw += c.toString(); });
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        try { body = JSON.parse(raw) as Record<string, unknown>; } catch { /* not JSON */ }
        const seen: Seen = { path: req.url ?? '', headers: req.headers, body, abortedByClient: false };
        this.seen.push(seen);
        res.on('close', () => { if (!res.writableFinished) seen.abortedByClient = true; });
        void Promise.resolve(this.handler(seen, res)).catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** Writes server-sent events, one `data:` line each, with a pause between them. */
export async function sse(res: http.ServerResponse, events: unknown[], gapMs = 0): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events) {
    if (res.destroyed) return;
    res.write(`data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
  }
  res.end();
}

/** OpenAI-style stream chunks for pieces of text, the last with a finish reason. */
export function openaiChunks(pieces: string[], finish = 'stop'): unknown[] {
  return [
    ...pieces.map((t, i) => ({ choices: [{ text: t, index: 0, finish_reason: i === pieces.length - 1 ? finish : null }] })),
    '[DONE]',
  ];
}
