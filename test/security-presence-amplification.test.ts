/**
 * Finding 7, presence amplification: one access URL replayed many times made every join cost a member
 * map of all the others (N²). Concurrent sessions are capped per access URL (ACCESS_URL_MAX_SESSIONS,
 * default 5), per user (USER_MAX_SESSIONS, 100) and per client IP (IP_MAX_SESSIONS, 1000), handshakes
 * per IP are rate-limited (HANDSHAKES_PER_IP_PER_S, 50, bursts of 4×), for 0.9 and socket.io clients
 * alike and counted together; and a presence channel's subscribe_success carries `count` always and
 * `members` only up to PRESENCE_MEMBERS_MAX.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect09, handshakeUrl, type Transport09 } from './legacy09-client.ts';
import { engineUrl } from './support/engineio-raw.ts';
import { accessUrl, api, collect, connectClient, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(env: Record<string, string> = {}): Promise<TestParley> {
  const tp = await startParley({ env: { RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0', ...env } });
  cleanups.push(() => tp.stop());
  return tp;
}

type Kind = '4.x' | Transport09;

function open(kind: Kind, url: string): AnyClient {
  const c = kind === '4.x' ? connectClient('4.x', url, ['websocket']) : connect09(url, kind);
  cleanups.push(() => c.close());
  return c;
}

/** How a connection attempt ended: connected, refused with the server's reason, or nothing at all. */
function attempt(c: AnyClient, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no answer'), ms);
    const done = (outcome: string) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    c.on('connect', () => done('connected'));
    const refused = (err: unknown) => done(`refused: ${err instanceof Error ? err.message : String(err)}`);
    c.on('connect_error', refused);
    c.on('error', refused);
  });
}

async function connectAs(kind: Kind, url: string): Promise<{ client: AnyClient; outcome: string }> {
  const client = open(kind, url);
  return { client, outcome: await attempt(client) };
}

/** A leaver's slot may be given back a moment after its session left the hub: retry for a while. */
async function connectsAgain(kind: Kind, url: string): Promise<void> {
  await expect.poll(async () => (await connectAs(kind, url)).outcome, { timeout: 3000, interval: 200 }).toBe('connected');
}

const sessionsOf = (tp: TestParley, user: string) => tp.parley.hub.allSessions().filter((s) => s.user === user).length;

describe('ACCESS_URL_MAX_SESSIONS (default 5): one access URL replayed', () => {
  it('50 times, 4.x and 0.9 mixed: exactly 5 sessions, the rest refused with a reason naming the access URL; the server still answers; a leaver makes room', async () => {
    const tp = await server();
    const url = await accessUrl(tp, 'replayer', ['presence_replayed']);
    const kinds: Kind[] = Array.from({ length: 50 }, (_, i) => (['4.x', 'websocket', '4.x', 'xhr-polling'] as const)[i % 4]!);
    const started = performance.now();
    const results = await Promise.all(kinds.map((k) => connectAs(k, url)));
    const accepted = results.filter((r) => r.outcome === 'connected');
    console.log(`replay: one access URL opened ${accepted.length} of ${kinds.length} sessions in ${Math.round(performance.now() - started)} ms; presence_replayed count ${JSON.stringify((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=presence_replayed`)).body)}`);

    const health = await fetch(`${tp.url}/health`, { signal: AbortSignal.timeout(2000) });
    expect(health.status).toBe(200);
    expect(accepted.length, 'sessions the replayed URL opened').toBe(5);
    const refusals = results.filter((r) => r.outcome !== 'connected').map((r) => r.outcome);
    expect(refusals.filter((o) => !/^refused: .*access URL/.test(o)), 'refusals without an access-URL reason').toEqual([]);
    await expect.poll(() => sessionsOf(tp, 'replayer')).toBe(5);
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=presence_replayed`)).body).toEqual({ count: 5 });

    // One leaves; the URL may open one more, of either generation, and then no more.
    accepted[0]!.client.close();
    await expect.poll(() => sessionsOf(tp, 'replayer')).toBe(4);
    await connectsAgain('xhr-polling', url);
    expect((await connectAs('4.x', url)).outcome).toMatch(/^refused: .*access URL/);
  });
});

describe('USER_MAX_SESSIONS: one user through different access URLs', () => {
  it('USER_MAX_SESSIONS=3: the 4th and 5th sessions (0.9 and 4.x) are refused with a reason about sessions; a leaver makes room', async () => {
    const tp = await server({ USER_MAX_SESSIONS: '3' });
    // Different grants make different URLs, so the per-URL cap is not what refuses.
    const urls = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => accessUrl(tp, 'many', [`room${i}`])));
    expect(new Set(urls).size).toBe(6);
    const first = [await connectAs('4.x', urls[0]!), await connectAs('websocket', urls[1]!), await connectAs('4.x', urls[2]!)];
    const more = [await connectAs('xhr-polling', urls[3]!), await connectAs('4.x', urls[4]!)];
    expect([...first, ...more].map((r) => r.outcome)).toEqual(['connected', 'connected', 'connected', expect.stringMatching(/^refused: .*sessions/), expect.stringMatching(/^refused: .*sessions/)]);
    first[0]!.client.close();
    await expect.poll(() => sessionsOf(tp, 'many')).toBe(2);
    await connectsAgain('websocket', urls[5]!);
  });
});

describe('IP_MAX_SESSIONS: realtime sessions from one client IP', () => {
  it('IP_MAX_SESSIONS=4: four users connect from 127.0.0.1, the 5th and 6th (4.x and 0.9) are refused; a leaver makes room', async () => {
    const tp = await server({ IP_MAX_SESSIONS: '4' });
    const kinds: Kind[] = ['4.x', 'websocket', 'xhr-polling', '4.x', '4.x', 'websocket', 'xhr-polling'];
    const urls = await Promise.all(kinds.map((_, i) => accessUrl(tp, `ip-user${i}`)));
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await connectAs(kinds[i]!, urls[i]!));
    expect(results.map((r) => r.outcome)).toEqual(['connected', 'connected', 'connected', 'connected', expect.stringMatching(/^refused: /), expect.stringMatching(/^refused: /)]);
    results[0]!.client.close();
    await expect.poll(() => tp.parley.hub.sessionCount).toBe(3);
    await connectsAgain(kinds[6]!, urls[6]!);
  });
});

describe('HANDSHAKES_PER_IP_PER_S (default 50, bursts of 200)', () => {
  /** Fires `n` requests at once; answers their statuses and how long they took. */
  async function burst(urls: string[]): Promise<{ statuses: number[]; ms: number }> {
    const started = performance.now();
    const statuses = await Promise.all(urls.map((u) => fetch(u, { signal: AbortSignal.timeout(10_000) }).then(async (r) => (await r.arrayBuffer(), r.status), () => 0)));
    return { statuses, ms: performance.now() - started };
  }
  const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});
  /** Burst plus what 50/s refills while the burst runs, plus a little for timing at the edges. */
  const allowed = (ms: number) => 200 + Math.ceil((50 * ms) / 1000) + 5;

  it('260 engine.io handshakes at once: those past the burst get 403, and a second later handshakes are accepted again', async () => {
    const tp = await server();
    const url = await accessUrl(tp, 'handshaker');
    const { statuses, ms } = await burst(Array.from({ length: 260 }, (_, i) => engineUrl(url, 4, 'polling', { t: `h${i}` })));
    console.log(`engine.io handshakes: 260 at once from one IP in ${Math.round(ms)} ms → ${JSON.stringify(tally(statuses))}`);
    expect(statuses.filter((s) => s !== 200 && s !== 403), 'answers other than 200 and 403').toEqual([]);
    expect(statuses.filter((s) => s === 403).length, 'handshakes refused with 403').toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(allowed(ms));
    await new Promise((r) => setTimeout(r, 1100));
    expect((await fetch(engineUrl(url, 4, 'polling'))).status).toBe(200);
  });

  it('260 0.9 handshakes at once (260 users): those past the burst get 429, and a second later handshakes are accepted again', async () => {
    const tp = await server();
    const urls: string[] = [];
    for (let i = 0; i < 261; i += 20) urls.push(...(await Promise.all(Array.from({ length: Math.min(20, 261 - i) }, (_, k) => accessUrl(tp, `hs09-${i + k}`)))));
    const { statuses, ms } = await burst(urls.slice(0, 260).map((u) => handshakeUrl(u)));
    console.log(`0.9 handshakes: 260 at once from one IP in ${Math.round(ms)} ms → ${JSON.stringify(tally(statuses))}`);
    expect(statuses.filter((s) => s !== 200 && s !== 429), 'answers other than 200 and 429').toEqual([]);
    expect(statuses.filter((s) => s === 429).length, 'handshakes refused with 429').toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(allowed(ms));
    await new Promise((r) => setTimeout(r, 1100));
    expect((await fetch(handshakeUrl(urls[260]!))).status).toBe(200);
  });

  it('socket.io and 0.9 handshakes count together: right after 260 engine.io handshakes, 0.9 handshakes are refused too', async () => {
    const tp = await server();
    const urls = await Promise.all(Array.from({ length: 20 }, (_, i) => accessUrl(tp, `mixed-handshaker${i}`)));
    const engine = await burst(Array.from({ length: 260 }, (_, i) => engineUrl(urls[0]!, 4, 'polling', { t: `m${i}` })));
    const legacy = await burst(urls.map((u) => handshakeUrl(u)));
    console.log(`mixed handshakes: 260 engine.io → ${JSON.stringify(tally(engine.statuses))}, then 20 0.9 → ${JSON.stringify(tally(legacy.statuses))}`);
    expect(engine.statuses.filter((s) => s === 403).length).toBeGreaterThan(0);
    // The bucket is empty: at most what refills while they run gets through.
    expect(legacy.statuses.filter((s) => s === 429).length, '0.9 handshakes refused with 429').toBeGreaterThanOrEqual(15);
  });
});

describe('PRESENCE_MEMBERS_MAX: member maps only for small presence channels', () => {
  it.each(['presence_crowd', 'member_crowd'])('PRESENCE_MEMBERS_MAX=3, five joiners of %s (4.x and 0.9): count always, members only while count ≤ 3', async (channel) => {
    const tp = await server({ PRESENCE_MEMBERS_MAX: '3' });
    const kinds: Kind[] = ['4.x', 'websocket', 'xhr-polling', '4.x', 'websocket'];
    const rows: Array<{ joiner: number; count: unknown; members: number | 'absent' }> = [];
    for (const [i, kind] of kinds.entries()) {
      const client = open(kind, await accessUrl(tp, `crowd${i}`, [channel]));
      const results = collect<ChannelResultMsg & { count?: unknown }>(client, 'rtcs:channel');
      expect(await attempt(client)).toBe('connected');
      await expect.poll(() => results.some((r) => r.name === channel && r.type === 'subscribe_success')).toBe(true);
      const ok = results.find((r) => r.name === channel && r.type === 'subscribe_success')!;
      rows.push({ joiner: i + 1, count: ok.count, members: ok.members === undefined ? 'absent' : Object.keys(ok.members).length });
    }
    expect(rows).toEqual([
      { joiner: 1, count: 1, members: 1 },
      { joiner: 2, count: 2, members: 2 },
      { joiner: 3, count: 3, members: 3 },
      { joiner: 4, count: 4, members: 'absent' },
      { joiner: 5, count: 5, members: 'absent' },
    ]);
  });
});
