/**
 * The SDK (ESM, in Node) against a real Parley child process that is restarted twice while messages are
 * being sent — once gracefully (SIGTERM), once by `kill -9` — on the same port and data directory. The
 * application still sees every `group:message_send` exactly once and in order per channel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../packages/sdk/src/index.ts';
import { seedChat, sendText } from './support/chat-seed.ts';
import { freePort, startNode, type NodeProcess } from './support/node-process.ts';

const TOTAL = 90;
const APP = { id: 'sdkapp', key: 'sdk-key-0123456789' };

describe('SDK reconnect catch-up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-sdk-reconnect-'));
  const env = { DATA_DIR: dataDir, APP_ID: APP.id, APP_API_KEY: APP.key, SHUTDOWN_TIMEOUT_S: '5' };
  let port = 0;
  let node: NodeProcess | undefined;
  let client: Client | undefined;
  let token = '';

  beforeAll(async () => {
    port = await freePort();
    node = await startNode(env, port);
    ({ tokens: { bob: token = '' } } = await seedChat(node.url, APP.id, APP.key, { users: ['alice', 'bob'], channels: { room_1: ['alice', 'bob'], room_2: ['alice', 'bob'] } }));
    await sendText(node.url, APP.id, APP.key, 'room_1', 'alice', 'before bob connected');
  });

  afterAll(async () => {
    client?.disconnectUser();
    await node?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every message once and in order across a graceful restart and a kill -9', async () => {
    const url = `http://127.0.0.1:${port}`;
    client = new Client({ app_id: APP.id, url, session_token: token, reconnect: { attempts: 500, minDelayMs: 20, maxDelayMs: 200 } });
    const received: Record<string, number[]> = { room_1: [], room_2: [] };
    const events: string[] = [];
    client.on('group:message_send', (message, channel) => {
      expect(channel.channel_id).toBe(message.channel_id);
      received[message.channel_id]!.push(message.message_id);
    });
    client.on('reconnectTry', () => events.push('try'));
    client.on('reconnectSucceed', () => events.push('succeed'));
    client.on('disconnected', () => events.push('disconnected'));
    await client.connectUser({ user_id: 'bob' });

    const sent: Record<string, number[]> = { room_1: [], room_2: [] };
    const reconnected = () => events.filter((e) => e === 'succeed').length;
    for (let i = 0; i < TOTAL; i++) {
      const channelId = i % 3 === 0 ? 'room_2' : 'room_1';
      sent[channelId]!.push(await sendText(url, APP.id, APP.key, channelId, 'alice', `m${i}`));
      // Two separate outages: the SDK must be back from the first before the second begins (fast
      // sends could otherwise finish both restarts inside one reconnect cycle).
      if (i === 45) await expect.poll(reconnected, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(1);
      if (i === 30 || i === 60) {
        // The restarted server gets the next sends before the SDK is back: those it must fetch.
        await node!.kill(i === 30 ? 'SIGTERM' : 'SIGKILL');
        node = await startNode(env, port);
      }
    }

    const deadline = Date.now() + 20_000;
    const count = () => received.room_1!.length + received.room_2!.length;
    while (count() < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate would show now
    expect(received).toEqual(sent);
    expect(received.room_1![0]).toBe(2); // message 1 predates the connection: not replayed
    expect(events.filter((e) => e === 'succeed').length).toBeGreaterThanOrEqual(2);
    expect(events).not.toContain('disconnected');
  }, 90_000);
});
