/**
 * The broker carries publications between nodes. A single node uses the in-memory broker, which hands
 * each publication straight back to this node's hub; cluster mode swaps in a Redis one (src/cluster).
 */

/** One publication: what the API accepted, or a presence notice. */
export interface Publication {
  appId: string;
  channels: string[];
  event: string;
  data: unknown;
  /** A session that must not receive it (the joiner of a presence notice). */
  exceptSession?: string;
}

/** The broker cannot carry publications right now (e.g. Redis is down); the API answers 503. */
export class BrokerUnavailableError extends Error {}

export interface Broker {
  /** Registers the receiver of every publication, local or remote. Called once before the first publish. */
  onPublication(handler: (p: Publication) => void): void;
  /** Resolves once the publication is handed to the transport that reaches every node. */
  publish(p: Publication): Promise<void>;
  close(): Promise<void>;
}

export class MemoryBroker implements Broker {
  private handler: (p: Publication) => void = () => {};

  onPublication(handler: (p: Publication) => void): void {
    this.handler = handler;
  }

  async publish(p: Publication): Promise<void> {
    this.handler(p);
  }

  async close(): Promise<void> {}
}
