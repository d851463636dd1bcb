/**
 * The fan-out fast path (realtime/socketio-broadcast.ts) writes one pre-encoded frame straight to the
 * TCP sockets of idle WebSocket sessions and sends the rest through socket.io. Whatever path each
 * delivery takes, every client — three generations, both namespaces, WebSocket, polling and a client
 * upgrading from one to the other mid-stream — receives every publication once and in order, with the
 * presence events sent through socket.io in between.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accessUrl, connectClient, connected, publish, subscribe, type AnyClient, type Generation } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
const open: AnyClient[] = [];

beforeAll(async () => {
  tp = await startParley();
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
  await tp.stop();
});

interface Receiver {
  name: string;
  client: AnyClient;
  seqs: number[];
  /** Users whose member_join this client saw. */
  joins: string[];
}

async function receiver(name: string, generation: Generation, channel: string, transports?: string[]): Promise<Receiver> {
  const client = connectClient(generation, await accessUrl(tp, name, [channel]), transports);
  open.push(client);
  const r: Receiver = { name, client, seqs: [], joins: [] };
  client.on('tick', (...args: unknown[]) => r.seqs.push((args[0] as { seq: number }).seq));
  client.on('rtcs:channel', (...args: unknown[]) => {
    const msg = args[0] as { type: string; info?: { user?: string } };
    if (msg.type === 'member_join') r.joins.push(String(msg.info?.user));
  });
  await connected(client);
  expect((await subscribe(client, channel)).type).toBe('subscribe_success');
  return r;
}

describe('fan-out fast path', () => {
  it('delivers every publication once and in order to every kind of client, with presence events in between', async () => {
    const channel = 'presence_fastpath';
    const receivers = [
      await receiver('ws4', '4.x', channel, ['websocket']),
      await receiver('ws2', '2.x', channel, ['websocket']),
      await receiver('ws1', '1.x', channel, ['websocket']),
      await receiver('poll4', '4.x', channel, ['polling']),
      await receiver('poll2', '2.x', channel, ['polling']),
    ];
    const total = 300;
    const late: Promise<Receiver>[] = [];
    for (let seq = 0; seq < total; seq++) {
      // Clients joining mid-stream: their upgrade from polling to WebSocket happens while publications
      // flow, and their member_join reaches the others through socket.io between fast-path frames.
      if (seq === 50) late.push(receiver('upgrading4', '4.x', channel));
      if (seq === 120) late.push(receiver('upgrading2', '2.x', channel));
      expect((await publish(tp, [channel], 'tick', { seq, text: '순서 그대로' })).status).toBe(200);
    }
    const joined = await Promise.all(late);
    const everyone = [...receivers, ...joined];
    await expect.poll(() => receivers.map((r) => r.seqs.length), { timeout: 10_000 }).toEqual(receivers.map(() => total));
    for (const r of receivers) {
      expect(r.seqs, r.name).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(r.joins, r.name).toEqual(expect.arrayContaining(['upgrading4', 'upgrading2']));
    }
    // The late ones: a gap-free, ordered tail from whenever their subscription took effect.
    for (const r of joined) {
      expect(r.seqs.length, r.name).toBeGreaterThan(0);
      const first = r.seqs[0]!;
      expect(r.seqs, r.name).toEqual(Array.from({ length: total - first }, (_, i) => first + i));
    }
    // And nothing more arrives afterwards.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const r of everyone) expect(new Set(r.seqs).size, r.name).toBe(r.seqs.length);
  });
});
