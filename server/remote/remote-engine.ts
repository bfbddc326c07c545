// A team's inference server as the engine: llama.cpp's server (/infill, with its extra-context
// field), any OpenAI-compatible /v1/completions (with `suffix` when asked for: only FIM models
// answer it sensibly, plain otherwise). The language server hands it the same prefix and suffix
// it would run locally; the reply is streamed (server-sent events), cut at the request's stops
// and time budget, and the HTTP request is aborted on cancellation or supersession, so the
// server stops generating too.
//
// Every failure becomes one actionable line (unreachable, TLS, 401/403, 429, timeout, a reply
// that is not what the API promises); nothing here can hang the editor: every request has a
// deadline. The API key lives only in memory (the extension keeps it in VS Code's SecretStorage)
// and never appears in a message.
import type { CompletionRequest, CompletionResult, FinishReason, Timings } from '../engine/types';
import { firstLineCut, StopScanner } from '../engine/emitter';
import { isWordChar } from '../engine/healing';

export type RemoteApi = 'auto' | 'infill' | 'completions' | 'completions-suffix';

export interface RemoteOptions {
  /** Base URL, e.g. http://gpu-box:8080 (llama.cpp) or https://host/v1 (OpenAI-compatible). */
  url: string;
  /** Model name sent with OpenAI-style requests (empty: the server's default). */
  model: string;
  api: RemoteApi;
  apiKey?: string;
  /** No reply byte within this many ms (or no progress for as long): the request fails. */
  timeoutMs: number;
}

/** A file snippet sent as extra context (llama.cpp /infill's input_extra). */
export interface ExtraChunk { filename: string; text: string }

/** Prefix and suffix of the prompt as the language server built them, for endpoints with FIM fields. */
export interface RemoteParts { prefix: string; suffix: string; extra?: ExtraChunk[] }

/** What one remote request measured: the server's own request latency is the HTTP time. */
export interface RemoteTimings { httpMs: number; firstByteMs: number; endpoint: string }

type Endpoint = 'infill' | 'completions-suffix' | 'completions';

// 'auto' never sends an OpenAI `suffix`: servers accept it for models without FIM tokens and
// answer garbage (llama-cpp-python 0.3.36 on SmolLM2 wrote " AUDIO_CALENDERS"); it is asked for
// by name where the model has FIM tokens.
const CANDIDATES: Record<RemoteApi, Endpoint[]> = {
  auto: ['infill', 'completions'],
  infill: ['infill'],
  completions: ['completions'],
  'completions-suffix': ['completions-suffix'],
};

/** Whether a string is an http(s) URL with a host (prism.remote.url, bench --backend). */
export function isHttpUrl(url: string): boolean {
  return /^https?:\/\/[^/]/i.test(url);
}

export class RemoteError extends Error {
  constructor(message: string, readonly status?: number) { super(message); }
}

export class RemoteEngine {
  readonly info: { modelPath: string; device: 'remote'; loadMs: number; exact: boolean; fim: boolean; remote: true; fimTokens?: undefined };
  readonly running = true;
  private readonly candidates: Endpoint[];
  /** Index of the endpoint in use; `confirmed` once one answered (then it never changes). */
  private at = 0;
  private confirmed = false;
  private retryAt = 0;
  /** The last request's HTTP timings (what the server itself took, seen from here). */
  last: RemoteTimings | undefined;

  constructor(private readonly o: RemoteOptions, private readonly log: (line: string) => void = () => {}, private readonly fetchFn: typeof fetch = fetch) {
    if (!isHttpUrl(o.url)) throw new RemoteError(`prism.remote.url must be an http:// or https:// URL (got "${o.url}"); set it to your server, e.g. http://localhost:8080`);
    this.info = { modelPath: `${o.url}${o.model ? ` (${o.model})` : ''}`, device: 'remote', loadMs: 0, exact: true, fim: false, remote: true };
    this.candidates = CANDIDATES[o.api];
  }

  /** Where requests of an endpoint kind go. */
  urlFor(e: Endpoint): string {
    const base = this.o.url.replace(/\/+$/, '');
    if (e === 'infill') return `${base.replace(/\/v1$/, '')}/infill`;
    return /\/v1$/.test(base) ? `${base}/completions` : `${base}/v1/completions`;
  }

  async dispose(): Promise<void> { /* nothing held: requests end with their signals */ }

  async complete(request: CompletionRequest & { parts?: RemoteParts }, opts: { signal?: AbortSignal; onText?: (delta: string, early?: boolean) => void } = {}): Promise<CompletionResult> {
    const t0 = performance.now();
    // Prefill only (a document became active): one token asked for, so a server that caches
    // prompts (llama.cpp's cache_prompt, vLLM's prefix caching) holds this one when the user asks.
    if (request.prefillOnly) request = { ...request, maxTokens: 1, prefillOnly: false, stop: [] };
    if (Date.now() < this.retryAt) throw new RemoteError(`the completion server asked us to slow down (HTTP 429); next request in ${Math.ceil((this.retryAt - Date.now()) / 1000)} s`, 429);
    const parts = request.parts ?? { prefix: request.prompt, suffix: '' };
    // Text healing for remote servers: a prompt that ends in indentation ends mid-token for the
    // server's tokenizer (BPE tokens carry their leading whitespace); send it without that
    // indentation, and keep the reply only where it spells the indentation again.
    const indent = request.heal ? /(?:^|\n)([ \t]+)$/.exec(parts.prefix)?.[1] ?? '' : '';
    const sent = { ...parts, prefix: parts.prefix.slice(0, parts.prefix.length - indent.length) };
    for (;;) {
      // Requests run concurrently (several documents, superseded ones still draining): one that
      // finds its endpoint missing after another already moved on just retries with the next.
      const tried = this.at;
      const endpoint = this.candidates[tried] as Endpoint;
      try {
        const r = await this.stream(endpoint, request, sent, indent, t0, opts);
        if (!this.confirmed && r.finishReason !== 'cancelled') { this.confirmed = true; this.log(`remote: completing with ${describe(this.urlFor(endpoint), endpoint)}`); }
        return r;
      } catch (e) {
        if (!(e instanceof RemoteError) || !isUnsupported(endpoint, e.status)) throw e;
        if (tried < this.at) continue; // another request moved on meanwhile
        if (this.confirmed || tried + 1 >= this.candidates.length) throw e;
        this.at++;
        const next = this.candidates[this.at] as Endpoint;
        this.log(`remote: ${describe(this.urlFor(endpoint), endpoint)} is not available (${(e as Error).message}); trying ${describe(this.urlFor(next), next)}`);
      }
    }
  }

  private body(endpoint: Endpoint, req: CompletionRequest, parts: RemoteParts): Record<string, unknown> {
    const s = req.sampling;
    const sampling = s && s.temperature > 0 ? { temperature: s.temperature, top_p: s.topP ?? 1, ...(s.seed !== undefined ? { seed: s.seed } : {}) } : { temperature: 0 };
    // OpenAI's API takes at most 4 stop strings; the stops are applied here as well.
    const stop = (req.stop ?? []).filter((x) => x.length > 0).slice(0, 4);
    if (endpoint === 'infill') {
      return {
        input_prefix: parts.prefix, input_suffix: parts.suffix, input_extra: parts.extra ?? [],
        n_predict: req.maxTokens, stream: true, cache_prompt: true, stop, ...sampling, ...(s?.topK ? { top_k: s.topK } : {}),
      };
    }
    return {
      ...(this.o.model ? { model: this.o.model } : {}),
      prompt: parts.prefix, ...(endpoint === 'completions-suffix' && parts.suffix ? { suffix: parts.suffix } : {}),
      max_tokens: req.maxTokens, stream: true, stop, ...sampling,
    };
  }

  private async stream(endpoint: Endpoint, req: CompletionRequest, parts: RemoteParts, healed: string, t0: number, opts: { signal?: AbortSignal; onText?: (delta: string, early?: boolean) => void }): Promise<CompletionResult> {
    const url = this.urlFor(endpoint);
    const ctl = new AbortController();
    let why: 'cancelled' | 'timeout' | 'done' | undefined;
    const abort = (w: typeof why): void => { if (!why) why = w; ctl.abort(); };
    const onAbort = (): void => abort('cancelled');
    if (opts.signal?.aborted) return emptyResult('cancelled', t0);
    opts.signal?.addEventListener('abort', onAbort);
    // No byte for timeoutMs (before the reply or between chunks): give up.
    let watchdog = setTimeout(() => abort('timeout'), this.o.timeoutMs);
    const alive = (): void => { clearTimeout(watchdog); watchdog = setTimeout(() => abort('timeout'), this.o.timeoutMs); };
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    const sent = performance.now();
    let firstByteMs = 0;
    // The server stops at the request's stops too; a line break after the first line's content
    // (stopAfterContent: the next line at a line's end) only here, which closes the stream.
    const stops = new StopScanner(req);
    const deadline = req.timeBudgetMs !== undefined ? t0 + req.timeBudgetMs : Infinity;
    // The first-line budget counts from the first text that arrives (the server's prompt phase is over).
    let firstLineDeadline = Infinity;
    let text = '';
    let shown = 0; // characters of `text` handed to onText (or not to be shown)
    // Hands what is new to onText. The healed indentation the reply must spell first is not shown
    // (the result drops it), and a reply that does not spell it shows nothing (its result is empty).
    const emit = (mark?: boolean): void => {
      if (!text.startsWith(healed)) return;
      const from = Math.max(shown, healed.length);
      if (text.length > from || mark) opts.onText?.(text.slice(from), mark);
      shown = text.length;
    };
    let finish: FinishReason | undefined;
    let early = false; // the first-line budget ran out and was marked (firstLineEarly)
    let usage: { prompt?: number; completion?: number } = {};
    try {
      let res: Response;
      try {
        res = await this.fetchFn(url, { method: 'POST', headers, body: JSON.stringify(this.body(endpoint, req, parts)), signal: ctl.signal });
      } catch (e) {
        if (why === 'cancelled') return emptyResult('cancelled', t0);
        if (why === 'timeout') throw new RemoteError(`no reply from ${url} within ${this.o.timeoutMs} ms; check the server, or raise prism.remote.timeoutMs`);
        throw new RemoteError(networkMessage(url, e));
      }
      firstByteMs = performance.now() - sent;
      alive();
      if (!res.ok) {
        const detail = await res.text().then((t) => errorDetail(t), () => '');
        throw this.httpError(url, res.status, detail, res.headers.get('retry-after'));
      }
      if (!res.body) throw new RemoteError(`${url} sent an empty reply; check prism.remote.api (auto, infill or completions)`);
      const decoder = new TextDecoder();
      let buf = '';
      let sse = false;
      const take = (piece: string, stop: boolean | string | null | undefined, u?: typeof usage): void => {
        if (u) usage = u;
        if (finish) return; // after a stop, the rest of the stream is not ours
        if (piece && firstLineDeadline === Infinity && req.firstLineBudgetMs !== undefined) firstLineDeadline = performance.now() + req.firstLineBudgetMs;
        text += piece;
        const hit = stops.scan(text, text.length - piece.length);
        if (hit >= 0) { text = text.slice(0, hit); finish = 'stop'; }
        else if (performance.now() > deadline && text.slice(shown).includes('\n')) {
          text = text.slice(0, text.lastIndexOf('\n')); finish = 'time';
        } else if (!early) {
          const cut = firstLineCut(text, text.length - piece.length, performance.now(), firstLineDeadline, firstLineDeadline + (req.firstLineBudgetMs ?? 0));
          if (cut >= 0 && req.firstLineEarly) {
            // Marked, not ended: the text up to the cut can be shown while the line goes on.
            early = true;
            const all = text;
            text = text.slice(0, cut);
            emit(true);
            text = all;
          } else if (cut >= 0) {
            text = text.slice(0, cut);
            finish = 'time';
          }
        }
        if (!finish && stop) finish = stop === 'length' ? 'length' : 'eos';
        emit();
      };
      const reader = res.body.getReader();
      for (;;) {
        let chunk: { done: boolean; value?: Uint8Array };
        try {
          chunk = await reader.read();
        } catch (e) {
          if (why === 'cancelled') return emptyResult('cancelled', t0);
          if (why === 'timeout') throw new RemoteError(`${url} stopped sending for ${this.o.timeoutMs} ms; check the server, or raise prism.remote.timeoutMs`);
          if (why === 'done') break;
          throw new RemoteError(networkMessage(url, e));
        }
        if (chunk.done) break;
        alive();
        buf += decoder.decode(chunk.value, { stream: true });
        let nl: number;
        while (!finish && (nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).replace(/\r$/, '');
          buf = buf.slice(nl + 1);
          if (!line.startsWith('data:')) continue;
          sse = true;
          const data = line.slice(5).trim();
          if (data === '[DONE]') { finish ??= 'eos'; continue; }
          const piece = parseChunk(data, endpoint, url);
          take(piece.text, piece.stop, piece.usage);
        }
        if (finish) { abort('done'); break; }
      }
      if (!sse) {
        // A server that ignored stream: true answers with one JSON body.
        const piece = parseChunk((buf + decoder.decode()).trim(), endpoint, url);
        take(piece.text, piece.stop ?? 'eos', piece.usage);
      }
    } finally {
      clearTimeout(watchdog);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (why === 'cancelled' && !finish) return emptyResult('cancelled', t0);
    const httpMs = performance.now() - sent;
    this.last = { httpMs, firstByteMs, endpoint: url };
    if (healed) {
      // The reply must spell the indentation the prompt lost; what does not is not shown.
      if (!text.startsWith(healed)) return { ...emptyResult('stop', t0), healed };
      text = text.slice(healed.length);
    }
    // After a selected IntelliSense item (req.wordEnd) a reply that runs on inside its word is not
    // shown: a local model is kept from it token by token, a remote one only filtered.
    if (req.wordEnd && isWordChar(text, 0)) return { ...emptyResult('stop', t0), healed: healed || undefined };
    const totalMs = performance.now() - t0;
    const decodeTokens = usage.completion ?? 0;
    const timings: Timings = {
      promptTokens: usage.prompt ?? 0, reusedTokens: 0, prefillTokens: usage.prompt ?? 0, prefillMs: firstByteMs,
      decodeTokens, decodeMs: httpMs - firstByteMs, decodeTokensPerS: decodeTokens > 0 ? decodeTokens / Math.max(1e-3, (httpMs - firstByteMs) / 1000) : 0, totalMs,
    };
    return { text, tokens: [], finishReason: finish ?? 'eos', timings, healed: healed || undefined };
  }

  private httpError(url: string, status: number, detail: string, retryAfter: string | null): RemoteError {
    const tail = detail ? `: ${detail}` : '';
    if (status === 401 || status === 403) return new RemoteError(`${url} refused the request (HTTP ${status}${tail}); set the API key with "PRISM: Set Remote API Key"`, status);
    if (status === 429) {
      const s = Number(retryAfter);
      const wait = Number.isFinite(s) && s > 0 ? Math.min(s, 300) : 5;
      this.retryAt = Date.now() + wait * 1000;
      return new RemoteError(`${url} is rate-limiting (HTTP 429${tail}); pausing completions for ${wait} s`, status);
    }
    if (status === 404) return new RemoteError(`${url} was not found (HTTP 404${tail}); check prism.remote.url and prism.remote.api`, status);
    return new RemoteError(`${url} answered HTTP ${status}${tail}; check the server's log`, status);
  }
}

function describe(url: string, e: Endpoint): string {
  return e === 'completions-suffix' ? `${url} with suffix` : url;
}

/** The server says this endpoint (or its suffix field) does not exist here: try the next one. */
function isUnsupported(e: Endpoint, status: number | undefined): boolean {
  if (status === 404 || status === 405 || status === 501) return true;
  return e !== 'completions' && (status === 400 || status === 422);
}

function emptyResult(finishReason: FinishReason, t0: number): CompletionResult {
  const totalMs = performance.now() - t0;
  return { text: '', tokens: [], finishReason, timings: { promptTokens: 0, reusedTokens: 0, prefillTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0, decodeTokensPerS: 0, totalMs } };
}

interface Piece { text: string; stop?: boolean | string | null; usage?: { prompt?: number; completion?: number } }

/** One streamed (or whole) reply: llama.cpp's {content, stop} or OpenAI's {choices: [{text}]}. */
export function parseChunk(data: string, endpoint: Endpoint, url: string): Piece {
  let j: unknown;
  try { j = JSON.parse(data); } catch {
    throw new RemoteError(`${url} sent a reply that is not JSON ("${data.slice(0, 60)}"); check prism.remote.url and prism.remote.api`);
  }
  const o = j as Record<string, unknown>;
  if (o && typeof o === 'object' && o.error) throw new RemoteError(`${url} reported an error: ${errorDetail(data)}`);
  if (typeof o?.content === 'string') {
    const t = o.timings as { prompt_n?: number; predicted_n?: number } | undefined;
    return { text: o.content, stop: o.stop === true ? ((o.stop_type === 'limit' || o.truncated) ? 'length' : true) : null, usage: t ? { prompt: t.prompt_n, completion: t.predicted_n } : undefined };
  }
  const c = Array.isArray(o?.choices) ? (o.choices[0] as Record<string, unknown> | undefined) : undefined;
  if (c && typeof c.text === 'string') {
    const u = o.usage as { prompt_tokens?: number; completion_tokens?: number } | undefined;
    return { text: c.text, stop: (c.finish_reason as string | null | undefined) ?? null, usage: u ? { prompt: u.prompt_tokens, completion: u.completion_tokens } : undefined };
  }
  if (c && endpoint !== 'infill' && o.usage) return { text: '', usage: { prompt: (o.usage as Record<string, number>).prompt_tokens, completion: (o.usage as Record<string, number>).completion_tokens } };
  throw new RemoteError(`${url} sent a reply without completion text ("${data.slice(0, 60)}"); check prism.remote.api (auto, infill or completions)`);
}

/** The server's own error message, short. */
function errorDetail(body: string): string {
  let msg = body.trim();
  try {
    const j = JSON.parse(body) as { error?: unknown; detail?: unknown; message?: unknown };
    const e = j.error ?? j.detail ?? j.message;
    msg = typeof e === 'string' ? e : typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : JSON.stringify(e ?? j);
  } catch { /* not JSON: the text itself */ }
  msg = msg.replace(/\s+/g, ' ');
  return msg.length > 120 ? `${msg.slice(0, 117)}...` : msg;
}

/** One line for a connection that failed before any reply. */
function networkMessage(url: string, e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as { code?: string }).code ?? '';
  const host = (() => { try { return new URL(url).host; } catch { return url; } })();
  if (code === 'ECONNREFUSED') return `cannot reach the completion server at ${host} (connection refused); start it, or fix prism.remote.url`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${host}; check prism.remote.url and the network`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `${host} closed the connection; check the server's log`;
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) || /certificate|SSL|TLS/i.test(cause?.message ?? '')) {
    return `TLS failed with ${host} (${code || cause?.message}); give Node the server's CA (NODE_EXTRA_CA_CERTS) or fix the certificate`;
  }
  return `request to ${host} failed (${code || cause?.message || (e as Error).message}); check prism.remote.url`;
}
