/**
 * Turns one 0.9 socket into one realtime session: decides which endpoint (namespace) the client lives
 * on, opens the session on the node, passes `rtcs:channel` commands to it, answers acks, and carries
 * out the node's closes. The hub session's public id is its own; the sid stays between the client and
 * this handler (whoever knows a sid can poll, post and upgrade as that client).
 */
import { RTCS_CHANNEL_EVENT, RTCS_NAMESPACES, type AccessGrant } from '@parley/protocol';
import type { Logger } from 'pino';
import type { App } from '../apps/app.service.ts';
import type { Ticket } from '../realtime/admission.ts';
import type { FloodTarget, InboundGate } from '../realtime/inbound-gate.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import type { CloseMode, Session, SessionWriter } from '../realtime/session.ts';
import { encodePacket, eventJson, eventPacketFromJson, type Packet } from './codec.ts';
import type { Legacy09Timing } from './options.ts';
import { LegacySocket, type SocketHandler } from './socket.ts';

/** Endpoints (0.9's namespaces) an RTCS client may join besides the socket itself (`''`). */
const RTCS_ENDPOINTS: ReadonlySet<string> = new Set(RTCS_NAMESPACES);

export interface BridgeContext {
  node: RealtimeNode;
  log: Logger;
  writer: SessionWriter;
  timing: Legacy09Timing;
}

export interface VerifiedClient {
  app: App;
  grant: AccessGrant;
  /** Its places per access URL and per user, released when the socket is gone. */
  ticket: Ticket;
  /** Origin header of the handshake (webhook detail). */
  origin: string;
}

export class SessionBridge implements SocketHandler, FloodTarget {
  readonly socket: LegacySocket;
  /** The endpoint this client's events are sent on, once decided. */
  endpoint: string | undefined;
  private readonly joined = new Set<string>(['']);
  private opened: Promise<Session> | undefined;
  private grace: NodeJS.Timeout | undefined;
  /** Every packet the client sends, well-formed or not, passes this first. */
  private readonly gate: InboundGate;

  constructor(
    sid: string,
    private readonly client: VerifiedClient,
    private readonly ctx: BridgeContext,
    onDestroyed: (socket: LegacySocket) => void,
  ) {
    this.socket = new LegacySocket(sid, ctx.timing, this, onDestroyed);
    this.gate = ctx.node.inboundGate(this);
  }

  floodContext(): Record<string, unknown> {
    return { app: this.client.app.id, user: this.client.grant.user, transport: `legacy09-${this.socket.transportName ?? 'xhr-polling'}` };
  }

  cutOff(reason: string): void {
    this.closeByServer(reason, 'kick');
  }

  connected(socket: LegacySocket): void {
    // A client given a URL with a path joins that namespace right after `1::`; one without never does.
    this.grace = setTimeout(() => this.open(socket, ''), this.ctx.timing.namespaceGraceMs);
    this.grace.unref();
  }

  packet(socket: LegacySocket, packet: Packet): void {
    if (!this.gate.admit()) {
      this.refused(packet);
      return;
    }
    switch (packet.type) {
      case 'connect':
        // Unknown namespaces get no answer, as 0.9 servers do; the socket itself needs no join.
        if (!RTCS_ENDPOINTS.has(packet.endpoint)) return;
        this.joined.add(packet.endpoint);
        socket.send(encodePacket({ type: 'connect', endpoint: packet.endpoint, query: '' }));
        // A join later than the grace period still moves the session's events to that namespace.
        if (this.endpoint === '') this.endpoint = packet.endpoint;
        this.open(socket, packet.endpoint);
        return;
      case 'disconnect':
        // Leaving the socket, or the namespace the session lives on, ends the session. A client that
        // left only the namespace is told `0::` so that it does not reconnect and rejoin it.
        if (packet.endpoint === '') socket.close('client disconnected', false);
        else if (packet.endpoint === this.endpoint) {
          socket.send('0::');
          socket.close('client left the namespace', true);
        }
        return;
      case 'message':
      case 'json':
        if (packet.ack === 'plain' && packet.id && this.joined.has(packet.endpoint)) this.ackPlain(socket, packet.endpoint, packet.id);
        return;
      case 'event':
        this.event(socket, packet);
        return;
      default:
        // Heartbeats only prove liveness (counted by the socket); client acks, errors and noops need nothing.
        return;
    }
  }

  malformed(_socket: LegacySocket, reason: string): void {
    this.gate.admit();
    this.ctx.log.debug({ app: this.client.app.id, reason }, 'legacy09: malformed packet ignored');
  }

  /** A packet over the rate: dropped, except that a channel command is answered with its refusal. */
  private refused(packet: Packet): void {
    if (packet.type !== 'event' || packet.name !== RTCS_CHANNEL_EVENT || !this.joined.has(packet.endpoint)) return;
    // A session that failed to open was logged and its socket closed there (open()).
    void this.opened?.then((session) => this.ctx.node.refuseCommand(session, packet.args[0]), () => undefined);
  }

  closed(_socket: LegacySocket, reason: string): void {
    clearTimeout(this.grace);
    this.ctx.log.debug({ app: this.client.app.id, reason }, 'legacy09: socket closed');
    // A session that failed to open was logged there; closing one that opened is reported if it fails.
    this.opened?.then(
      (session) => this.ctx.node.closed(session).catch((err: unknown) => this.ctx.log.error({ err, session: session.id }, 'legacy09: closing a session failed')),
      () => undefined,
    );
  }

  private event(socket: LegacySocket, packet: Extract<Packet, { type: 'event' }>): void {
    const { endpoint, id, ack } = packet;
    if (!this.joined.has(endpoint)) return;
    if (ack === 'plain' && id) this.ackPlain(socket, endpoint, id);
    if (packet.name !== RTCS_CHANNEL_EVENT) return;
    const run = this.open(socket, endpoint).then((session) => this.ctx.node.command(session, packet.args[0]));
    run.then(
      () => {
        // A callback given to emit() is called once the command has been answered on `rtcs:channel`.
        if (ack === 'data' && id) socket.send(encodePacket({ type: 'ack', endpoint, ackId: id, args: [] }));
      },
      () => {}, // a session that failed to open was reported there
    );
  }

  private ackPlain(socket: LegacySocket, endpoint: string, id: string): void {
    socket.send(encodePacket({ type: 'ack', endpoint, ackId: id }));
  }

  /** Opens the session once, on the first endpoint the client shows it uses. */
  private open(socket: LegacySocket, endpoint: string): Promise<Session> {
    if (this.opened) return this.opened;
    clearTimeout(this.grace);
    this.endpoint = endpoint;
    const { node, log, writer } = this.ctx;
    const { app, grant, origin } = this.client;
    this.opened = node.open(app, grant, {
      transportId: socket.sid,
      origin,
      transport: `legacy09-${socket.transportName ?? 'xhr-polling'}`,
      writer,
      close: (reason, mode) => this.closeByServer(reason, mode),
    });
    this.opened.catch((err: unknown) => {
      log.error({ err, app: app.id }, 'legacy09: opening a session failed');
      socket.close('server error', false);
    });
    return this.opened;
  }

  /** See CloseMode: the reason goes out as an `error` event, as the v4 transport does. */
  private closeByServer(reason: string, mode: CloseMode): void {
    const socket = this.socket;
    if (socket.state !== 'open') return;
    this.ctx.log.info({ app: this.client.app.id, user: this.client.grant.user, reason }, 'legacy09: closing session');
    if (mode !== 'drop') socket.send(eventPacketFromJson(this.endpoint ?? '', eventJson('error', [reason])));
    // `0::` tells the client it was booted, so it does not reconnect; without it, it reconnects.
    if (mode === 'kick') socket.send('0::');
    socket.close(reason, mode !== 'drop');
  }
}
