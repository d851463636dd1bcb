/**
 * Flood protection for what clients send. Every inbound packet of a connection — any event, ack,
 * heartbeat or malformed frame, on every transport — takes a token from the connection's bucket
 * (`eventsBurst` at once, refilled at `eventsPerSecond`); a packet that finds the bucket empty is
 * refused (dropped unread, or answered with a refusal), and the client that collected
 * `floodDisconnectAfter` refusals is cut off, once. Refusals are forgotten at one per second, so a
 * client that overshoots now and then over hours is not cut; a flood is, within it.
 *
 * A gate is a few numbers per connection: what to do with a flooder is the policy's (one per node) and
 * the target's (the connection, which knows how to cut itself off), not a closure per gate.
 */

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

/** The connection a gate guards. */
export interface FloodTarget {
  /** Who the flooder is, for the log line. */
  floodContext(): Record<string, unknown>;
  /** Tells the client `reason` where it can still hear it, and disconnects it. */
  cutOff(reason: string): void;
}

/** The node's part: the limits, and what is done (log, count, cut) with a client past them. */
export interface FloodPolicy {
  readonly limits: InboundLimits;
  flooded(target: FloodTarget): void;
}

export class InboundGate {
  private tokens: number;
  private last: number;
  private refused = 0;
  private lastRefusal = 0;
  private cut = false;

  constructor(
    private readonly policy: FloodPolicy,
    private readonly target: FloodTarget,
    now = performance.now(),
  ) {
    this.tokens = policy.limits.eventsBurst;
    this.last = now;
  }

  /** True once the client was cut off for flooding: nothing it sends counts any more. */
  get flooded(): boolean {
    return this.cut;
  }

  /** Takes a token for one inbound packet; false when the packet must be refused. */
  admit(now = performance.now()): boolean {
    if (this.cut) return false;
    const { eventsPerSecond, eventsBurst, floodDisconnectAfter } = this.policy.limits;
    this.tokens = Math.min(eventsBurst, this.tokens + ((now - this.last) / 1000) * eventsPerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.refused = Math.max(0, this.refused - (now - this.lastRefusal) / REFUSAL_MEMORY_MS) + 1;
    this.lastRefusal = now;
    if (this.refused >= floodDisconnectAfter) {
      this.cut = true;
      this.policy.flooded(this.target);
    }
    return false;
  }
}
