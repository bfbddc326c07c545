// The language server (dist/server.js) as a child process over stdio, with an LSP connection to
// it: what the typing-trace benchmark and the LSP integration tests talk to.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import {
  createProtocolConnection, InitializedNotification, InitializeRequest, type InitializeResult, type ProtocolConnection,
  StreamMessageReader, StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { LOG, STATUS, type StatusParams } from '../../common/protocol';
import { projectRoot } from '../paths';

export interface LspServer { conn: ProtocolConnection; proc: ChildProcess; init: InitializeResult; statuses: StatusParams[] }

/** Starts the server with these `prism` settings and initializes it; status notifications are kept. */
export async function startLspServer(settings: Record<string, unknown>): Promise<LspServer> {
  const proc = spawn(process.execPath, [path.join(projectRoot(), 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout as NodeJS.ReadableStream), new StreamMessageWriter(proc.stdin as NodeJS.WritableStream));
  const statuses: StatusParams[] = [];
  conn.onNotification(STATUS, (p: StatusParams) => { statuses.push(p); });
  conn.onNotification(LOG, () => undefined);
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { settings } });
  await conn.sendNotification(InitializedNotification.type, {});
  return { conn, proc, init, statuses };
}

/** shutdown, exit, and wait for the process to end. */
export async function stopLspServer(s: { conn: ProtocolConnection; proc: ChildProcess }): Promise<void> {
  await s.conn.sendRequest('shutdown');
  await s.conn.sendNotification('exit');
  s.conn.dispose();
  if (s.proc.exitCode === null) await new Promise((r) => s.proc.once('exit', r));
}
