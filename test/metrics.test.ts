/** `/metrics` scraped before and after traffic: the counters and gauges move with it. */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedChat, sendText } from './support/chat-seed.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import { accessUrl, connectClient, connected, publish, subscribe, waitFor, type AnyClient } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
let receiver: HookReceiver;
const clients: AnyClient[] = [];
const chatSockets: Socket[] = [];

beforeAll(async () => {
  receiver = await startHookReceiver();
  tp = await startParley({ env: { APP_WEBHOOK_URL: receiver.url } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of chatSockets) s.close();
  await tp.stop();
  await receiver.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${tp.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  return res.text();
}

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('/metrics', () => {
  it('counts connections, subscriptions, publishes, deliveries, hooks and HTTP latency', async () => {
    const before = await scrape();
    expect(before).toMatch(/parley_process_nodejs_eventloop_lag_seconds/);

    for (let i = 0; i < 3; i++) {
      const c = connectClient('4.x', await accessUrl(tp, `m${i}`));
      clients.push(c);
      await connected(c);
      await subscribe(c, 'metered');
    }
    const last = waitFor(clients[2]!, 'tick');
    await publish(tp, ['metered'], 'tick', { n: 1 });
    await publish(tp, ['metered'], 'tick', { n: 2 });
    await last;
    await expect.poll(async () => value(await scrape(), 'parley_hook_requests_total{kind="webhook",outcome="ok"}')).toBeGreaterThanOrEqual(6);

    const after = await scrape();
    expect(value(after, 'parley_connections{kind="rtcs",transport="websocket"}') + value(after, 'parley_connections{kind="rtcs",transport="polling"}')).toBe(3);
    expect(value(after, 'parley_subscriptions')).toBe(3);
    expect(value(after, 'parley_publishes_total') - value(before, 'parley_publishes_total')).toBe(2);
    expect(value(after, 'parley_deliveries_total') - value(before, 'parley_deliveries_total')).toBe(6);
    expect(after).toMatch(/parley_http_request_duration_seconds_count\{method="POST",route="\/v2\/event\/:appkey\/channel",status="200"\} 2/);
    expect(value(after, 'parley_storage_query_duration_seconds_count')).toBeGreaterThan(0);
  });

  it('counts chat connections apart from realtime sessions, and chat messages by type', async () => {
    const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['mia', 'noa'], channels: { metered_room: ['mia', 'noa'] } });
    const before = await scrape();
    for (const user of ['mia', 'noa']) {
      const socket = io(tp.url, { auth: { app_id: tp.appId, user_id: user, token: tokens[user] }, transports: ['websocket'], forceNew: true, reconnection: false });
      chatSockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
    }
    await sendText(tp.url, tp.appId, tp.apiKey, 'metered_room', 'mia', 'one');
    await sendText(tp.url, tp.appId, tp.apiKey, 'metered_room', 'noa', 'two');
    const after = await scrape();
    expect(value(after, 'parley_connections{kind="chat",transport="websocket"}')).toBe(2);
    expect(value(after, 'parley_chat_messages_total{type="text"}') - value(before, 'parley_chat_messages_total{type="text"}')).toBe(2);
  });
});
