/**
 * The operator's limits from the environment take effect: uploads over FILE_MAX_BYTES get 1012, JSON
 * bodies over HTTP_BODY_MAX_BYTES a 1001 naming the cause, subscriptions over SUBSCRIPTIONS_PER_SESSION
 * a subscribe_error, while the RTCS publish keeps its own 1 MB data rule (413).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformClient } from './support/chat-engines.ts';
import { accessUrl, connectClient, connected, subscribe, type AnyClient } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe('configured limits', () => {
  let tp: TestParley;
  let client: AnyClient | undefined;
  beforeAll(async () => {
    tp = await startParley({ env: { FILE_MAX_BYTES: '100', HTTP_BODY_MAX_BYTES: '2048', SUBSCRIPTIONS_PER_SESSION: '2' } });
  });
  afterAll(async () => {
    client?.close();
    await tp?.stop();
  });

  it('applies FILE_MAX_BYTES and HTTP_BODY_MAX_BYTES to the chat API', async () => {
    const call = platformClient(tp.url, tp.appId, tp.apiKey);
    expect((await call('POST', '/v1/users', { user_id: 'ann', name: 'x'.repeat(3000) })).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/too large/) });
    await call('POST', '/v1/users', { user_id: 'ann', name: 'Ann' });
    await call('POST', '/v1/group/channels', { channel_id: 'room', name: 'room', members: ['ann'] });
    const upload = async (size: number) => {
      const form = new FormData();
      form.append('type', 'file');
      form.append('user_id', 'ann');
      form.append('file', new Blob([Buffer.alloc(size)]), 'f.bin');
      const res = await fetch(`${tp.url}/v1/group/channels/room/messages`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey }, body: form });
      return { status: res.status, body: (await res.json()) as { code?: number } };
    };
    expect((await upload(100)).status).toBe(201);
    expect(await upload(101)).toMatchObject({ status: 400, body: { code: 1012 } });
  });

  it('applies SUBSCRIPTIONS_PER_SESSION to realtime sessions', async () => {
    client = connectClient('4.x', await accessUrl(tp, 'ann'));
    await connected(client);
    expect((await subscribe(client, 'one')).type).toBe('subscribe_success');
    expect((await subscribe(client, 'two')).type).toBe('subscribe_success');
    expect((await subscribe(client, 'three')).type).toBe('subscribe_error');
  });

  it('keeps the RTCS publish rule: data under 1 MB passes a 2 KB body limit elsewhere, 1 MB is 413', async () => {
    const publish = (data: string) =>
      fetch(`${tp.url}/v2/event/${tp.appId}/channel`, { method: 'POST', headers: { 'x-nhn-apikey': tp.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ channels: ['one'], event: 'e', data }) });
    expect((await publish('x'.repeat(10_000))).status).toBe(200);
    expect((await publish('x'.repeat(1024 * 1024))).status).toBe(413);
  });
});
