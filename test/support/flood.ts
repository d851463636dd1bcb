/**
 * Flooding a socket faster than its token bucket allows, and the bound the contract sets on what gets
 * through: every inbound packet takes a token (SOCKET_EVENTS_PER_S refill, SOCKET_EVENTS_BURST at once)
 * and after 100 refused packets the session is cut, so a flooder passes at most
 * burst + refill over the flood's duration + 100 packets before the cut.
 */
import { expect } from 'vitest';
import { decodePayload } from '../../packages/server/src/legacy09/codec.ts';
import { framed09, handshake09, httpText, rawWsSession, transportUrl, until } from '../legacy09-client.ts';
import type { HookReceiver } from './hook-receiver.ts';
import { collect, publish, type AnyClient } from './rtcs-clients.ts';
import type { TestParley } from './start-parley.ts';

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
  const { batch = 20, maxPackets = 2000, maxMs = 3000, settleMs = 1000 } = options;
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

/** The cut as a 0.9 client sees it: the `error` event on the RTCS endpoint, then `0::`. */
export const FLOOD_ERROR_09 = `5::/socket.io/1/:${JSON.stringify({ name: 'error', args: [FLOOD_REASON] })}`;

/** True once `packets` hold the flood error followed by `0::`. */
export function cut09(packets: readonly string[]): boolean {
  const at = packets.indexOf(FLOOD_ERROR_09);
  return at >= 0 && packets.indexOf('0::', at + 1) > at;
}

/** A 0.9 session spoken by hand on the RTCS endpoint, recording every packet the server sends it. */
export interface Flooder09 {
  send(packets: string[]): Promise<void> | void;
  /** Packets the server sent, in order. */
  received(): string[];
  close(): void;
}

/** Over a websocket: one packet per frame. */
export async function websocketFlooder09(accessUrl: string): Promise<Flooder09> {
  const { ws } = await rawWsSession(accessUrl);
  return {
    send: (packets) => packets.forEach((p) => ws.send(p)),
    received: () => ws.frames,
    close: () => ws.close(),
  };
}

/** Over xhr-polling: packets framed into POSTs, and a poll always held, as a real client does. */
export async function pollingFlooder09(accessUrl: string): Promise<Flooder09> {
  const { sid } = await handshake09(accessUrl);
  const poll = transportUrl(accessUrl, 'xhr-polling', sid);
  const first = await httpText(poll);
  if (first.text !== '1::') throw new Error(`first poll: ${first.status} ${first.text}`);
  await httpText(poll, { method: 'POST', body: '1::/socket.io/1/' });
  const packets: string[] = [];
  const stop = new AbortController();
  void (async () => {
    while (!stop.signal.aborted) {
      const r = await httpText(poll, { signal: stop.signal }).catch(() => undefined);
      if (!r || r.text === '7:::1+0') return;
      const decoded = decodePayload(r.text);
      if (decoded.ok) packets.push(...decoded.value);
    }
  })();
  await until(() => (packets.includes('1::/socket.io/1/') ? true : undefined), 5000, 'no namespace join answer');
  return {
    async send(batch) {
      await httpText(poll, { method: 'POST', body: framed09(batch) });
    },
    received: () => packets,
    close: () => stop.abort(),
  };
}

/** The `rtcs:channel` answers among 0.9 packets. */
export function channelAnswers09(packets: readonly string[]): Array<{ type: string; name: string; message: string }> {
  const prefix = '5::/socket.io/1/:';
  return packets
    .filter((p) => p.startsWith(`${prefix}{"name":"rtcs:channel"`))
    .map((p) => (JSON.parse(p.slice(prefix.length)) as { args: Array<{ type: string; name: string; message: string }> }).args[0]!);
}

/** What a flood run leaves behind to check once the flooder saw its cut. */
export interface FloodAftermath {
  tp: TestParley;
  hooks: HookReceiver;
  user: string;
  outcome: FloodOutcome;
  /** Packets the flooder sent per batch. */
  batch: number;
  /** Channels the flooder saw accepted (subscribe_success), its access URL's grant included. */
  accepted: ReadonlySet<string>;
  /** A well-behaved client on `channel`, which must still get a publication, once. */
  bystander: AnyClient;
  channel: string;
  /** A number no earlier publication on `channel` carried. */
  n: number;
}

/**
 * The invariants of a flood, whatever the transport: the server answers, the flooder's session is gone,
 * no refused packet had an effect (the subscribes the webhooks report stay within what the gate admitted,
 * and the flooder saw all of them answered but its last batch's), and the bystander still receives.
 */
export async function expectFloodContained(a: FloodAftermath): Promise<void> {
  // `sent` is what the client had sent when it saw the cut: what the server let through (the bound)
  // plus what was on its way meanwhile — client and server share one event loop here, and under load
  // several batches pass between the server's cut and the client reading it.
  expect(a.outcome.sent, 'packets sent before the cut: burst + refill + 100, and what was in flight').toBeLessThanOrEqual(floodBound(a.outcome.ms) + 10 * a.batch + 100);
  expect((await fetch(`${a.tp.url}/health`, { signal: AbortSignal.timeout(2000) })).status).toBe(200);
  await expect.poll(() => a.tp.parley.hub.allSessions().filter((s) => s.user === a.user).length).toBe(0);

  await new Promise((r) => setTimeout(r, 200));
  const subscribed = a.hooks.received.filter((h) => h.body.user === a.user && h.body.type === 'subscribe').map((h) => (h.body.detail as { channel: string }).channel);
  // What the server did is bounded by what its gate admitted; the flooder may not have seen the answers
  // to its last admitted batch (a polling session's queued answers go with the cut), no more.
  expect(new Set(subscribed).size, 'subscribes beyond what the gate admitted').toBeLessThanOrEqual(floodBound(a.outcome.ms));
  expect(subscribed.filter((c) => !a.accepted.has(c)).length, 'subscribes the flooder never saw answered: more than its last batch').toBeLessThanOrEqual(a.batch);
  expect(a.accepted.size).toBeLessThanOrEqual(floodBound(a.outcome.ms));

  const got = collect<{ n: number }>(a.bystander, 'ok');
  expect((await publish(a.tp, [a.channel], 'ok', { n: a.n })).status).toBe(200);
  await expect.poll(() => got.filter((g) => g.n === a.n).length, { timeout: 5000 }).toBe(1);
}
