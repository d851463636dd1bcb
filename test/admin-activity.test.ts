/**
 * The debug console's stream on one node: an app nobody watches is not even looked at (the tap answers
 * "not watched" and builds nothing); a watched app's connects, subscribes, publishes (payload previewed
 * and cut), unsubscribes, disconnects, WebAuth answers, webhook deliveries with their status, chat sends
 * and moderation all arrive; a flood of publishes is sampled — every subscriber still gets every one,
 * and the stream says how many it left out.
 */
import type { ActivityEvent, ActivityFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, adminClient, openActivity, type ActivityReader } from './support/admin-client.ts';
import { seedChat } from './support/chat-seed.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import { accessUrl, collect, connectClient, publish, subscribe, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe('debug console stream', () => {
  let tp: TestParley;
  let hooks: HookReceiver;
  const clients: AnyClient[] = [];

  beforeAll(async () => {
    hooks = await startHookReceiver();
    // WebAuth allows `private_ok` only; webhooks answer 500 to unsubscribes, 200 otherwise.
    hooks.respond = (h) => ({ status: h.path === '/webauth' ? (h.body.channel === 'private_ok' ? 200 : 403) : h.body.type === 'unsubscribe' ? 500 : 200 });
    tp = await startParley({ env: { ADMIN_TOKEN, APP_WEBAUTH_URL: `${hooks.url}/webauth`, APP_WEBHOOK_URL: `${hooks.url}/webhook` } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await tp?.stop();
    await hooks?.close();
  });

  async function client(user: string, channels: string[] = []): Promise<AnyClient> {
    const c = connectClient('4.x', await accessUrl(tp, user, channels), ['websocket']);
    clients.push(c);
    await new Promise<void>((resolve) => c.on('connect', () => resolve()));
    return c;
  }

  it('costs nothing while nobody watches: the tap answers "not watched" and no event is built', async () => {
    const { activity } = tp.parley.node;
    expect(activity.watching(tp.appId)).toBe(false);
    // Traffic with nobody watching reaches no console (there is none) and leaves nothing queued.
    const c = await client('idle', ['idle_room']);
    await publish(tp, ['idle_room'], 'quiet', { n: 1 });
    c.close();
    const console = await openActivity(tp.url, tp.appId);
    expect(activity.watching(tp.appId)).toBe(true);
    expect(activity.watching('other_app')).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(console.events().filter((e) => e.channel === 'idle_room' || e.channels?.includes('idle_room'))).toEqual([]);
    console.close();
    // The node stops watching once the console is gone.
    await expect.poll(() => activity.watching(tp.appId), { timeout: 5000 }).toBe(false);
  });

  describe('with a console open', () => {
    let console: ActivityReader;
    beforeAll(async () => {
      console = await openActivity(tp.url, tp.appId);
    });
    afterAll(() => console?.close());

    it('shows connects, subscribes, publishes with their payload cut, unsubscribes and disconnects', async () => {
      const c = await client('watched-user');
      const connect = await console.waitFor((e) => e.type === 'connect' && e.user === 'watched-user');
      expect(connect).toMatchObject({ kind: 'rtcs', transport: 'websocket', node: tp.parley.node.nodeId });
      expect(connect.session).toMatch(/^[A-Za-z0-9_-]{22}$/);
      await subscribe(c, 'news');
      expect(await console.waitFor((e) => e.type === 'subscribe' && e.channel === 'news')).toMatchObject({ user: 'watched-user', session: connect.session });

      await publish(tp, ['news', 'other'], 'price', { sku: 'A-1', note: 'x'.repeat(5000) });
      const published = await console.waitFor((e) => e.type === 'publish' && e.event === 'price');
      expect(published.channels).toEqual(['news', 'other']);
      expect(published.truncated).toBe(true);
      expect(published.data!.startsWith('{"sku":"A-1","note":"xxx')).toBe(true);
      expect(published.data!.length).toBeLessThanOrEqual(201);
      await publish(tp, ['news'], 'small', 'plain text');
      expect(await console.waitFor((e) => e.type === 'publish' && e.event === 'small')).toMatchObject({ data: '"plain text"' });

      const answer = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type === 'unsubscribe_success');
      c.emit('rtcs:channel', { command: 'unsubscribe', name: 'news' });
      await answer;
      await console.waitFor((e) => e.type === 'unsubscribe' && e.channel === 'news');
      c.close();
      await console.waitFor((e) => e.type === 'disconnect' && e.session === connect.session);
    });

    it('shows WebAuth answers and webhook deliveries with their outcome', async () => {
      const c = await client('hooked');
      await subscribe(c, 'private_ok');
      await subscribe(c, 'private_no');
      expect(await console.waitFor((e) => e.type === 'webauth' && e.channel === 'private_ok')).toMatchObject({ outcome: 'ok', status: 200, user: 'hooked' });
      expect(await console.waitFor((e) => e.type === 'webauth' && e.channel === 'private_no')).toMatchObject({ outcome: 'rejected', status: 403 });
      expect(await console.waitFor((e) => e.type === 'webhook' && e.event === 'subscribe' && e.channel === 'private_ok')).toMatchObject({ outcome: 'ok', status: 200 });
      c.emit('rtcs:channel', { command: 'unsubscribe', name: 'private_ok' });
      expect(await console.waitFor((e) => e.type === 'webhook' && e.event === 'unsubscribe' && e.channel === 'private_ok')).toMatchObject({ outcome: 'rejected', status: 500, user: 'hooked' });
      c.close();
    });

    it('shows chat sends and moderation actions', async () => {
      await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['ann', 'bo'], channels: { room: ['ann', 'bo'] } });
      const call = adminClient(tp.url);
      const sent = await fetch(`${tp.url}/v1/group/channels/room/messages`, {
        method: 'POST',
        headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'text', user_id: 'ann', content: '안녕 bo' }),
      }).then((r) => r.json() as Promise<{ message_id: number }>);
      expect(await console.waitFor((e) => e.type === 'chat_send')).toMatchObject({ event: 'group:message_send', channel: 'room', user: 'ann', data: '"안녕 bo"' });
      await call('DELETE', `/apps/${tp.appId}/channels/room/messages/${sent.message_id}`);
      await call('POST', `/apps/${tp.appId}/channels/room/bans`, { user_id: 'bo', seconds: 60 });
      await call('PUT', `/apps/${tp.appId}/channels/room/freeze`, { freeze: true });
      expect(await console.waitFor((e) => e.type === 'moderation' && e.event === 'group:message_delete')).toMatchObject({ channel: 'room', detail: `message ${sent.message_id} deleted` });
      expect(await console.waitFor((e) => e.type === 'moderation' && e.event === 'group:channel_ban')).toMatchObject({ user: 'bo', detail: 'banned for 60 s' });
      await console.waitFor((e) => e.type === 'moderation' && e.event === 'group:channel_freeze');
    });

    it('samples a flood of publishes: every subscriber gets every one, the stream counts what it left out', async () => {
      const c = await client('flooded');
      await subscribe(c, 'flood');
      const got = collect<number>(c, 'tick');
      const before = console.events().length;
      const N = 2000;
      // Straight through the node, as the Service API does, as fast as it goes.
      for (let i = 0; i < N; i++) await tp.parley.node.publish(tp.appId, ['flood'], 'tick', i);
      await expect.poll(() => got.length, { timeout: 15_000 }).toBe(N);
      expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
      const dropped = () => console.frames.reduce((n, f: ActivityFrame) => n + (f.type === 'activity' ? f.dropped.source : 0), 0);
      await expect.poll(dropped, { timeout: 5000 }).toBeGreaterThan(0);
      const seen = console.events().slice(before).filter((e: ActivityEvent) => e.type === 'publish' && e.event === 'tick').length;
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThan(N);
      await expect.poll(() => console.events().slice(before).filter((e) => e.type === 'publish' && e.event === 'tick').length + dropped(), { timeout: 5000 }).toBeGreaterThanOrEqual(N);
    });

    it('ends the stream with a reason when the server shuts down', async () => {
      const other = await startParley({ env: { ADMIN_TOKEN } });
      const watching = await openActivity(other.url, other.appId);
      await other.stop();
      await expect.poll(() => watching.frames.at(-1)).toEqual({ type: 'end', reason: 'server is shutting down' });
    });

    it('answers 404 for an unknown app and 401 without the token', async () => {
      expect((await adminClient(tp.url)('GET', '/apps/ghost/activity')).status).toBe(404);
      expect((await fetch(`${tp.url}/admin/api/apps/${tp.appId}/activity`)).status).toBe(401);
    });
  });
});
