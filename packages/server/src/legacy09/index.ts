/**
 * The socket.io 0.9 protocol (RTCS's own JavaScript client, 0.9.17) on the same HTTP server as
 * socket.io v4. engine.io's attach() claims every request and upgrade under `/socket.io/`, so this must
 * run after it: it takes over the server's 'request' and 'upgrade' listeners, serves `/socket.io/1/…`
 * itself and hands everything else to the listeners it replaced, in their order.
 *
 * @example
 *   const io = new Server(httpServer, { allowEIO3: true });
 *   const legacy09 = attachLegacy09(httpServer, node, log, admission, clientAddress(false), { outboundMax: 1000 });
 *   // at shutdown, before httpServer.close():
 *   await legacy09.close();
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Admission } from '../realtime/admission.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import { DEFAULT_LEGACY09_OPTIONS, type Legacy09Options } from './options.ts';
import { Legacy09Server } from './server.ts';

export { DEFAULT_LEGACY09_OPTIONS, type Legacy09Options, type Legacy09Timing } from './options.ts';

export interface Legacy09 {
  /** Live 0.9 sockets (handshaken, connected, or still flushing). */
  readonly socketCount: number;
  /** Refuses new handshakes, ends every socket and closes every websocket (bounded to about 1 s). */
  close(): Promise<void>;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export function attachLegacy09(
  httpServer: HttpServer,
  node: RealtimeNode,
  log: Logger,
  admission: Admission,
  addressOf: (req: IncomingMessage) => string,
  options: Partial<Legacy09Options> = {},
): Legacy09 {
  const resolved = Object.freeze({ ...DEFAULT_LEGACY09_OPTIONS, ...options });
  if (resolved.heartbeatIntervalMs >= resolved.heartbeatTimeoutMs) {
    throw new Error('legacy09: heartbeatIntervalMs must be shorter than heartbeatTimeoutMs');
  }
  const server = new Legacy09Server(node, log, resolved, admission, addressOf);

  const requestListeners = httpServer.listeners('request') as RequestListener[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (server.handleRequest(req, res)) return;
    for (const listener of requestListeners) listener.call(httpServer, req, res);
  });

  const upgradeListeners = httpServer.listeners('upgrade') as UpgradeListener[];
  httpServer.removeAllListeners('upgrade');
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (server.handleUpgrade(req, socket, head)) return;
    // With no one else to take it, an upgrade would hang: end it as Node does without listeners.
    if (upgradeListeners.length === 0) socket.destroy();
    for (const listener of upgradeListeners) listener.call(httpServer, req, socket, head);
  });

  return {
    get socketCount() {
      return server.socketCount;
    },
    close: () => server.close(),
  };
}
