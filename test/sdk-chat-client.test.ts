/**
 * The GitpleLive SDK 1.1 entry point against a real Parley (SQLite): `new ChatClient({host, app_id})`,
 * `connectUser({user_id, session_token})`, and `client.connection.on('connected' | 'reconnect_start' |
 * 'reconnect_success' | 'reconnect_failed' | 'disconnected')` as aliases of the client's own events
 * (which keep firing, as the existing tutorial uses them). Typing: `startTyping` / `endTyping` over the
 * socket while connected, over REST otherwise, and `group:channel_typing` re-emitted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, Client, SdkError } from '../packages/sdk/src/index.ts';
import { urlOfHost } from '../packages/sdk/src/chat-client.ts';
import { seedChat } from './support/chat-seed.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe('ChatClient (GitpleLive SDK 1.1) against a real server', () => {
  let tp: TestParley;
  let tokens: Record<string, string>;
  const clients: Client[] = [];
  const track = <T extends Client>(c: T): T => {
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    tp = await startParley();
    ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob'], channels: { room_1: ['alice', 'bob'] } }));
  });
  afterAll(async () => {
    for (const c of clients) c.disconnectUser();
    await tp?.stop();
  });

  it('takes the host without a scheme (HTTPS; HTTP for loopback) or a URL, and refuses what is missing', () => {
    expect(urlOfHost('live.example.com')).toBe('https://live.example.com');
    expect(urlOfHost('live.example.com:8443')).toBe('https://live.example.com:8443');
    expect(urlOfHost('127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(urlOfHost('localhost:8080')).toBe('http://localhost:8080');
    expect(urlOfHost('http://10.0.0.5:8080')).toBe('http://10.0.0.5:8080');
    expect(() => new ChatClient({ host: '', app_id: 'a' })).toThrow(SdkError);
    expect(() => new ChatClient({ app_id: 'a' } as never)).toThrow(/host is required/);
    expect(() => new ChatClient({ host: 'h' } as never)).toThrow(/app_id is required/);
    // The old entry point still wants its session token up front.
    expect(() => new Client({ app_id: 'a', url: 'http://h' } as never)).toThrow(/session_token is required/);
  });

  it('connectUser({user_id, session_token}) connects; connection.on mirrors connected and disconnected', async () => {
    const host = new URL(tp.url).host; // 127.0.0.1:port, as GitpleLive's docs write it
    const client = track(new ChatClient({ host, app_id: tp.appId }));
    await expect(client.connectUser({ user_id: 'alice' })).rejects.toMatchObject({ code: 1001, message: expect.stringMatching(/session_token/) });
    const aliases: string[] = [];
    const own: string[] = [];
    client.connection.on('connected', () => aliases.push('connected'));
    client.connection.on('disconnected', (reason) => aliases.push(`disconnected:${reason}`));
    client.on('connected', () => own.push('connected'));
    client.on('disconnected', () => own.push('disconnected'));
    const me = await client.connectUser({ user_id: 'alice', session_token: tokens.alice! });
    expect(me.user_id).toBe('alice');
    expect(client.connectionState).toBe('connected');
    expect(aliases).toEqual(['connected']);
    client.disconnectUser();
    expect(aliases).toEqual(['connected', 'disconnected:client disconnect']);
    expect(own).toEqual(['connected', 'disconnected']);
    await expect(client.connectUser({ user_id: 'alice', session_token: 'not-a-token' })).rejects.toMatchObject({ status: 401 });
  });

  it('a dropped connection: reconnect_start once, then reconnect_success (reconnectTry / reconnectSucceed alongside)', async () => {
    const client = track(new ChatClient({ host: tp.url, app_id: tp.appId, reconnect: { minDelayMs: 20, maxDelayMs: 100 } }));
    const events: string[] = [];
    for (const name of ['connected', 'reconnect_start', 'reconnect_success', 'reconnect_failed', 'disconnected'] as const) client.connection.on(name, () => events.push(name));
    client.on('reconnectTry', () => events.push('reconnectTry'));
    client.on('reconnectSucceed', () => events.push('reconnectSucceed'));
    await client.connectUser({ user_id: 'bob', session_token: tokens.bob! });
    // The server cuts bob's transport as a network failure would.
    for (const socket of tp.parley.io.of('/').sockets.values()) if ((socket.handshake.auth as { user_id?: string }).user_id === 'bob') socket.conn.close();
    await expect.poll(() => events.includes('reconnect_success'), { timeout: 10_000 }).toBe(true);
    expect(events.filter((e) => e === 'reconnect_start')).toHaveLength(1);
    expect(events.indexOf('reconnect_start')).toBeLessThan(events.indexOf('reconnectTry'));
    expect(events.indexOf('reconnectSucceed')).toBeLessThan(events.indexOf('reconnect_success'));
    expect(events).not.toContain('disconnected');
    expect(client.connectionState).toBe('connected');
  });

  it('startTyping / endTyping over the socket, over REST when not connected; channel_typing is re-emitted', async () => {
    const alice = track(new ChatClient({ host: tp.url, app_id: tp.appId }));
    const bob = track(new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.bob! }));
    const heard: string[][] = [];
    bob.on('group:channel_typing', (channel, ids) => {
      expect(channel.channel_id).toBe('room_1');
      heard.push(ids);
    });
    await bob.connectUser({ user_id: 'bob' });
    await alice.connectUser({ user_id: 'alice', session_token: tokens.alice! });
    await alice.groupChannel.startTyping('room_1');
    await expect.poll(() => heard.at(-1)).toEqual(['alice']);
    await alice.groupChannel.endTyping('room_1');
    await expect.poll(() => heard.at(-1), { timeout: 3_000 }).toEqual([]);
    // Over the socket: refused in its acknowledgement, which has no HTTP status.
    await expect(alice.groupChannel.startTyping('no_such_room')).rejects.toMatchObject({ code: 1003, status: 0 });

    // Not connected (no socket at all): the same calls go through PUT /v1/sdk/group/channels/{id}/typing.
    const offline = track(new Client({ app_id: tp.appId, url: tp.url, session_token: tokens.alice! }));
    await offline.connectUser({ user_id: 'alice' });
    offline.disconnectUser();
    await new Promise((r) => setTimeout(r, 1_100)); // alice's last announcement's interval is over
    await offline.groupChannel.startTyping('room_1');
    await expect.poll(() => heard.at(-1)).toEqual(['alice']);
    await offline.groupChannel.endTyping('room_1');
    await expect.poll(() => heard.at(-1), { timeout: 3_000 }).toEqual([]);
    // An HTTP refusal carries its status; the socket's acknowledgement has none.
    await expect(offline.groupChannel.startTyping('no_such_room')).rejects.toMatchObject({ code: 1003, status: 400 });
  });

  it('reconnection that gives up: reconnect_failed, then disconnected', async () => {
    const other = await startParley();
    const { tokens: t } = await seedChat(other.url, other.appId, other.apiKey, { users: ['carol'], channels: {} });
    const client = track(new ChatClient({ host: other.url, app_id: other.appId, reconnect: { attempts: 2, minDelayMs: 20, maxDelayMs: 50 } }));
    const events: string[] = [];
    for (const name of ['connected', 'reconnect_start', 'reconnect_success', 'reconnect_failed', 'disconnected'] as const) client.connection.on(name, () => events.push(name));
    await client.connectUser({ user_id: 'carol', session_token: t.carol! });
    await other.stop();
    await expect.poll(() => events.at(-1), { timeout: 15_000 }).toBe('disconnected');
    expect(events).toEqual(['connected', 'reconnect_start', 'reconnect_failed', 'disconnected']);
  }, 30_000);
});
