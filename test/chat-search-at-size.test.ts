/**
 * Search at size (issue 16): 100,000 messages on each storage, written straight through the storage as
 * sends would leave them (the index triggers fire as for sends). A member finds English and Korean words
 * — the two-character `안녕` too — newest first, exactly the hits a plain scan of its own channels gives,
 * and never a hit from a channel it is not in; the server API finds them over the whole app. Latency at
 * this size is `npm run bench -- --scenarios=search`'s job, not this test's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

const TOTAL = 100_000;
const CHANNELS = ['room_alpha', 'room_beta', 'room_secret'] as const;
const WORDS = ['hello', 'meeting', 'deploy', 'coffee', '회의', '배포', '커피', '점심', '안녕', '프로젝트'];

/** Message i's text: two words that cycle at different speeds, and a marker on every 997th. */
const textOf = (i: number): string => `${WORDS[i % WORDS.length]} ${WORDS[Math.floor(i / 7) % WORDS.length]}${i % 997 === 0 ? ' Needle-바늘' : ''} #${i}`;

interface Hit {
  message_id: number;
  channel_id: string;
  content: string;
}

describe.each(engines)('search over 100,000 messages on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    /** Every stored message: [channel, id, text], in send order. */
    const stored: Array<[string, number, string]> = [];

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob'], channels: { room_alpha: ['alice', 'bob'], room_beta: ['alice'], room_secret: ['bob'] } });
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const start = Date.now() - TOTAL;
      const next = new Map<string, number>();
      for (let first = 0; first < TOTAL; first += 1000) {
        const rows = [];
        for (let i = first; i < first + 1000; i++) {
          const channel = CHANNELS[i % CHANNELS.length]!;
          const id = (next.get(channel) ?? 0) + 1;
          next.set(channel, id);
          stored.push([channel, id, textOf(i)]);
          const at = start + i;
          rows.push({ app_id: tp.appId, channel_id: channel, message_id: id, type: 'text', user_id: channel === 'room_secret' ? 'bob' : 'alice', content: textOf(i), file_key: null, file_name: null, file_type: null, file_size: null, meta: '{}', created_at: at, updated_at: at });
        }
        await tp.parley.storage.db.insertInto('chat_messages').values(rows).execute();
      }
      for (const [channel, last] of next) {
        await tp.parley.storage.db.updateTable('chat_channels').set({ last_message_id: last, total_message_count: last }).where('app_id', '=', tp.appId).where('channel_id', '=', channel).execute();
      }
    }, 240_000);
    afterAll(async () => {
      await tp?.stop();
    });

    /** The newest `limit` stored messages of `channels` whose text contains `query` (case-insensitively for English). */
    const expected = (query: string, channels: readonly string[], limit: number): string[] =>
      stored
        .filter(([channel, , text]) => channels.includes(channel) && text.toLowerCase().includes(query.toLowerCase()))
        .reverse()
        .slice(0, limit)
        .map(([channel, id]) => `${channel}#${id}`);
    const keys = (hits: Hit[]) => hits.map((h) => `${h.channel_id}#${h.message_id}`);

    it('a member finds English and Korean words, newest first, only in its own channels', async () => {
      for (const query of ['needle', 'NEEDLE-바', '바늘', '안녕', '프로젝트', 'coffee 회']) {
        const r = await sdk<{ messages: Hit[]; next: string | null }>('alice', 'GET', `/messages/search?query=${encodeURIComponent(query)}&limit=50`);
        expect(r.status, query).toBe(200);
        expect(keys(r.body.messages), query).toEqual(expected(query, ['room_alpha', 'room_beta'], 50));
        expect(r.body.messages.some((m) => m.channel_id === 'room_secret')).toBe(false);
      }
    });

    it('pages through every hit of a rare word once', async () => {
      const seen: string[] = [];
      let next: string | null = null;
      do {
        const r: { status: number; body: { messages: Hit[]; next: string | null } } = await sdk('bob', 'GET', `/messages/search?query=needle&limit=20${next ? `&next=${encodeURIComponent(next)}` : ''}`);
        expect(r.status).toBe(200);
        seen.push(...keys(r.body.messages));
        next = r.body.next;
      } while (next);
      expect(seen).toEqual(expected('needle', ['room_alpha', 'room_secret'], TOTAL));
    });

    it('the server API searches the whole app', async () => {
      const r = await call<{ messages: Hit[] }>('GET', `/v1/messages/search?query=${encodeURIComponent('바늘')}&limit=100`);
      expect(r.status).toBe(200);
      expect(keys(r.body.messages)).toEqual(expected('바늘', CHANNELS, 100));
    });
  });
});
