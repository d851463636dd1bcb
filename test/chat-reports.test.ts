/**
 * Reports on SQLite and PostgreSQL (DESIGN.md, Moderation): a user reports a message, a user or a
 * channel it can see (`POST /v1/sdk/reports`), never one of a private channel it is not in; the
 * app's backend lists them newest first, by target or channel, paged (`GET /v1/reports`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat, sendText } from './support/chat-seed.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface Report {
  report_id: string;
  target: string;
  channel_id: string | null;
  message_id: number | null;
  user_id: string | null;
  reporter: string;
  reason: string;
}

describe.each(engines)('reports on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let messageId: number;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'eve'], channels: { lobby: ['alice', 'bob'] } });
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      messageId = await sendText(tp.url, tp.appId, tp.apiKey, 'lobby', 'bob', 'buy cheap watches');
    }, 30_000);
    afterAll(async () => {
      await tp?.stop();
    });

    it('takes reports of a message (naming its sender), a user and a channel', async () => {
      const message = await sdk<Report>('alice', 'POST', '/reports', { target: 'message', channel_id: 'lobby', message_id: messageId, reason: 'spam' });
      expect(message.status).toBe(201);
      expect(message.body).toMatchObject({ target: 'message', channel_id: 'lobby', message_id: messageId, user_id: 'bob', reporter: 'alice', reason: 'spam' });
      expect((await sdk<Report>('alice', 'POST', '/reports', { target: 'user', user_id: 'eve', reason: 'impersonation' })).body).toMatchObject({ target: 'user', user_id: 'eve', channel_id: null });
      expect((await sdk<Report>('bob', 'POST', '/reports', { target: 'channel', channel_id: 'lobby', reason: 'off topic' })).body).toMatchObject({ target: 'channel', channel_id: 'lobby', reporter: 'bob' });
    });

    it('refuses what the reporter cannot see, and bad requests, naming the field', async () => {
      expect((await sdk('eve', 'POST', '/reports', { target: 'message', channel_id: 'lobby', message_id: messageId, reason: 'x' })).body).toMatchObject({ status: 403, code: 3001 });
      expect((await sdk('eve', 'POST', '/reports', { target: 'channel', channel_id: 'lobby', reason: 'x' })).body).toMatchObject({ status: 403, code: 3001 });
      expect((await sdk('alice', 'POST', '/reports', { target: 'message', channel_id: 'lobby', message_id: 9999, reason: 'x' })).body).toMatchObject({ code: 1005 });
      expect((await sdk('alice', 'POST', '/reports', { target: 'user', user_id: 'nobody', reason: 'x' })).body).toMatchObject({ code: 1004 });
      expect((await sdk('alice', 'POST', '/reports', { target: 'user', reason: 'x' })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/user_id/) });
      expect((await sdk('alice', 'POST', '/reports', { target: 'user', user_id: 'eve', reason: '' })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/reason/) });
      expect((await sdk('alice', 'POST', '/reports', { target: 'planet', reason: 'x' })).body).toMatchObject({ code: 1001 });
    });

    it('lists them to the backend newest first, by target and channel, paged', async () => {
      const all = await call<{ reports: Report[]; next: string | null }>('GET', '/v1/reports');
      expect(all.body.reports.map((r) => r.target)).toEqual(['channel', 'user', 'message']);
      expect((await call<{ reports: Report[] }>('GET', '/v1/reports?target=user')).body.reports.map((r) => r.user_id)).toEqual(['eve']);
      expect((await call<{ reports: Report[] }>('GET', '/v1/reports?channel_id=lobby')).body.reports).toHaveLength(2);
      const first = await call<{ reports: Report[]; next: string | null }>('GET', '/v1/reports?limit=2');
      expect(first.body.reports).toHaveLength(2);
      const second = await call<{ reports: Report[]; next: string | null }>('GET', `/v1/reports?limit=2&next=${first.body.next}`);
      expect(second.body).toEqual({ reports: [all.body.reports[2]], next: null });
      // The client API has no list: reports are for the app's moderators.
      expect((await sdk('alice', 'GET', '/reports')).status).toBe(404);
    });
  });
});
