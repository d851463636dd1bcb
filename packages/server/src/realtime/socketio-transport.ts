/**
 * socket.io v4 transport (EIO4, and EIO3 clients through `allowEIO3`): serves namespace `/` and
 * `/socket.io/1/` alike — an RTCS access URL's path makes 1.x–4.x, Java, Swift and C++ clients join the
 * latter — verifies the access parameters at connect and feeds the realtime node.
 */
import { RTCS_CHANNEL_EVENT } from '@parley/protocol';
import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { AccessError, type AccessParams } from './access-url.ts';
import type { RealtimeNode } from './node.ts';
import type { IncomingMessage } from 'node:http';
import type { Admission } from './admission.ts';
import type { OutboundLimits } from './outbound-limits.ts';
import { FrameWriter } from './socketio-broadcast.ts';
import { SocketIoConnections } from './socketio-connections.ts';
import type { Session, SessionWriter } from './session.ts';

/** Namespaces an RTCS client may join; the second is what the access URL's path turns into. */
export const RTCS_NAMESPACES = ['/', '/socket.io/1/'] as const;

/** Extra connection kinds (the chat SDK's) plug in here; a handler returns false to pass. */
export interface ConnectionHandler {
  /** Decides from the handshake whether this handler owns the connection. */
  accepts(params: AccessParams): boolean;
  /** Verifies the connection; throw an Error whose message is the refusal reason. */
  verify(socket: Socket, params: AccessParams): Promise<void>;
  connected(socket: Socket): void;
}

interface RtcsSocketData {
  access?: Awaited<ReturnType<RealtimeNode['verifyConnection']>>;
}

/**
 * Writes one publication to many sockets of a namespace, encoded once: straight to the TCP socket where
 * that keeps the order (socketio-broadcast.ts), through socket.io (which also encodes once) for the
 * rest. Slow consumers are dropped at the connection (socketio-connections.ts), whatever path the
 * packets took.
 */
function namespaceWriter(nsp: Namespace): SessionWriter {
  return {
    deliver(sessions: readonly Session[], event: string, data: unknown) {
      if (sessions.length === 1) {
        nsp.sockets.get(sessions[0]!.transportId)?.emit(event, data);
        return;
      }
      const writer = new FrameWriter(nsp, [event, data]);
      const others: string[] = [];
      for (const s of sessions) {
        const socket = nsp.sockets.get(s.transportId);
        if (socket && !writer.tryWrite(socket)) others.push(s.transportId);
      }
      if (others.length > 0) nsp.local.to(others).emit(event, data);
    },
  };
}

/** Merges every place a client may put its access parameters: URL query, namespace query, auth. */
export function handshakeParams(socket: Socket): AccessParams {
  const auth = socket.handshake.auth && typeof socket.handshake.auth === 'object' ? socket.handshake.auth : {};
  return { ...socket.handshake.query, ...auth } as AccessParams;
}

/**
 * socket.io v4 connects every EIO3 (1.x/2.x) client to `/` implicitly, before the client asks for its
 * own namespace. Such a `/` socket only becomes a session if the client does not join `/socket.io/1/`
 * within this grace period (or uses `/` first); otherwise one client would count twice.
 */
const EIO3_ROOT_GRACE_MS = 500;

export interface SocketIoTransportOptions {
  /** Handshake rates, connections per address and places per access URL and user. */
  admission: Admission;
  /** The client address of a request (TRUST_PROXY). */
  addressOf(req: IncomingMessage): string;
  /** What may wait for one client before it counts as a slow consumer and is disconnected. */
  outbound: OutboundLimits;
  /** Other connection kinds on the same namespaces (the chat SDK's). */
  extra?: ConnectionHandler[];
}

export function attachSocketIo(io: Server, node: RealtimeNode, log: Logger, options: SocketIoTransportOptions): void {
  const extra = options.extra ?? [];
  const { admission, addressOf } = options;
  const connections = new SocketIoConnections(io, node, log, options.outbound, admission, addressOf);
  // Handshakes only (engine.io asks for new connections, not for requests of existing ones).
  io.engine.opts.allowRequest = (req, callback) => {
    const refusal = admission.handshake(addressOf(req));
    callback(refusal ?? null, refusal === undefined);
  };
  // Engine-level clients that joined the RTCS namespace, and the pending implicit `/` socket of each.
  const joinedRtcsNamespace = new WeakSet<object>();
  const pendingRoot = new WeakMap<object, () => void>();

  for (const name of RTCS_NAMESPACES) {
    const nsp = io.of(name);
    const writer = namespaceWriter(nsp);

    nsp.use((socket, next) => {
      const params = handshakeParams(socket);
      const handler = extra.find((h) => h.accepts(params));
      const verified = handler
        ? handler.verify(socket, params)
        : node.verifyConnection(params).then(async (access) => {
            await connections.claim(socket, () => admission.claim({ appId: access.app.id, user: access.grant.user, signature: access.signature }));
            (socket.data as RtcsSocketData).access = access;
          });
      verified.then(
        () => next(),
        (err: unknown) => {
          const reason = err instanceof Error && (err instanceof AccessError || handler) ? err.message : 'server error';
          if (!(err instanceof AccessError) && !handler) log.error({ err }, 'connection verification failed');
          next(new Error(reason));
        },
      );
    });

    nsp.on('connection', (socket) => {
      connections.add(socket);
      const params = handshakeParams(socket);
      const handler = extra.find((h) => h.accepts(params));
      if (handler) {
        handler.connected(socket);
        return;
      }
      const access = (socket.data as RtcsSocketData).access!;
      let opened: Promise<Session> | undefined;
      const open = (): Promise<Session> => {
        opened ??= node.open(access.app, access.grant, {
          transportId: socket.id,
          origin: String(socket.handshake.headers.origin ?? ''),
          transport: socket.conn.transport.name,
          writer,
          close(reason, mode, session) {
            // RTCS clients listen on `error` for reasons.
            log.info({ session: session.id, app: access.app.id, reason }, 'closing session');
            socket.emit('error', reason);
            if (mode === 'kick') socket.disconnect(true);
            else socket.conn.close(mode === 'drop');
          },
        });
        opened.catch((err: unknown) => {
          log.error({ err }, 'opening a session failed');
          socket.disconnect(true);
        });
        connections.opened(socket, opened);
        return opened;
      };

      if (name !== '/') {
        joinedRtcsNamespace.add(socket.client);
        pendingRoot.get(socket.client)?.();
        void open();
      } else if (socket.conn.protocol === 3) {
        const timer = setTimeout(() => {
          pendingRoot.delete(socket.client);
          if (!joinedRtcsNamespace.has(socket.client) && socket.connected) void open();
        }, EIO3_ROOT_GRACE_MS);
        pendingRoot.set(socket.client, () => {
          clearTimeout(timer);
          pendingRoot.delete(socket.client);
        });
      } else {
        void open();
      }

      socket.on(RTCS_CHANNEL_EVENT, (payload: unknown) => {
        void open().then((session) => node.command(session, payload));
      });
      socket.on('disconnect', () => {
        pendingRoot.get(socket.client)?.();
        void opened?.then((session) => node.closed(session));
      });
    });
  }
}
