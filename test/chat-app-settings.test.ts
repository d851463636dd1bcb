/**
 * `GET|PUT /v1/application/settings` on SQLite and PostgreSQL: an app's word filter and chat webhook
 * settings, their validation (1001 naming the field), the signing secret's rotation, and isolation
 * between apps (each app reads and changes only its own).
 */
import { CHAT_WEBHOOK_EVENTS } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface Settings {
  app_id: string;
  word_filter: { words: string[]; mode: string };
  chat_webhook_url: string | null;
  chat_webhook_events: string[];
  chat_webhook_secret: string;
  updated_at: number;
}

describe.each(engines)('application settings on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it('answers the defaults: empty filter in mask mode, no webhook, every event, a secret', async () => {
      const res = await call<Settings>('GET', '/v1/application/settings');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        app_id: tp.appId,
        word_filter: { words: [], mode: 'mask' },
        chat_webhook_url: null,
        chat_webhook_events: [...CHAT_WEBHOOK_EVENTS],
        chat_webhook_secret: expect.stringMatching(/^[A-Za-z0-9_-]{32,}$/),
        updated_at: expect.any(Number),
      });
    });

    it('changes only the fields given, trims and de-duplicates words', async () => {
      const before = (await call<Settings>('GET', '/v1/application/settings')).body;
      const res = await call<Settings>('PUT', '/v1/application/settings', { word_filter: { words: [' darn ', 'DARN', '바보'], mode: 'block' } });
      expect(res.status).toBe(200);
      expect(res.body.word_filter).toEqual({ words: ['darn', '바보'], mode: 'block' });
      expect(res.body.chat_webhook_secret).toBe(before.chat_webhook_secret);
      const hooked = await call<Settings>('PUT', '/v1/application/settings', { chat_webhook_url: 'http://127.0.0.1:9/hook', chat_webhook_events: ['group:message_send', 'push', 'push'] });
      expect(hooked.body).toMatchObject({ word_filter: { words: ['darn', '바보'], mode: 'block' }, chat_webhook_url: 'http://127.0.0.1:9/hook', chat_webhook_events: ['group:message_send', 'push'] });
      expect((await call<Settings>('GET', '/v1/application/settings')).body).toEqual(hooked.body);
      const cleared = await call<Settings>('PUT', '/v1/application/settings', { chat_webhook_url: '' });
      expect(cleared.body.chat_webhook_url).toBeNull();
    });

    it('rotates the webhook secret on request only', async () => {
      const before = (await call<Settings>('GET', '/v1/application/settings')).body.chat_webhook_secret;
      const after = (await call<Settings>('PUT', '/v1/application/settings', { rotate_chat_webhook_secret: true })).body.chat_webhook_secret;
      expect(after).not.toBe(before);
      expect((await call<Settings>('GET', '/v1/application/settings')).body.chat_webhook_secret).toBe(after);
    });

    it('refuses bad settings with 1001 naming the field, and changes nothing', async () => {
      const before = (await call<Settings>('GET', '/v1/application/settings')).body;
      const refusals: Array<[unknown, RegExp]> = [
        [{ word_filter: { words: [''], mode: 'mask' } }, /word_filter\.words/],
        [{ word_filter: { words: ['x'.repeat(65)], mode: 'mask' } }, /word_filter\.words/],
        [{ word_filter: { words: Array.from({ length: 1001 }, (_, i) => `w${i}`), mode: 'mask' } }, /word_filter\.words/],
        [{ word_filter: { words: ['x'], mode: 'shout' } }, /mode/],
        [{ chat_webhook_url: 'file:///etc/passwd' }, /chat_webhook_url/],
        [{ chat_webhook_url: 'https://user:pw@example.com/' }, /chat_webhook_url/],
        [{ chat_webhook_events: ['group:nonsense'] }, /chat_webhook_events/],
        [{ surprise: true }, /surprise|additional/],
      ];
      for (const [body, message] of refusals) {
        const res = await call('PUT', '/v1/application/settings', body);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.body).toMatchObject({ code: 1001, message: expect.stringMatching(message) });
      }
      expect((await call<Settings>('GET', '/v1/application/settings')).body).toEqual(before);
    });

    it('refuses callers without the API key and keeps apps apart', async () => {
      expect((await platformClient(tp.url, tp.appId, 'wrong')('GET', '/v1/application/settings')).body).toMatchObject({ status: 401, code: 4001 });
      await tp.parley.apps.create('otherapp', { apiKey: 'other-key-0123456789' });
      const other = platformClient(tp.url, 'otherapp', 'other-key-0123456789');
      await other('PUT', '/v1/application/settings', { word_filter: { words: ['only-mine'], mode: 'mask' } });
      expect((await other<Settings>('GET', '/v1/application/settings')).body.word_filter.words).toEqual(['only-mine']);
      expect((await call<Settings>('GET', '/v1/application/settings')).body.word_filter.words).not.toContain('only-mine');
      expect((await other<Settings>('GET', '/v1/application/settings')).body.chat_webhook_secret).not.toBe((await call<Settings>('GET', '/v1/application/settings')).body.chat_webhook_secret);
    });
  });
});
