/**
 * A client that stops reading while publishes flow: the server stops queueing for it after
 * `outboundMax` messages and disconnects it with a reason; a normal client on the same channel gets
 * every message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { accessUrl, collect, connectClient, connected, publish, subscribe, type AnyClient } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const OUTBOUND_MAX = 50;
let tp: TestParley;
const clients: AnyClient[] = [];

beforeAll(async () => {
  tp = await startParley({ realtimeLimits: { outboundMax: OUTBOUND_MAX } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await tp.stop();
});

/** A raw engine.io v4 websocket client, so the test can stop reading at the TCP level. */
async function rawClient(url: string): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<void> }> {
  const u = new URL(url);
  const wsUrl = `ws://${u.host}/socket.io/?EIO=4&transport=websocket&${u.searchParams.toString()}`;
  const ws = new WebSocket(wsUrl);
  const frames: string[] = [];
  ws.on('message', (m) => {
    const text = m.toString();
    frames.push(text);
    if (text === '2') ws.send('3'); // engine.io ping → pong, while we still read
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const waitFrame = async (prefix: string) => {
    const deadline = Date.now() + 5000;
    while (!frames.some((f) => f.startsWith(prefix))) {
      if (Date.now() > deadline) throw new Error(`no frame ${prefix}: ${JSON.stringify(frames)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFrame('0{');
  ws.send('40');
  await waitFrame('40{');
  ws.send('42["rtcs:channel",{"command":"subscribe","name":"firehose"}]');
  await waitFrame('42["rtcs:channel",{"type":"subscribe_success"');
  return { ws, frames, closed };
}

describe('slow consumers', () => {
  it('drops a client that stops reading, with a reason, without affecting others', async () => {
    const normal = connectClient('4.x', await accessUrl(tp, 'normal'));
    clients.push(normal);
    await connected(normal);
    await subscribe(normal, 'firehose');
    const got = collect(normal, 'blob');

    const slow = await rawClient(await accessUrl(tp, 'slow'));
    expect(tp.parley.hub.sessionCount).toBe(2);
    // Stop reading: the kernel buffers fill, then the server's queue for this client grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const payload = { pad: 'x'.repeat(64 * 1024) };
    const MESSAGES = 400;
    for (let i = 0; i < MESSAGES; i++) expect((await publish(tp, ['firehose'], 'blob', payload)).status).toBe(200);

    await expect.poll(() => tp.parley.hub.sessionCount, { timeout: 10_000 }).toBe(1);
    const metrics = await (await fetch(`${tp.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_session_drops_total\{reason="slow_consumer"\} 1/);
    await expect.poll(() => got.length, { timeout: 10_000 }).toBe(MESSAGES);

    // Its connection is closed without flushing what it never read (the reason is logged and counted).
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.closed;
  });
});
