/**
 * Flooding a socket faster than its token bucket allows, and the bound the contract sets on what gets
 * through: every inbound packet takes a token (SOCKET_EVENTS_PER_S refill, SOCKET_EVENTS_BURST at once)
 * and after 100 refused packets the session is cut, so a flooder passes at most
 * burst + refill over the flood's duration + 100 packets before the cut.
 */

export interface FloodLimits {
  perSecond: number;
  burst: number;
  refusedBeforeCut: number;
}

export const DEFAULT_FLOOD_LIMITS: FloodLimits = { perSecond: 50, burst: 200, refusedBeforeCut: 100 };

/** The most packets a flood of `ms` may pass before its session is cut. */
export function floodBound(ms: number, limits: FloodLimits = DEFAULT_FLOOD_LIMITS): number {
  return limits.burst + Math.ceil((limits.perSecond * ms) / 1000) + limits.refusedBeforeCut;
}

/** What a message says when the server cuts a flooder (sent as an `error` event). */
export const FLOOD_REASON = 'too many events: flood protection';

export interface FloodOutcome {
  cut: boolean;
  /** Packets sent before the cut was seen (all of them when it never came). */
  sent: number;
  /** From the first packet to the cut (or to the end of the budget and the wait after it). */
  ms: number;
}

export interface FloodOptions {
  /** Packets per batch; the flooder yields to the event loop (or waits for its request) between batches. */
  batch?: number;
  /** Gives up after this many packets… */
  maxPackets?: number;
  /** …or this long, then waits `settleMs` more for a cut. */
  maxMs?: number;
  settleMs?: number;
}

/**
 * Sends batches (`sendBatch(first, count)` sends packets first…first+count-1) as fast as it can until
 * `isCut()` says the server cut the session, or the budget is spent.
 */
export async function floodUntilCut(sendBatch: (first: number, count: number) => void | Promise<void>, isCut: () => boolean, options: FloodOptions = {}): Promise<FloodOutcome> {
  const { batch = 20, maxPackets = 2000, maxMs = 4000, settleMs = 1500 } = options;
  const started = performance.now();
  let sent = 0;
  while (!isCut() && sent < maxPackets && performance.now() - started < maxMs) {
    await sendBatch(sent, batch);
    sent += batch;
    await new Promise((r) => setImmediate(r));
  }
  const settleUntil = performance.now() + settleMs;
  while (!isCut() && performance.now() < settleUntil) await new Promise((r) => setTimeout(r, 10));
  return { cut: isCut(), sent, ms: Math.round(performance.now() - started) };
}
