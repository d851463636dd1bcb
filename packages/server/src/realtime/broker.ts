/**
 * The broker carries messages between nodes: publications (what the API accepted, presence notices, chat
 * events) and control messages (move a user's sessions in or out of a channel, or end them). A node
 * subscribes to a channel on its first local subscriber and receives only the traffic of channels it
 * hosts. A single node uses the in-memory broker, which hands each message straight back to this node;
 * cluster mode swaps in a Redis one (src/cluster).
 */
import { randomBytes } from 'node:crypto';
import type { Payload } from './payload.ts';

/** One publication: `event(...payload)` to every session subscribed to any of `channels`. */
export interface Publication {
  /** Unique per publication: a node receiving it through several of its channels delivers it once. */
  id: string;
  appId: string;
  channels: string[];
  event: string;
  payload: Payload;
  /** A session that must not receive it (the joiner of a presence notice). */
  exceptSession?: string;
  /** The chat user it comes from: sessions whose user blocked that user do not receive it. */
  from?: string;
  /** A chat user whose sessions must not receive it (the typer of a typing event). */
  exceptUser?: string;
}

/**
 * What a control message does to the local sessions subscribed to its channel: join or leave another
 * channel (a chat member added or removed), leave this one (a deleted chat channel), or end (revoked
 * tokens; or, with `session`, only the session with that public id: the console's disconnect), with the
 * reason the client is told.
 */
export type Control =
  | { op: 'join' | 'leave'; channel: string }
  | { op: 'drop' }
  | { op: 'close'; reason: string; session?: string }
  /** The sessions' user blocked or unblocked `user` (chat): publications from it stop or resume. */
  | { op: 'block' | 'unblock'; user: string };

export interface ControlMessage {
  id: string;
  appId: string;
  /** The channel whose subscribers it acts on (for a user's sessions: the user's personal channel). */
  channel: string;
  control: Control;
}

export type BrokerMessage = Publication | ControlMessage;

export const isControl = (m: BrokerMessage): m is ControlMessage => 'control' in m;

/** The channels a message travels on. */
export const channelsOf = (m: BrokerMessage): readonly string[] => (isControl(m) ? [m.channel] : m.channels);

/** A fresh message id (72 random bits: unique among what is in flight). */
export function newMessageId(): string {
  return randomBytes(9).toString('base64url');
}

/** The broker cannot carry messages right now (e.g. Redis is down); the API answers 503. */
export class BrokerUnavailableError extends Error {}

export interface Broker {
  /** Registers the receiver of every message this node is subscribed to, its own included. Called once. */
  onMessage(handler: (m: BrokerMessage) => void): void;
  /** Resolves once the message is handed to the transport that reaches every node. */
  publish(m: BrokerMessage): Promise<void>;
  /** Starts receiving a channel's messages; resolves once they flow (so nothing published later is missed). */
  subscribe(appId: string, channel: string): Promise<void>;
  unsubscribe(appId: string, channel: string): Promise<void>;
  close(): Promise<void>;
}

/** One node: every message goes straight back to it; there is nothing to subscribe to. */
export class MemoryBroker implements Broker {
  private handler: (m: BrokerMessage) => void = () => {};

  onMessage(handler: (m: BrokerMessage) => void): void {
    this.handler = handler;
  }

  async publish(m: BrokerMessage): Promise<void> {
    this.handler(m);
  }

  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  async close(): Promise<void> {}
}
