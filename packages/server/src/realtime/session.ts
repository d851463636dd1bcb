/**
 * A realtime session: one connected client of one app, whatever transport carries it. Transports
 * create sessions and hand the hub a writer; the hub never sees a socket.
 */
import { randomBytes } from 'node:crypto';
import type { MemberMap } from '@parley/protocol';
import { Payload } from './payload.ts';

/**
 * A fresh public session id: 16 random bytes (128 bits) as 22 base64url characters, unrelated to any
 * transport's id, so that knowing it (members see it) grants nothing.
 */
export function newPublicSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Writes events to sessions of one transport. `deliver` gets every target of one publication at once so
 * that the transport can encode the packet a single time and write the same bytes to each socket.
 */
export interface SessionWriter {
  deliver(sessions: readonly Session[], event: string, payload: Payload): void;
}

/** `rtcs`: a client of an access URL; `chat`: an SDK connection, subscribed by the server to its user's channels. */
export type SessionKind = 'rtcs' | 'chat';

/**
 * - `kick`: a deliberate disconnect (flooding): client libraries do not reconnect by themselves.
 * - `reconnect`: flush, then close like a lost connection, so clients reconnect (elsewhere) — shutdown.
 * - `drop`: close at once without flushing (a client that does not read would never drain).
 */
export type CloseMode = 'kick' | 'reconnect' | 'drop';

export interface SessionInit {
  kind: SessionKind;
  /**
   * The public id: what other members, the Service API and webhooks see. Never a transport's id, which
   * is a bearer secret of that transport (a 0.9 sid or an engine.io sid lets whoever knows it poll,
   * post or upgrade as the client).
   */
  id: string;
  /** The transport's own id for this client, used only to find its connection; never sent anywhere. */
  transportId: string;
  appId: string;
  user: string;
  via: string;
  /** Origin header of the connecting client (webhook detail). */
  origin: string;
  /** Transport name for metrics and logs: `websocket`, `polling`, `legacy09-websocket`, … */
  transport: string;
  /** Channels pre-authorised by the access URL. */
  granted: readonly string[];
  writer: SessionWriter;
  /**
   * Closes the client's connection, telling it `reason` where it can still hear it; the transport then
   * reports the disconnect to the node. See CloseMode.
   */
  close(reason: string, mode: CloseMode, session: Session): void;
}

/** The grant of a session whose access URL named no channel (nearly all chat and many RTCS sessions): shared. */
const NO_CHANNELS: ReadonlySet<string> = new Set();

export class Session {
  readonly kind: SessionKind;
  readonly id: string;
  readonly transportId: string;
  readonly appId: string;
  readonly user: string;
  readonly via: string;
  readonly origin: string;
  readonly transport: string;
  readonly granted: ReadonlySet<string>;
  readonly writer: SessionWriter;
  /** Channels this session is subscribed to. Owned by the hub. */
  readonly channels = new Set<string>();
  private readonly closer: SessionInit['close'];
  closed = false;
  /** Chat users whose publications it must not receive (blocked by its user); unset for nearly all sessions. */
  blocks?: Set<string>;

  constructor(init: SessionInit) {
    this.kind = init.kind;
    this.id = init.id;
    this.transportId = init.transportId;
    this.appId = init.appId;
    this.user = init.user;
    this.via = init.via;
    this.origin = init.origin;
    this.transport = init.transport;
    this.granted = init.granted.length === 0 ? NO_CHANNELS : new Set(init.granted);
    this.writer = init.writer;
    this.closer = init.close;
  }

  send(event: string, ...args: unknown[]): void {
    if (!this.closed) this.writer.deliver([this], event, Payload.of(args));
  }

  close(reason: string, mode: CloseMode): void {
    if (!this.closed) this.closer(reason, mode, this);
  }
}

export type { MemberMap };
