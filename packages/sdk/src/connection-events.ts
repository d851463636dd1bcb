/**
 * `client.connection.on(…)`: the connection events under the names of GitpleLive's SDK 1.1, aliases of
 * the client's own (`connected`, `reconnectTry`…): `reconnect_start` when a live connection dropped
 * and reconnection begins (once per drop), `reconnect_success` once it is back with every missed
 * message delivered, `reconnect_failed` when it gave up, `disconnected` when the session ended.
 */
import { TypedEmitter } from './emitter.ts';

export interface ConnectionAliasEvents {
  connected: () => void;
  reconnect_start: () => void;
  reconnect_success: () => void;
  reconnect_failed: () => void;
  disconnected: (reason: string) => void;
}

/**
 * @example client.connection.on('reconnect_start', () => showBanner('reconnecting…'));
 * @example client.connection.on('reconnect_success', () => hideBanner());
 */
export class ConnectionEmitter extends TypedEmitter<ConnectionAliasEvents> {
  /** @internal The client reports its connection events here. */
  relay<E extends keyof ConnectionAliasEvents>(event: E, ...args: Parameters<ConnectionAliasEvents[E]>): void {
    this.emit(event, ...args);
  }
}
