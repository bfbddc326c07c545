// The language server (dist/server.js) as a child process over stdio, with an LSP connection to
// it: what the typing-trace benchmark and the LSP integration tests talk to.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection, InitializedNotification, InitializeRequest, type InitializeResult, type ProtocolConnection,
  StreamMessageReader, StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { LOG, STATUS, type StatusParams } from '../../common/protocol';
import { serverEnv } from '../../common/server-env';
import { projectRoot } from '../paths';

export interface LspServer { conn: ProtocolConnection; proc: ChildProcess; init: InitializeResult; statuses: StatusParams[]; logs: string[] }

/**
 * Starts the server with these `prism` settings and initializes it; status notifications are
 * kept. opts: node flags (e.g. --require a preload) and environment for the process (with the
 * extension's additions, common/server-env.ts; `asIs`: without them, as another editor's LSP
 * client would start it).
 */
export async function startLspServer(settings: Record<string, unknown>, opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv; asIs?: boolean } = {}): Promise<LspServer> {
  const env = opts.env ?? process.env;
  const proc = spawn(process.execPath, [...(opts.execArgv ?? []), path.join(projectRoot(), 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: opts.asIs ? env : serverEnv(env) });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout as NodeJS.ReadableStream), new StreamMessageWriter(proc.stdin as NodeJS.WritableStream));
  const statuses: StatusParams[] = [];
  conn.onNotification(STATUS, (p: StatusParams) => { statuses.push(p); });
  const logs: string[] = [];
  conn.onNotification(LOG, (p: { line: string }) => { logs.push(p.line); });
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { settings } });
  await conn.sendNotification(InitializedNotification.type, {});
  return { conn, proc, init, statuses, logs };
}

/** shutdown, exit, and wait for the process to end. */
export async function stopLspServer(s: { conn: ProtocolConnection; proc: ChildProcess }): Promise<void> {
  await s.conn.sendRequest('shutdown');
  await s.conn.sendNotification('exit');
  s.conn.dispose();
  if (s.proc.exitCode === null) await new Promise((r) => s.proc.once('exit', r));
}
