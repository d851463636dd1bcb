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
 *
 * A node holds thousands of these, so a connection's state is one object and its listeners are shared
 * functions that find it from the connection they are called on — no closures per connection.
 */
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import { Decoder, PacketType, type Packet } from 'socket.io-parser';
import { RTCS_CHANNEL_EVENT } from '@parley/protocol';
import type { IncomingMessage } from 'node:http';
import type { Admission, Ticket } from './admission.ts';
import type { FloodTarget, InboundGate } from './inbound-gate.ts';
import type { RealtimeNode } from './node.ts';
import { overOutboundLimits, slowConsumerReason, type OutboundLimits } from './outbound-limits.ts';
import { connectionBacklog } from './socketio-backlog.ts';
import type { Session } from './session.ts';
import { releaseHandshake } from './socketio-handshake.ts';

/** The engine.io connection as seen through socket.io's public types. */
export type EngineConnection = Socket['conn'];

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

/** Every tracked connection's state, found from the connection a shared listener is called on. */
const TRACKED = new WeakMap<EngineConnection, Tracked>();

/** One engine.io connection's state. */
class Tracked implements FloodTarget {
  readonly gate: InboundGate;
  /** Namespace sockets of this client (connected or not), to tell each why it is cut off. */
  sockets: Socket[] = [];
  /** Open sessions of this client with their namespace (answered synchronously, before a cut). */
  sessions: Array<{ nsp: string; session: Session }> = [];
  /** socket.io's own `data` listeners, which admitted packets are handed to. */
  forward: DataListener[] = [];
  /** Attachments still to come of the binary packet being read, and whether it was admitted. */
  attachments = 0;
  attachmentsAdmitted = false;
  /** Set once the connection is being dropped as a slow consumer. */
  dropping = false;
  /** The connection has closed: places taken from now on (a verification still running) are given back. */
  closed = false;
  /**
   * The RTCS client's places (per access URL, per user), taken once for all its namespaces: the claim
   * while it runs, then the places it holds (a settled promise would be kept for nothing).
   */
  places: Promise<Ticket> | Ticket | undefined;

  constructor(
    readonly owner: SocketIoConnections,
    readonly conn: EngineConnection,
    /** The client's address, as admission counted it. */
    readonly address: string,
  ) {
    this.gate = owner.node.inboundGate(this);
  }

  floodContext(): Record<string, unknown> {
    return { transport: this.conn.transport.name, address: this.conn.remoteAddress };
  }

  /** Every socket hears the reason before any disconnects: the first disconnect(true) ends the connection. */
  cutOff(reason: string): void {
    const sockets = [...this.sockets];
    for (const socket of sockets) socket.emit('error', reason);
    for (const socket of sockets) socket.disconnect(true);
    this.conn.close();
  }

  sessionOn(nsp: string): Session | undefined {
    return this.sessions.find((s) => s.nsp === nsp)?.session;
  }
}

/** Client packets: admitted ones go on to socket.io's decoder, refused ones are dropped unread. */
function onData(this: EngineConnection, data: unknown): void {
  const t = TRACKED.get(this);
  if (!t) return;
  // A binary packet is a header and then its attachments, each its own message: they share the
  // header's fate, so a refusal never leaves socket.io's decoder half-way through a packet.
  if (t.attachments > 0 && typeof data !== 'string') {
    t.attachments--;
    t.gate.admit();
    if (t.attachmentsAdmitted) for (const listener of t.forward) listener.call(this, data);
    return;
  }
  const admitted = t.gate.admit();
  t.attachments = binaryAttachments(data);
  t.attachmentsAdmitted = admitted;
  if (admitted) {
    for (const listener of t.forward) listener.call(this, data);
    return;
  }
  const event = decodeEvent(data);
  const session = event && event.args[0] === RTCS_CHANNEL_EVENT ? t.sessionOn(event.nsp) : undefined;
  if (session) t.owner.node.refuseCommand(session, event!.args[1]);
}

/** Heartbeats and upgrade probes cannot be refused, but they count towards the flood limit. */
function onPacket(this: EngineConnection, packet: { type: string }): void {
  if (packet.type !== 'message') TRACKED.get(this)?.gate.admit();
}

/** Runs as engine.io creates each outbound packet, before it is queued. */
function onPacketCreate(this: EngineConnection): void {
  const t = TRACKED.get(this);
  if (t && !t.dropping) t.owner.checkBacklog(t);
}

function onClose(this: EngineConnection): void {
  const t = TRACKED.get(this);
  if (t && !t.closed) t.owner.closed(t);
}

/** A polling connection moved to a WebSocket: that upgrade's leftovers go too. */
function onUpgrade(this: EngineConnection): void {
  releaseHandshake(this);
}

export class SocketIoConnections {
  constructor(
    io: Server,
    readonly node: RealtimeNode,
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
    const t = TRACKED.get(socket.conn);
    if (!t) return;
    // concat() allocates the exact length; push() and spreads leave room for 16 more, kept as long as the connection.
    t.sockets = t.sockets.filter((s) => s.connected).concat(socket);
  }

  /**
   * Takes the places of the RTCS client behind `socket` once per connection (an EIO3 client's implicit
   * `/` socket and its `/socket.io/1/` one are one client); rejects with the refusal when they are full.
   */
  claim(socket: Socket, take: () => Promise<Ticket>): Promise<Ticket> {
    const t = TRACKED.get(socket.conn);
    if (!t) return take();
    if (t.places === undefined) {
      const claim = take();
      t.places = claim;
      claim.then(
        (held) => {
          if (t.places === claim) t.places = held;
          if (t.closed) held.release();
        },
        () => {
          if (t.places === claim) t.places = undefined;
        },
      );
    }
    return Promise.resolve(t.places);
  }

  /** Records the session a namespace socket opened, so refused commands can be answered and drops reach it. */
  opened(socket: Socket, session: Promise<Session>): void {
    const t = TRACKED.get(socket.conn);
    if (!t) return;
    session.then(
      (s) => {
        t.sessions = t.sessions.concat({ nsp: socket.nsp.name, session: s }); // exact length, as sockets
        // The connection ended while the session was being opened (its socket never connected).
        if (t.closed) void this.node.closed(s);
      },
      () => undefined, // logged where it was opened
    );
  }

  private track(conn: EngineConnection): void {
    const t = new Tracked(this, conn, this.addressOf(conn.request));
    TRACKED.set(conn, t);
    // After the address was read: from here on only the handshake's few fields are kept.
    releaseHandshake(conn);
    this.admission.connected(t.address);
    t.forward = conn.listeners('data') as DataListener[];
    if (t.forward.length === 0) this.log.error('socket.io registered no data listener before Parley: inbound flood protection is off');
    conn.removeAllListeners('data');
    conn.on('data', onData);
    conn.on('packet', onPacket);
    conn.on('packetCreate', onPacketCreate);
    // `on`, not `once`: engine.io emits `close` once, and once() wraps each listener in a closure.
    conn.on('close', onClose);
    if (conn.transport.name !== 'websocket') conn.once('upgrade', onUpgrade);
  }

  /** @internal (onClose) */
  closed(t: Tracked): void {
    t.closed = true;
    this.admission.disconnected(t.address);
    // Sessions whose socket never connected (opened in the middleware) have no `disconnect` to end them.
    for (const { session } of t.sessions) void this.node.closed(session);
    const places = t.places;
    if (places instanceof Promise) void places.then((held) => held.release(), () => undefined);
    else places?.release();
  }

  /** @internal (onPacketCreate) */
  checkBacklog(t: Tracked): void {
    const backlog = connectionBacklog(t.conn);
    if (!overOutboundLimits(backlog, this.outbound)) return;
    t.dropping = true;
    this.node.observer.dropped('slow_consumer');
    const reason = slowConsumerReason(backlog, this.outbound);
    this.log.info({ transport: t.conn.transport.name, address: t.conn.remoteAddress, reason }, 'dropping a slow consumer');
    // Not from inside engine.io's send: the packet being created is queued first, then discarded.
    setImmediate(() => {
      for (const { session } of t.sessions) session.close(reason, 'drop');
      t.conn.close(true);
    });
  }
}
