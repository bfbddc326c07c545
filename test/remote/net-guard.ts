// Preloaded into the language server by the network tests (node --require): every outbound
// connection attempt (TCP/IPC connect, UDP bind/connect/send) is appended to $PRISM_NET_LOG as
// one JSON line, from the main thread and from worker threads alike.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';

const file = process.env.PRISM_NET_LOG;
const note = (what: string, detail: unknown): void => {
  if (file) fs.appendFileSync(file, `${JSON.stringify({ what, detail })}\n`);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  // net.connect() hands over its arguments normalized: [[options, callback]].
  const a = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  note('connect', typeof a === 'object' && a !== null ? { host: (a as net.TcpNetConnectOpts).host, port: (a as net.TcpNetConnectOpts).port, path: (a as net.IpcNetConnectOpts).path } : { port: a, host: args[1] });
  return (connect as (...x: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

// UDP: every way a datagram socket starts talking.
for (const m of ['bind', 'connect', 'send'] as const) {
  const orig = dgram.Socket.prototype[m] as (...x: unknown[]) => unknown;
  (dgram.Socket.prototype as unknown as Record<string, unknown>)[m] = function (this: dgram.Socket, ...args: unknown[]) {
    note(`udp ${m}`, args.filter((x) => typeof x !== 'function' && !(x instanceof Uint8Array)));
    return orig.apply(this, args);
  };
}
