/**
 * The SDK (ESM, in Node) loses its connection while messages are being sent — sockets cut twice, then
 * a server restart on the same port — and still hands the application every `group:message_send`
 * exactly once, in order. The server is Parley's client API over an in-memory chat backend
 * (test/support/fake-chat-server.ts), so that this proves the SDK's catch-up on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../packages/sdk/src/index.ts';
import { FakeChatServer } from './support/fake-chat-server.ts';

const TOTAL = 90;

describe('SDK reconnect catch-up', () => {
  const server = new FakeChatServer();
  let client: Client | undefined;

  beforeAll(async () => {
    server.addChannel('room_1', ['alice', 'bob']);
    server.addChannel('room_2', ['alice', 'bob']);
    server.send('room_1', 'alice', 'before bob connected');
    await server.start();
  });

  afterAll(async () => {
    client?.disconnectUser();
    await server.stop();
  });

  it('delivers every message once and in order across socket cuts and a restart', async () => {
    client = new Client({ app_id: server.appId, url: server.url, session_token: server.tokenFor('bob'), reconnect: { attempts: 200, minDelayMs: 20, maxDelayMs: 100 } });
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
    for (let i = 0; i < TOTAL; i++) {
      const channelId = i % 3 === 0 ? 'room_2' : 'room_1';
      sent[channelId]!.push(server.send(channelId, 'alice', `m${i}`).message_id);
      if (i === 20 || i === 40) server.cutSockets();
      if (i === 60) {
        await server.stop();
        await new Promise((r) => setTimeout(r, 50));
      }
      if (i === 65) await server.start();
      await new Promise((r) => setTimeout(r, 4));
    }

    const deadline = Date.now() + 10_000;
    const count = () => received.room_1!.length + received.room_2!.length;
    while (count() < TOTAL && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200)); // a late duplicate would show now
    expect(received).toEqual(sent);
    expect(received.room_1![0]).toBe(2); // message 1 predates the connection: not replayed
    expect(events.filter((e) => e === 'succeed').length).toBeGreaterThanOrEqual(3);
    expect(events).not.toContain('disconnected');
  });
});
