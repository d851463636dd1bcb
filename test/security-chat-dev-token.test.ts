/**
 * Finding 10, as the attacker played it: `POST /dev/token` handed a session token for any user id of
 * the demo app, existing users included, to whoever could reach the server. Now it only creates fresh
 * demo users (an existing id: 400 / 1007, no token), and exists only while the generated demo app is in
 * use and the server listens on a loopback address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { platformClient } from './support/chat-engines.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const DEMO = { APP_ID: undefined, APP_API_KEY: undefined };

describe('POST /dev/token', () => {
  let tp: TestParley | undefined;
  afterEach(async () => {
    await tp?.stop();
    tp = undefined;
  });
  const devToken = async (userId: string) => {
    const res = await fetch(`${tp!.url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: userId }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('never hands out a token for an existing user, and creates each fresh one once', async () => {
    tp = await startParley({ env: DEMO });
    const demo = tp.parley.bootstrap.app!;
    // The demo app's own backend created this user: its tokens are not for anyone who asks.
    expect((await platformClient(tp.url, demo.id, demo.apiKey)('POST', '/v1/users', { user_id: 'boss', name: 'Boss' })).status).toBe(201);
    const stolen = await devToken('boss');
    expect(stolen).toMatchObject({ status: 400, body: { code: 1007 } });
    expect(stolen.body).not.toHaveProperty('session_token');

    const fresh = await devToken('newbie');
    expect(fresh).toMatchObject({ status: 200, body: { app_id: demo.id, user_id: 'newbie', session_token: expect.any(String) } });
    expect(await devToken('newbie')).toMatchObject({ status: 400, body: { code: 1007, message: expect.stringContaining('newbie') } });
  });

  it('does not exist when the server listens beyond loopback', async () => {
    tp = await startParley({ env: { ...DEMO, HOST: '0.0.0.0' } });
    expect(tp.parley.bootstrap.app?.id).toBe('demo');
    expect((await devToken('anyone')).status).toBe(404);
  });

  it('does not exist for a configured app', async () => {
    tp = await startParley();
    expect((await devToken('anyone')).status).toBe(404);
  });
});
