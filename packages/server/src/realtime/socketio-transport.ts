/**
 * socket.io v4 transport (EIO4, and EIO3 clients through `allowEIO3`): serves namespace `/` and
 * `/socket.io/1/` alike — an RTCS access URL's path makes 1.x–4.x, Java, Swift and C++ clients join the
 * latter — verifies each connection at connect and opens it as a session on the realtime node: an RTCS
 * client by its access URL, a chat connection (the SDK's) through the handler that claims it.
 */
import { RTCS_CHANNEL_EVENT, RTCS_NAMESPACES } from '@parley/protocol';
import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { AccessError, type AccessParams } from './access-url.ts';
import type { IncomingMessage } from 'node:http';
import type { InternalSessionSpec, OpenSessionInit, RealtimeNode, VerifiedAccess } from './node.ts';
import type { Admission } from './admission.ts';
import type { OutboundLimits } from './outbound-limits.ts';
import type { Payload } from './payload.ts';
import { FrameWriter } from './socketio-broadcast.ts';
import { SocketIoConnections } from './socketio-connections.ts';
import type { Session, SessionWriter } from './session.ts';


/** What a verified internal connection becomes: its session, and when (and why) it must end. */
export interface InternalConnection {
  spec: InternalSessionSpec;
  /** Unix ms at which the session is closed with `reason` (a chat token's expiry). */
  endsAt?: { at: number; reason: string };
  /**
   * Client events the connection may send (the chat's `typing`), by name: each gets the
   * session, the event's first argument and the acknowledgement callback when the client asked for one.
   * They pass the connection's inbound flood gate like every packet (socketio-connections.ts).
   */
  events?: Readonly<Record<string, (session: Session, payload: unknown, ack?: (answer: unknown) => void) => void>>;
}

/** Extra connection kinds (the chat SDK's) plug in here; a handler returns false to pass. */
export interface ConnectionHandler {
  /** Decides from the handshake whether this handler owns the connection. */
  accepts(params: AccessParams): boolean;
  /** Verifies the connection; throw an Error whose message is the refusal reason. */
  verify(params: AccessParams): Promise<InternalConnection>;
}

type Verified = { kind: 'rtcs'; access: VerifiedAccess } | { kind: 'chat'; connection: InternalConnection };

/** What the namespace middleware leaves on `socket.data` for the connection handler. */
interface VerifiedSocketData {
  verified?: Verified;
}

/** Longest delay setTimeout takes (a longer one fires at once): later ends re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/** Closes `session` with `reason` once `at` (unix ms) has passed; the returned function cancels. */
function closeAt(session: Session, at: number, reason: string): () => void {
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = at - Date.now();
    if (left > 0) timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
    else session.close(reason, 'kick');
  };
  check();
  return () => clearTimeout(timer);
}

/**
 * A chat session is opened before socket.io tells its client it is connected (so that nothing
 * published after the client's `connect` is missed); what it is sent meanwhile waits here, in order.
 */
interface Connecting {
  queue: Array<readonly [event: string, payload: Payload]>;
  /** Set when the session was closed before the socket connected: the reason it is refused with. */
  closed?: string;
}

/**
 * Writes one publication to many sockets of a namespace, encoded once: straight to the TCP socket where
 * that keeps the order (socketio-broadcast.ts), through socket.io (which also encodes once) for the
 * rest. Slow consumers are dropped at the connection (socketio-connections.ts), whatever path the
 * packets took; a socket still connecting gets its packets queued (at most `outboundMax`).
 */
function namespaceWriter(nsp: Namespace, connecting: ReadonlyMap<string, Connecting>, outbound: OutboundLimits): SessionWriter {
  const hold = (session: Session, event: string, payload: Payload): void => {
    const pending = connecting.get(session.transportId);
    if (!pending) return;
    if (pending.queue.length < outbound.outboundMax) pending.queue.push([event, payload]);
    else session.close(`slow consumer: more than ${outbound.outboundMax} messages waiting to be read`, 'drop');
  };
  return {
    deliver(sessions: readonly Session[], event: string, payload: Payload) {
      // One session too: the pre-encoded frame spares engine.io's per-packet queue, which a burst to an
      // idle reader would otherwise fill before its first send completes.
      const writer = new FrameWriter(nsp, event, payload);
      const others: string[] = [];
      for (const s of sessions) {
        const socket = nsp.sockets.get(s.transportId);
        if (!socket) hold(s, event, payload);
        else if (!writer.tryWrite(socket)) others.push(s.transportId);
      }
      if (others.length > 0) nsp.local.to(others).emit(event, ...payload.args);
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
    const connecting = new Map<string, Connecting>();
    const writer = namespaceWriter(nsp, connecting, options.outbound);

    // One closer for every session of the namespace (not a closure per socket): the socket is found by
    // its id, and one no longer in the namespace has disconnected, its session closing with it.
    const close: OpenSessionInit['close'] = (reason, mode, session) => {
      log.info({ session: session.id, kind: session.kind, app: session.appId, reason }, 'closing session');
      const pending = connecting.get(session.transportId);
      if (pending) {
        pending.closed = reason;
        return;
      }
      const socket = nsp.sockets.get(session.transportId);
      if (!socket) return;
      // Clients hear the reason on `error` (RTCS clients, and the SDK, which renews on token reasons).
      socket.emit('error', reason);
      if (mode === 'kick') socket.disconnect(true);
      else socket.conn.close(mode === 'drop');
    };
    const init = (socket: Socket): OpenSessionInit => ({
      transportId: socket.id,
      origin: String(socket.handshake.headers.origin ?? ''),
      transport: socket.conn.transport.name,
      writer,
      close,
    });
    /** Each socket's session: the opening while it runs, then the session (a settled promise would be kept for nothing). */
    const sessions = new WeakMap<Socket, Promise<Session> | Session>();
    /** Opens (once) the session of a socket; a failure is logged, and the socket disconnected or refused. */
    const open = (socket: Socket, verified: Verified): Promise<Session> => {
      const known = sessions.get(socket);
      if (known) return Promise.resolve(known);
      const opened = verified.kind === 'rtcs' ? node.open(verified.access.app, verified.access.grant, init(socket)) : node.openInternal(verified.connection.spec, init(socket));
      opened.then(
        (session) => {
          if (sessions.get(socket) === opened) sessions.set(socket, session);
        },
        (err: unknown) => {
          log.error({ err }, 'opening a session failed');
          socket.disconnect(true);
        },
      );
      sessions.set(socket, opened);
      connections.opened(socket, opened);
      // What verified an RTCS client is needed no more (a chat connection's is read at connect).
      if (verified.kind === 'rtcs') (socket.data as VerifiedSocketData).verified = undefined;
      return opened;
    };

    nsp.use((socket, next) => {
      const params = handshakeParams(socket);
      const handler = extra.find((h) => h.accepts(params));
      const data = socket.data as VerifiedSocketData;
      const verified = handler
        ? handler.verify(params).then(async (connection) => {
            data.verified = { kind: 'chat', connection };
            // Open now, with deliveries held until the socket connects.
            connecting.set(socket.id, { queue: [] });
            // Logged by open(); the client hears only that it may try again.
            const session = await open(socket, data.verified).catch(() => {
              throw new Error('temporarily unavailable, try again');
            });
            const refused = connecting.get(socket.id)?.closed;
            if (refused !== undefined) {
              connecting.delete(socket.id);
              await node.closed(session);
              throw new Error(refused);
            }
          })
        : node.verifyConnection(params).then(async (access) => {
            await connections.claim(socket, () => admission.claim({ appId: access.app.id, user: access.grant.user, signature: access.signature }));
            data.verified = { kind: 'rtcs', access };
          });
      verified.then(
        () => next(),
        (err: unknown) => {
          connecting.delete(socket.id);
          const reason = err instanceof Error && (err instanceof AccessError || handler) ? err.message : 'server error';
          if (!(err instanceof AccessError) && !handler) log.error({ err }, 'connection verification failed');
          next(new Error(reason));
        },
      );
    });

    /** Runs `fn` with the socket's session; failures were logged and the socket disconnected where it was opened (open()). */
    const withSession = (socket: Socket, fn: (session: Session) => unknown): void => {
      const known = sessions.get(socket);
      void (known ? Promise.resolve(known) : open(socket, (socket.data as VerifiedSocketData).verified!)).then(fn, () => undefined);
    };
    // Listeners shared by the namespace's sockets (socket.io calls them on the socket): a closure per
    // socket and event would be kept as long as the session.
    function onDisconnect(this: Socket): void {
      pendingRoot.get(this.client)?.();
      const known = sessions.get(this);
      if (known === undefined) return;
      void Promise.resolve(known).then(
        (session) => node.closed(session).catch((err: unknown) => log.error({ err, session: session.id }, 'closing a session failed')),
        () => undefined, // logged where it was opened
      );
    }
    function onChannelCommand(this: Socket, payload: unknown): void {
      withSession(this, (session) => node.command(session, payload));
    }

    nsp.on('connection', (socket) => {
      connections.add(socket);
      const verified = (socket.data as VerifiedSocketData).verified!;
      socket.on('disconnect', onDisconnect);

      if (verified.kind === 'chat') {
        const pending = connecting.get(socket.id);
        connecting.delete(socket.id);
        for (const [event, payload] of pending?.queue ?? []) socket.emit(event, ...payload.args);
        for (const [event, handle] of Object.entries(verified.connection.events ?? {})) {
          socket.on(event, (payload: unknown, ack?: unknown) => withSession(socket, (session) => handle(session, payload, typeof ack === 'function' ? (ack as (answer: unknown) => void) : undefined)));
        }
        withSession(socket, (session) => {
          if (pending?.closed !== undefined) session.close(pending.closed, 'kick');
          const ends = verified.connection.endsAt;
          if (!ends || !socket.connected) return;
          const cancel = closeAt(session, ends.at, ends.reason);
          socket.once('disconnect', cancel);
        });
        return;
      }

      if (name !== '/') {
        joinedRtcsNamespace.add(socket.client);
        pendingRoot.get(socket.client)?.();
        void open(socket, verified);
      } else if (socket.conn.protocol === 3) {
        const timer = setTimeout(() => {
          pendingRoot.delete(socket.client);
          if (!joinedRtcsNamespace.has(socket.client) && socket.connected) void open(socket, verified);
        }, EIO3_ROOT_GRACE_MS);
        pendingRoot.set(socket.client, () => {
          clearTimeout(timer);
          pendingRoot.delete(socket.client);
        });
      } else {
        void open(socket, verified);
      }

      socket.on(RTCS_CHANNEL_EVENT, onChannelCommand);
    });
  }
}
