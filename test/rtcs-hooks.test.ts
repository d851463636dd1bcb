/** WebAuth and webhooks against a real HTTP receiver: allow, deny, timeout after 1 s, receiver down. */
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import { accessUrl, connectClient, connected, subscribe, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let receiver: HookReceiver;
let tp: TestParley;
const open: AnyClient[] = [];

beforeAll(async () => {
  receiver = await startHookReceiver();
  tp = await startParley({ env: { APP_WEBAUTH_URL: `${receiver.url}/auth`, APP_WEBHOOK_URL: `${receiver.url}/hook` } });
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
  receiver.received.length = 0;
  receiver.respond = () => ({ status: 200 });
});
afterAll(async () => {
  await tp.stop();
  await receiver.close();
});

async function connect(user: string, channels: string[] = []): Promise<AnyClient> {
  const c = connectClient('4.x', await accessUrl(tp, user, channels));
  open.push(c);
  await connected(c);
  return c;
}

// Hooks are fire-and-forget, so one test's may land during the next: always filter by user.
const hooks = (type: string, user: string) => receiver.received.filter((h) => h.path === '/hook' && h.body.type === type && h.body.user === user);

describe('WebAuth', () => {
  it('allows on 200 and sends the documented body', async () => {
    receiver.respond = (h) => ({ status: h.path === '/auth' ? 200 : 200 });
    const c = await connect('wa-user');
    expect((await subscribe(c, 'private_ok')).type).toBe('subscribe_success');
    const call = receiver.received.find((h) => h.path === '/auth')!;
    expect(call.body).toMatchObject({ type: 'subscribe', app: tp.appId, user: 'wa-user', channel: 'private_ok' });
    expect(call.body.time).toMatch(/^\d{13}$/);
  });

  it('denies on any other status, on a timeout after 1 s, and when the receiver is down', async () => {
    const c = await connect('wa-deny');
    receiver.respond = (h) => ({ status: h.path === '/auth' ? 403 : 200 });
    expect(await subscribe(c, 'presence_no')).toMatchObject({ type: 'subscribe_error', message: expect.stringMatching(/403/) });

    receiver.respond = (h) => ({ status: 200, delayMs: h.path === '/auth' ? 1500 : 0 });
    const started = Date.now();
    expect(await subscribe(c, 'member_slow')).toMatchObject({ type: 'subscribe_error', message: expect.stringMatching(/in time/) });
    // The refusal says "in time": the server gave up at its 1 s timeout, before the 1.5 s answer came.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // No retry: one call per subscribe.
    expect(receiver.received.filter((h) => h.path === '/auth' && h.body.channel === 'member_slow')).toHaveLength(1);

    const down = await startHookReceiver();
    await down.close();
    await tp.parley.apps.update(tp.appId, { webauthUrl: `${down.url}/auth` });
    const c2 = await connect('wa-down');
    expect(await subscribe(c2, 'private_down')).toMatchObject({ type: 'subscribe_error', message: expect.stringMatching(/reached/) });
    await tp.parley.apps.update(tp.appId, { webauthUrl: `${receiver.url}/auth` });
  });

  it('never asks for public channels or channels granted at access', async () => {
    const c = connectClient('4.x', await accessUrl(tp, 'granted', ['private_g']));
    open.push(c);
    const ok = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.name === 'private_g');
    await connected(c);
    expect((await ok).type).toBe('subscribe_success');
    expect((await subscribe(c, 'pub')).type).toBe('subscribe_success');
    expect(receiver.received.filter((h) => h.path === '/auth')).toHaveLength(0);
  });
});

describe('webhooks', () => {
  it('reports connect, subscribe, unsubscribe, disconnect with signed bodies', async () => {
    const c = await connect('wh-user', ['private_w']);
    await expect.poll(() => hooks('subscribe', 'wh-user').length).toBe(1);
    const connect_ = hooks('connect', 'wh-user')[0]!;
    const session = connect_.body.session as string;
    expect(connect_.body).toMatchObject({ type: 'connect', app: tp.appId, user: 'wh-user', detail: { origin: expect.any(String) } });
    expect(hooks('subscribe', 'wh-user')[0]!.body).toMatchObject({ session, detail: { channel: 'private_w' } });
    const signature = createHmac('sha256', tp.apiKey).update(connect_.raw).digest('hex');
    expect(connect_.headers['x-parley-signature']).toBe(`sha256=${signature}`);

    c.emit('rtcs:channel', { command: 'unsubscribe', name: 'private_w' });
    await expect.poll(() => hooks('unsubscribe', 'wh-user').length).toBe(1);
    expect(hooks('unsubscribe', 'wh-user')[0]!.body).toMatchObject({ session, user: 'wh-user', detail: { channel: 'private_w' } });
    c.close();
    await expect.poll(() => hooks('disconnect', 'wh-user').length).toBe(1);
    expect(hooks('disconnect', 'wh-user')[0]!.body).toMatchObject({ session, type: 'disconnect', detail: { origin: expect.any(String) } });
  });

  it('never delays a client: a receiver that hangs does not slow subscribes', async () => {
    receiver.respond = (h) => ({ status: 200, delayMs: h.path === '/hook' ? 3000 : 0 });
    const c = await connect('wh-slow');
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect((await subscribe(c, `fast-${i}`)).type).toBe('subscribe_success');
    // Had subscribes waited for their webhook, five of them would take 15 s.
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('sends only the configured event types', async () => {
    await tp.parley.apps.update(tp.appId, { webhookEvents: ['disconnect'] });
    const c = await connect('wh-filter', ['private_f']);
    await new Promise((r) => setTimeout(r, 200));
    c.close();
    await expect.poll(() => hooks('disconnect', 'wh-filter').length).toBe(1);
    expect(hooks('connect', 'wh-filter')).toHaveLength(0);
    expect(hooks('subscribe', 'wh-filter')).toHaveLength(0);
    await tp.parley.apps.update(tp.appId, { webhookEvents: ['connect', 'disconnect', 'subscribe', 'unsubscribe'] });
  });
});
