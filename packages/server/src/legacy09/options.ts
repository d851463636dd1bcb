/** Timers and limits of the socket.io 0.9 handler; the timers' defaults are socket.io 0.9.19's own. */
import type { OutboundLimits } from '../realtime/outbound-limits.ts';


export interface Legacy09Timing {
  /** Sent to the client in the handshake; a client silent this long is disconnected. */
  heartbeatTimeoutMs: number;
  /** How long a socket outlives its transport (and a handshake waits for one), buffering packets. */
  closeTimeoutMs: number;
  /** Interval of the server's `2::` heartbeats; must be shorter than the heartbeat timeout. */
  heartbeatIntervalMs: number;
  /** A long poll with nothing to say is answered `8::` after this long; keep it below the close timeout. */
  pollingDurationMs: number;
  /**
   * After a transport connects, how long to wait for the client to join a namespace before treating
   * it as a client of the root endpoint `''` (a URL without the `/socket.io/1/` path).
   */
  namespaceGraceMs: number;
}

/** `outboundMax` / `outboundMaxBytes`: what may wait for one client before it is dropped as a slow consumer. */
export interface Legacy09Options extends Legacy09Timing, OutboundLimits {
  /** Largest accepted POST body and websocket frame, in bytes (413 / close 1009 above). */
  maxBodyBytes: number;
  /** `*` echoes any Origin; a list echoes only those. */
  corsOrigins: '*' | readonly string[];
}

export const DEFAULT_LEGACY09_OPTIONS: Readonly<Legacy09Options> = Object.freeze({
  heartbeatTimeoutMs: 60_000,
  closeTimeoutMs: 60_000,
  heartbeatIntervalMs: 25_000,
  pollingDurationMs: 20_000,
  namespaceGraceMs: 500,
  maxBodyBytes: 16 * 1024,
  outboundMax: 1000,
  outboundMaxBytes: 4 * 1024 * 1024,
  corsOrigins: '*',
});

/** Seconds as the handshake writes them: whole numbers for the defaults, fractions for short test timers. */
export function handshakeSeconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}
