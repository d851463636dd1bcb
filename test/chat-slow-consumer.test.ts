/**
 * A chat socket that stops reading rides the same core as an RTCS session (issue 14): while 3,000
 * messages of 2 KB flow into its channel it is dropped as a slow consumer with a reason (logged and
 * counted), the server's RSS grows by less than 150 MB, and every other member gets every message.
 * The server runs as its own process at its default limits, so RSS is its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformClient } from './support/chat-engines.ts';
import { openChatSocket } from './support/chat-socket.ts';
import { RawEngineSocket } from './support/engineio-raw.ts';
import { metricValue, SLOW_CONSUMER_DROPS } from './support/metrics-scrape.ts';
import { startNode, type NodeProcess } from './support/node-process.ts';
import { rssKiB } from './support/process-memory.ts';

const APP = 'slowchat';
const KEY = 'slow-chat-key-0123456789';
const MESSAGES = 3000;
const CONTENT = 'x'.repeat(2048);

let node: NodeProcess;
const cleanups: Array<() => void> = [];
beforeAll(async () => {
  node = await startNode({ APP_ID: APP, APP_API_KEY: KEY, DATA_DIR: `/tmp/parley-slowchat-${process.pid}`, LOG_LEVEL: 'info', RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0' });
}, 60_000);
afterAll(async () => {
  for (const c of cleanups) c();
  await node?.kill('SIGKILL');
});

describe('a chat socket that stops reading', () => {
  it('is dropped with a reason while 3,000 messages of 2 KB flow; RSS stays within 150 MB; the others get every message', { timeout: 90_000 }, async () => {
    const call = platformClient(node.url, APP, KEY);
    const members = ['reader1', 'reader2', 'stalled', 'poster'];
    for (const id of members) expect((await call('POST', '/v1/users', { user_id: id, name: id })).status).toBe(201);
    expect((await call('POST', '/v1/group/channels', { channel_id: 'busy', name: 'busy', members })).status).toBe(201);
    const token = async (id: string) => (await call<{ token: string }>('POST', `/v1/users/${id}/token`, {})).body.token;

    const readers = await Promise.all(['reader1', 'reader2'].map(async (id) => openChatSocket(node.url, APP, id, await token(id))));
    for (const r of readers) cleanups.push(() => r.socket.close());
    const stalled = await RawEngineSocket.open(`${node.url}/socket.io/1/?x=1`, 4, '/', { app_id: APP, user_id: 'stalled', token: await token('stalled') });
    cleanups.push(() => stalled.close());
    await expect.poll(async () => (await call<string[]>('GET', '/v1/group/channels/busy/online_members')).body).toEqual(['reader1', 'reader2', 'stalled']);
    stalled.pause();

    const rssBefore = rssKiB(node.child.pid!)!;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKiB(node.child.pid!) ?? 0)), 50);
    cleanups.push(() => clearInterval(sampler));
    for (let sent = 0; sent < MESSAGES; sent += 50) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => call('POST', '/v1/group/channels/busy/messages', { type: 'text', user_id: 'poster', content: CONTENT })));
      expect(answers.every((a) => a.status === 201)).toBe(true);
    }
    const ids = (r: (typeof readers)[number]) => r.received.filter((e) => e.event === 'group:message_send').map((e) => (e.args[0] as { message_id: number }).message_id);
    for (const r of readers) await expect.poll(() => ids(r).length, { timeout: 30_000 }).toBe(MESSAGES);
    clearInterval(sampler);
    for (const r of readers) expect(ids(r)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));

    expect(await metricValue(node.url, SLOW_CONSUMER_DROPS)).toBe(1);
    expect(node.output()).toMatch(/"reason":"slow consumer: more than \d+ (messages|bytes) waiting to be read","msg":"dropping a slow consumer"/);
    expect((await call<string[]>('GET', '/v1/group/channels/busy/online_members')).body).toEqual(['reader1', 'reader2']);
    const growthMiB = (rssPeak - rssBefore) / 1024;
    console.log(`chat slow consumer: RSS ${Math.round(rssBefore / 1024)} MiB → peak ${Math.round(rssPeak / 1024)} MiB (+${growthMiB.toFixed(1)} MiB) over ${MESSAGES} messages of 2 KB`);
    expect(growthMiB).toBeLessThan(150);
    stalled.resume();
    await stalled.closed;
  });
});
