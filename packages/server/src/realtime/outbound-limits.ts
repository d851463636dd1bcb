/**
 * How much may wait for one client that is not reading, in messages and in bytes, whatever the
 * transport. A session whose backlog reached either bound is dropped as a slow consumer instead of
 * growing the server's memory (a backlog may exceed the byte bound by the one message that crossed it).
 */
export interface OutboundLimits {
  /** Messages waiting for one client. */
  outboundMax: number;
  /** Bytes waiting for one client. */
  outboundMaxBytes: number;
}

export interface Backlog {
  packets: number;
  bytes: number;
}

/** True when a client with this backlog must be dropped rather than sent more. */
export function overOutboundLimits(backlog: Backlog, limits: OutboundLimits): boolean {
  return backlog.packets >= limits.outboundMax || backlog.bytes >= limits.outboundMaxBytes;
}

/** The reason a slow consumer is told (where it can still hear it) and logged with. */
export function slowConsumerReason(backlog: Backlog, limits: OutboundLimits): string {
  return backlog.packets >= limits.outboundMax
    ? `slow consumer: more than ${limits.outboundMax} messages waiting to be read`
    : `slow consumer: more than ${limits.outboundMaxBytes} bytes waiting to be read`;
}
