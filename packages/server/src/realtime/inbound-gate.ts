/**
 * Flood protection for what clients send. Every inbound packet of a connection — any event, ack,
 * heartbeat or malformed frame, on every transport — takes a token from the connection's bucket; a
 * packet that finds the bucket empty is refused (dropped unread, or answered with a refusal), and the
 * client that collected `floodDisconnectAfter` refusals is cut off, once. Refusals are forgotten at one
 * per second, so a client that overshoots now and then over hours is not cut; a flood is, within it.
 */
import { TokenBucket } from './rate-limit.ts';

export interface InboundLimits {
  /** Sustained packets per second per connection, and the burst allowed above it. */
  eventsPerSecond: number;
  eventsBurst: number;
  /** Packets refused for rate before the connection is cut. */
  floodDisconnectAfter: number;
}

/** What a flooding client is told before it is disconnected. */
export const FLOOD_REASON = 'too many events: flood protection';

/** One refusal is forgotten per this many milliseconds. */
const REFUSAL_MEMORY_MS = 1000;

export class InboundGate {
  private readonly bucket: TokenBucket;
  private refused = 0;
  private lastRefusal = 0;
  private cut = false;

  constructor(
    private readonly limits: InboundLimits,
    /** Runs once, when the client passes the refusal limit. */
    private readonly onFlood: () => void,
    now = performance.now(),
  ) {
    this.bucket = new TokenBucket(limits.eventsPerSecond, limits.eventsBurst, now);
  }

  /** True once the client was cut off for flooding: nothing it sends counts any more. */
  get flooded(): boolean {
    return this.cut;
  }

  /** Takes a token for one inbound packet; false when the packet must be refused. */
  admit(now = performance.now()): boolean {
    if (this.cut) return false;
    if (this.bucket.take(now)) return true;
    this.refused = Math.max(0, this.refused - (now - this.lastRefusal) / REFUSAL_MEMORY_MS) + 1;
    this.lastRefusal = now;
    if (this.refused >= this.limits.floodDisconnectAfter) {
      this.cut = true;
      this.onFlood();
    }
    return false;
  }
}
