/**
 * Scenario: message search latency at size (issue 16: p99 ≤ 50 ms over 100,000 messages). Users and
 * channels are made through the Platform API; the messages are written straight into the server's own
 * database (lib/seed-messages.ts), so the index triggers and counters are what sends would leave. Then one member searches its channels through `/v1/sdk/messages/search` and the
 * backend the whole app through `/v1/messages/search`, one query at a time, for English and Korean
 * words — common, rare, absent, and a two-character Korean word below a trigram's length.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Histogram, type LatencySummary } from '../lib/histogram.ts';
import { createPlatformApi, forEachLimited } from '../lib/platform-api.ts';
import { seedMessages } from '../lib/seed-messages.ts';
import { createDatabase, type BenchDatabase } from '../lib/services.ts';
import { BENCH_API_KEY, startParley, type Target } from '../lib/targets.ts';
import type { BenchOptions, ChatEngine } from '../options.ts';

export interface SearchQueryResult {
  query: string;
  /** What the query stands for (common word, two Korean characters …). */
  kind: string;
  /** Hits on the first page (at most the page size). */
  hits: number;
  /** This query's latency over both faces. */
  p50: number;
  p99: number;
}

export interface SearchResult {
  engine: ChatEngine;
  messages: number;
  channels: number;
  /** Channels the searching member belongs to. */
  memberOf: number;
  seedMs: number;
  queries: SearchQueryResult[];
  /** A member over its channels (client API), every query. */
  sdk: LatencySummary;
  /** The backend over the whole app (server API), every query. */
  platform: LatencySummary;
}

const USERS = 20;
const MEMBERS = 10;
const PAGE = 20;
const TOKEN_TTL_MS = 3_600_000;

/** Words the messages are made of; the queries below pick from them (and one that is never written). */
const ENGLISH = ['hello', 'meeting', 'tomorrow', 'deploy', 'coffee', 'release', 'review', 'lunch', 'weekend', 'project', 'server', 'thanks', 'question', 'update', 'music'];
const KOREAN = ['안녕하세요', '회의', '내일', '배포', '커피', '점심', '주말', '프로젝트', '감사합니다', '질문', '서버', '음악', '안녕', '확인', '일정'];
const RARE = 'xylophone';
const QUERIES: Array<{ query: string; kind: string }> = [
  { query: 'meeting', kind: 'common English word' },
  { query: 'MEET', kind: 'English, other case' },
  { query: RARE, kind: 'rare English word' },
  { query: '프로젝트', kind: 'common Korean word' },
  { query: '안녕', kind: 'two Korean characters (below a trigram)' },
  { query: 'nowhere-to-be-found', kind: 'absent' },
];

/** A small deterministic generator: the same messages in every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function runSearch(opts: BenchOptions, engine: ChatEngine): Promise<SearchResult> {
  const { messages: total, channels, rounds } = opts.search;
  let db: BenchDatabase | undefined;
  let target: Target | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-search-'));
  try {
    if (engine === 'postgres') db = await createDatabase(opts.chat.postgresAdminUrl);
    target = await startParley({ env: { DATA_DIR: dataDir, ...(db ? { DATABASE_URL: db.url } : {}) } });
    const api = createPlatformApi(target.baseUrl, target.appId, BENCH_API_KEY);
    const user = (i: number) => `searcher_${i % USERS}`;
    const channel = (i: number) => `search_room_${i}`;
    await forEachLimited(USERS, 8, async (i) => void (await api.must(201, 'POST', '/users', { user_id: user(i), name: `Searcher ${i}` })));
    // Channel c has members c … c+9 (mod 20): searcher_0 belongs to half of the channels.
    await forEachLimited(channels, 8, async (c) => {
      const members = Array.from({ length: MEMBERS }, (_, k) => user(c + k));
      await api.must(201, 'POST', '/group/channels', { channel_id: channel(c), name: `Room ${c}`, members });
    });
    const memberOf = Array.from({ length: channels }, (_, c) => c).filter((c) => Array.from({ length: MEMBERS }, (_, k) => (c + k) % USERS).includes(0)).length;
    const { token } = (await api.must(200, 'POST', `/users/${user(0)}/token`, { expires_at: Date.now() + TOKEN_TTL_MS })) as { token: string };

    const seedStarted = performance.now();
    const random = prng(42);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    await seedMessages({
      appId: target.appId,
      dataDir,
      databaseUrl: db?.url,
      channels: Array.from({ length: channels }, (_, c) => channel(c)),
      total,
      start: Date.now() - total * 10,
      sender: (c, id) => user(c + (id % MEMBERS)),
      text: () => {
        const words = Array.from({ length: 6 }, () => (random() < 0.5 ? pick(ENGLISH) : pick(KOREAN)));
        // One message in 5,000 has the rare word.
        if (random() < 0.0002) words.push(RARE);
        return words.join(' ');
      },
    });
    const seedMs = Math.round(performance.now() - seedStarted);

    const sdkHeaders = { APP_ID: target.appId, USER_ID: user(0), authorization: `Bearer ${token}` };
    const platformHeaders = { APP_ID: target.appId, APP_API_KEY: BENCH_API_KEY };
    const sdk = new Histogram();
    const platform = new Histogram();
    const queries: SearchQueryResult[] = [];
    const once = async (face: 'sdk' | 'platform', query: string): Promise<{ ms: number; hits: number }> => {
      const url = `${target!.baseUrl}/v1${face === 'sdk' ? '/sdk' : ''}/messages/search?query=${encodeURIComponent(query)}&limit=${PAGE}`;
      const began = performance.now();
      const res = await getJson(url, face === 'sdk' ? sdkHeaders : platformHeaders);
      const ms = performance.now() - began;
      if (res.status !== 200) throw new Error(`search ${face} "${query}": ${res.status} ${JSON.stringify(res.body)}`);
      return { ms, hits: (res.body as { messages: unknown[] }).messages.length };
    };
    for (const { query, kind } of QUERIES) {
      // Warm-up: the first query of a kind compiles its plan and fills caches.
      await once('sdk', query);
      await once('platform', query);
      let hits = 0;
      const own = new Histogram();
      for (let r = 0; r < rounds; r++) {
        const a = await once('sdk', query);
        sdk.record(a.ms);
        own.record(a.ms);
        hits = a.hits;
        const b = await once('platform', query);
        platform.record(b.ms);
        own.record(b.ms);
      }
      const { p50, p99 } = own.summary();
      queries.push({ query, kind, hits, p50: Math.round(p50 * 10) / 10, p99: Math.round(p99 * 10) / 10 });
    }
    api.close();
    return { engine, messages: total, channels, memberOf, seedMs, queries, sdk: sdk.summary(), platform: platform.summary() };
  } finally {
    await target?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
