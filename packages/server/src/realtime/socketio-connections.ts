/**
 * State of one engine.io connection, shared by every socket.io socket (namespace) its client opens:
 * the inbound flood gate and the RTCS sessions living on it. The gate sits in front of socket.io's own
 * decoder — it wraps the connection's `data` listeners — so that a packet over the rate is dropped
 * before anything is parsed or dispatched; engine.io's own packets (heartbeats, upgrade probes) count
 * too. A refused `rtcs:channel` command is still answered, as the 0.9 transport does.
 *
 * Outbound, every packet engine.io creates for the connection — RTCS publications, chat events,
 * deliveries from other nodes through the adapter — passes the slow-consumer check here, in one place:
 * a connection whose backlog reached the outbound limits is dropped with a reason and counted.
 */
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { Decoder, PacketType, type Packet } from 'socket.io-parser';
import { RTCS_CHANNEL_EVENT } from '@parley/protocol';
import type { IncomingMessage } from 'node:http';
import type { Admission, Ticket } from './admission.ts';
import type { InboundGate } from './inbound-gate.ts';
import type { RealtimeNode } from './node.ts';
import { overOutboundLimits, slowConsumerReason, type OutboundLimits } from './outbound-limits.ts';
import { connectionBacklog } from './socketio-backlog.ts';
import type { Session } from './session.ts';

/** The engine.io connection as seen through socket.io's public types. */
export type EngineConnection = Socket['conn'];

interface ConnectionState {
  gate: InboundGate;
  /** Namespace sockets of this client, to tell each why it is cut off. */
  sockets: Set<Socket>;
  /** Open RTCS sessions of this client by namespace name (answered synchronously, before a cut). */
  sessions: Map<string, Session>;
  /** Set once the connection is being dropped as a slow consumer. */
  dropping: boolean;
  /** The RTCS client's places (per access URL, per user), taken once for all its namespaces. */
  ticket?: Promise<Ticket>;
  /** The connection has closed: places taken from now on (a verification still running) are given back. */
  closed: boolean;
}

type DataListener = (data: unknown) => void;

/** How many binary attachments follow the socket.io packet in `data` (`51-…`: one), 0 for any other. */
function binaryAttachments(data: unknown): number {
  if (typeof data !== 'string') return 0;
  const type = data.charCodeAt(0);
  // '5' BINARY_EVENT, '6' BINARY_ACK: the type, the count, then '-'.
  if (type !== 0x35 && type !== 0x36) return 0;
  const dash = data.indexOf('-');
  if (dash < 2 || dash > 12) return 0;
  const n = Number(data.slice(1, dash));
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The namespace and arguments of a socket.io EVENT packet carried in `data`, if it is one. */
function decodeEvent(data: unknown): { nsp: string; args: unknown[] } | undefined {
  if (typeof data !== 'string' || data.charCodeAt(0) !== 0x32 /* '2' = EVENT */) return undefined;
  let packet: Packet | undefined;
  const decoder = new Decoder();
  decoder.on('decoded', (p: Packet) => (packet = p));
  try {
    decoder.add(data);
  } catch {
    return undefined;
  } finally {
    decoder.destroy();
  }
  if (!packet || packet.type !== PacketType.EVENT || !Array.isArray(packet.data)) return undefined;
  return { nsp: packet.nsp, args: packet.data as unknown[] };
}

export class SocketIoConnections {
  private readonly states = new WeakMap<EngineConnection, ConnectionState>();

  constructor(
    io: Server,
    private readonly node: RealtimeNode,
    private readonly log: Logger,
    private readonly outbound: OutboundLimits,
    private readonly admission: Admission,
    private readonly addressOf: (req: IncomingMessage) => string,
  ) {
    // Registered after socket.io's own `connection` listener, so its client (and `data` listener) exists.
    io.engine.on('connection', (conn: EngineConnection) => this.track(conn));
  }

  /** Registers a namespace socket with its connection (every connected socket, RTCS or chat). */
  add(socket: Socket): void {
    const state = this.states.get(socket.conn);
    if (!state) return;
    state.sockets.add(socket);
    socket.once('disconnect', () => state.sockets.delete(socket));
  }

  /**
   * Takes the places of the RTCS client behind `socket` once per connection (an EIO3 client's implicit
   * `/` socket and its `/socket.io/1/` one are one client); rejects with the refusal when they are full.
   */
  claim(socket: Socket, take: () => Promise<Ticket>): Promise<Ticket> {
    const state = this.states.get(socket.conn);
    if (!state) return take();
    if (!state.ticket) {
      const ticket = take();
      state.ticket = ticket;
      ticket.then(
        (t) => state.closed && t.release(),
        () => {
          if (state.ticket === ticket) state.ticket = undefined;
        },
      );
    }
    return state.ticket;
  }

  /** Records the RTCS session a namespace socket opened, so refused commands can be answered. */
  opened(socket: Socket, session: Promise<Session>): void {
    const state = this.states.get(socket.conn);
    if (!state) return;
    session.then(
      (s) => {
        state.sessions.set(socket.nsp.name, s);
        // The connection ended while the session was being opened (its socket never connected).
        if (state.closed) void this.node.closed(s);
      },
      () => undefined, // logged where it was opened
    );
  }

  private track(conn: EngineConnection): void {
    const state: ConnectionState = {
      gate: this.node.inboundGate(
        () => ({ transport: conn.transport.name, address: conn.remoteAddress }),
        (reason) => this.cut(conn, state, reason),
      ),
      sockets: new Set(),
      sessions: new Map(),
      dropping: false,
      closed: false,
    };
    this.states.set(conn, state);
    const disconnected = this.admission.connected(this.addressOf(conn.request));
    conn.once('close', () => {
      state.closed = true;
      disconnected();
      // Sessions whose socket never connected (opened in the middleware) have no `disconnect` to end them.
      for (const session of state.sessions.values()) void this.node.closed(session);
      void state.ticket?.then((ticket) => ticket.release(), () => {});
    });
    const listeners = conn.listeners('data') as DataListener[];
    if (listeners.length === 0) this.log.error('socket.io registered no data listener before Parley: inbound flood protection is off');
    conn.removeAllListeners('data');
    const forward = (data: unknown) => {
      for (const listener of listeners) listener.call(conn, data);
    };
    // A binary packet is a header and then its attachments, each its own message: they share the
    // header's fate, so a refusal never leaves socket.io's decoder half-way through a packet.
    let attachments = 0;
    let attachmentsAdmitted = false;
    conn.on('data', (data: unknown) => {
      if (attachments > 0 && typeof data !== 'string') {
        attachments--;
        state.gate.admit();
        if (attachmentsAdmitted) forward(data);
        return;
      }
      const admitted = state.gate.admit();
      attachments = binaryAttachments(data);
      attachmentsAdmitted = admitted;
      if (admitted) {
        forward(data);
        return;
      }
      const event = decodeEvent(data);
      const session = event && event.args[0] === RTCS_CHANNEL_EVENT ? state.sessions.get(event.nsp) : undefined;
      if (session) this.node.refuseCommand(session, event!.args[1]);
    });
    // Heartbeats and upgrade probes cannot be refused, but they count towards the flood limit.
    conn.on('packet', (packet: { type: string }) => {
      if (packet.type !== 'message') state.gate.admit();
    });
    conn.on('packetCreate', () => this.checkBacklog(conn, state));
  }

  /** Runs as engine.io creates each outbound packet, before it is queued. */
  private checkBacklog(conn: EngineConnection, state: ConnectionState): void {
    if (state.dropping) return;
    const backlog = connectionBacklog(conn);
    if (!overOutboundLimits(backlog, this.outbound)) return;
    state.dropping = true;
    this.node.observer.dropped('slow_consumer');
    const reason = slowConsumerReason(backlog, this.outbound);
    this.log.info({ transport: conn.transport.name, address: conn.remoteAddress, reason }, 'dropping a slow consumer');
    // Not from inside engine.io's send: the packet being created is queued first, then discarded.
    setImmediate(() => {
      for (const session of state.sessions.values()) session.close(reason, 'drop');
      conn.close(true);
    });
  }

  /** Tells every socket of the connection why, then ends it; clients do not reconnect after this. */
  private cut(conn: EngineConnection, state: ConnectionState, reason: string): void {
    // Every socket hears the reason before any disconnects: the first disconnect(true) ends the
    // connection, and an EIO3 client's implicit `/` socket usually comes first.
    const sockets = [...state.sockets];
    for (const socket of sockets) socket.emit('error', reason);
    for (const socket of sockets) socket.disconnect(true);
    conn.close();
  }
}
