/**
 * Exports on SQLite and PostgreSQL (DESIGN.md, Export): a job queued by `POST /v1/exports` writes the
 * app's messages, channels or users as NDJSON in their wire shapes, exactly the stored rows; its
 * signed URL works without headers until it expires (then 403, and the file is removed), a wrong
 * signature is refused; at most EXPORT_JOBS_PER_APP jobs run per app; an export of 100,000 messages
 * keeps the server's heap growth small (it streams); a job survives a restart, and one a crashed node
 * left running is taken up again (failed after three interrupted runs).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../packages/server/src/storage/database.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import { rssKiB } from './support/process-memory.ts';
import { createTestDatabase } from './support/services.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const engines = await engineCases();

interface Export {
  export_id: string;
  status: string;
  count: number;
  url?: string;
  expires_at: number | null;
  error?: string;
}
type Call = ReturnType<typeof platformClient>;

async function settled(call: Call, id: string, timeoutMs = 30_000): Promise<Export> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call<Export>('GET', `/v1/exports/${id}`);
    expect(r.status).toBe(200);
    if (r.body.status === 'done' || r.body.status === 'failed') return r.body;
    if (Date.now() > deadline) throw new Error(`export ${id} still ${r.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function exported(call: Call, body: object): Promise<{ job: Export; lines: unknown[] }> {
  const created = await call<Export>('POST', '/v1/exports', body);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ status: 'queued', count: 0 });
  const job = await settled(call, created.body.export_id);
  expect(job.status).toBe('done');
  // The URL works without any header.
  const res = await fetch(job.url!);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
  const text = await res.text();
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n').map((l) => JSON.parse(l) as unknown);
  expect(lines).toHaveLength(job.count);
  return { job, lines };
}

/** Stores `n` messages straight through the storage (fast), as sends would have: ids 1..n, counters moved. */
async function insertMessages(storage: Storage, appId: string, channelId: string, userId: string, n: number, text: (i: number) => string, meta = '{}', at = Date.now()): Promise<void> {
  const BATCH = 1000;
  for (let start = 1; start <= n; start += BATCH) {
    const rows = [];
    for (let id = start; id < Math.min(start + BATCH, n + 1); id++) {
      rows.push({ app_id: appId, channel_id: channelId, message_id: id, type: 'text', user_id: userId, content: text(id), file_key: null, file_name: null, file_type: null, file_size: null, meta, created_at: at + id, updated_at: at + id });
    }
    await storage.db.insertInto('chat_messages').values(rows).execute();
  }
  await storage.db.updateTable('chat_channels').set({ last_message_id: n, total_message_count: n }).where('app_id', '=', appId).where('channel_id', '=', channelId).execute();
}

describe.each(engines)('exports on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: Call;

    beforeAll(async () => {
      tp = await engine.start({ env: { EXPORT_URL_TTL_S: '2', EXPORT_JOBS_PER_APP: '1' }, exportTiming: { pollMs: 100 } });
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'carol'], channels: { lobby: ['alice', 'bob'], bulk: ['alice', 'bob', 'carol'], big_room: ['alice'] } });
      for (let i = 0; i < 12; i++) {
        expect((await call('POST', '/v1/group/channels/lobby/messages', { type: 'text', user_id: i % 2 ? 'alice' : 'bob', content: `안녕 hello ${i}`, meta: { i: String(i) } })).status).toBe(201);
      }
      const form = new FormData();
      form.set('type', 'file');
      form.set('user_id', 'alice');
      form.set('file', new Blob(['file body'], { type: 'text/plain' }), 'notes.txt');
      const file = await fetch(`${tp.url}/v1/group/channels/lobby/messages`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey }, body: form });
      expect(file.status).toBe(201);
      await insertMessages(tp.parley.storage, tp.appId, 'bulk', 'carol', 3000, (i) => `bulk message ${i} "quoted" \\ 줄바꿈\n다음 줄`);
    }, 60_000);
    afterAll(async () => {
      await tp?.stop();
    });

    it('exports every message of the app as the stored rows, each line in the wire shape of the message list', async () => {
      const { job, lines } = await exported(call, { type: 'messages' });
      const rows = await tp.parley.storage.db.selectFrom('chat_messages').select(['channel_id', 'message_id', 'content', 'user_id']).where('app_id', '=', tp.appId).orderBy('channel_id').orderBy('message_id').execute();
      expect(job.count).toBe(3013);
      expect(lines.map((l) => l as { channel_id: string; message_id: number; content?: string; user: { user_id: string } }).map((m) => [m.channel_id, m.message_id, m.content ?? null, m.user.user_id])).toEqual(
        rows.map((r) => [r.channel_id, Number(r.message_id), r.content, r.user_id]),
      );
      const listed = (await call<{ messages: Array<Record<string, unknown> & { file?: { url: string } }> }>('GET', '/v1/group/channels/lobby/messages?limit=100')).body.messages;
      const withoutUrl = (m: Record<string, unknown> & { file?: { url: string } }) => (m.file ? { ...m, file: { ...m.file, url: m.file.url.split('?')[0] } } : m);
      expect(lines.filter((l) => (l as { channel_id: string }).channel_id === 'lobby').map((l) => withoutUrl(l as Record<string, unknown>))).toEqual(listed.map(withoutUrl));
      // The exported file's URL is signed: it opens the file.
      const fileLine = lines.find((l) => (l as { type: string }).type === 'file') as { file: { url: string } };
      expect((await fetch(fileLine.file.url)).status).toBe(200);
    });

    it('exports one channel, created in [from, to)', async () => {
      const rows = await tp.parley.storage.db.selectFrom('chat_messages').select(['message_id', 'created_at']).where('app_id', '=', tp.appId).where('channel_id', '=', 'bulk').orderBy('message_id').execute();
      const from = Number(rows[100]!.created_at);
      const to = Number(rows[2100]!.created_at);
      const { job, lines } = await exported(call, { type: 'messages', channel_id: 'bulk', from, to });
      expect(job).toMatchObject({ count: 2000, channel_id: 'bulk', from, to });
      expect(lines.map((l) => (l as { message_id: number }).message_id)).toEqual(rows.slice(100, 2100).map((r) => Number(r.message_id)));
    });

    it('exports channels and users in their wire shapes', async () => {
      const channels = await exported(call, { type: 'channels' });
      const listed = (await call<{ channels: Array<{ channel_id: string }> }>('GET', '/v1/group/channels?limit=100')).body.channels;
      const byId = <T extends Record<string, unknown>>(list: T[], key: string) => [...list].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
      expect(channels.lines).toEqual(byId(listed.map((c) => ({ ...c, members: undefined })).map((c) => JSON.parse(JSON.stringify(c)) as Record<string, unknown>), 'channel_id'));
      const users = await exported(call, { type: 'users' });
      const listedUsers = (await call<{ users: Array<Record<string, unknown>> }>('GET', '/v1/users?limit=100')).body.users;
      expect(users.lines).toEqual(byId(listedUsers, 'user_id'));
      expect(users.job.count).toBe(3);
    });

    it('refuses a wrong signature (403) and an unknown export (404); its URL expires, then the file is removed', async () => {
      const { job } = await exported(call, { type: 'users' });
      const url = new URL(job.url!);
      const tampered = (name: string, value: string) => {
        const u = new URL(url);
        u.searchParams.set(name, value);
        return u.toString();
      };
      expect((await fetch(tampered('signature', 'A'.repeat(43)))).status).toBe(403);
      expect((await fetch(tampered('expires', String(job.expires_at! + 1000)))).status).toBe(403);
      const unsigned = new URL(url);
      unsigned.search = '';
      expect((await fetch(unsigned)).status).toBe(403);
      const other = await fetch(`${tp.url}/v1/exports/${'0'.repeat(32)}/file${url.search}`);
      expect(other.status).toBe(404);
      expect(await other.json()).toMatchObject({ status: 404, code: 1002 });
      // Another export's signature does not open this one.
      const second = await exported(call, { type: 'channels' });
      const foreign = new URL(url);
      foreign.search = new URL(second.job.url!).search;
      expect((await fetch(foreign)).status).toBe(403);
      expect((await fetch(url)).status).toBe(200);
      // EXPORT_URL_TTL_S=2: then 403, the status says expired, without a url, and the file is gone.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.expires_at! - Date.now()) + 50));
      expect((await fetch(url)).status).toBe(403);
      const after = await call<Export>('GET', `/v1/exports/${job.export_id}`);
      expect(after.body).toMatchObject({ status: 'expired' });
      expect(after.body.url).toBeUndefined();
      await expect.poll(() => existsSync(join(tp.dataDir, 'exports', `${job.export_id}.ndjson`)), { timeout: 5_000 }).toBe(false);
    });

    it('refuses bad requests', async () => {
      expect((await call('POST', '/v1/exports', { type: 'users', channel_id: 'lobby' })).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/channel_id/) });
      expect((await call('POST', '/v1/exports', { type: 'messages', channel_id: 'no_such_room' })).body).toMatchObject({ code: 1003 });
      expect((await call('POST', '/v1/exports', { type: 'messages', from: 10, to: 10 })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/from/) });
      expect((await call('POST', '/v1/exports', { type: 'everything' })).body).toMatchObject({ code: 1001 });
      expect((await call('POST', '/v1/exports', {})).body).toMatchObject({ code: 1001 });
      expect((await call('GET', `/v1/exports/${'f'.repeat(32)}`)).body).toMatchObject({ status: 400, code: 1002 });
      const anonymous = await fetch(`${tp.url}/v1/exports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'users' }) });
      expect(anonymous.status).toBe(401);
    });

    it('streams 100,000 messages with a small heap, one job at a time per app', async () => {
      const meta = JSON.stringify(Object.fromEntries(Array.from({ length: 4 }, (_, k) => [`key_${k}`, 'v'.repeat(100)])));
      const t0 = Date.now();
      await insertMessages(tp.parley.storage, tp.appId, 'big_room', 'alice', 100_000, (i) => `big room message number ${i}, 안녕하세요`, meta);
      const t1 = Date.now();
      // The live heap (after a full collection), sampled while the job runs: what the export holds, not its garbage.
      const live = () => {
        gc();
        return process.memoryUsage().heapUsed;
      };
      const baseline = live();
      const rssBefore = rssKiB(process.pid)!;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, live())), 500);
      let big: Export;
      let head: Response;
      let download: Response;
      try {
        const created = await call<Export>('POST', '/v1/exports', { type: 'messages', channel_id: 'big_room' });
        await expect.poll(async () => (await call<Export>('GET', `/v1/exports/${created.body.export_id}`)).body.status, { interval: 5 }).toBe('running');
        // EXPORT_JOBS_PER_APP=1: the next one waits for it.
        const waiting = await call<Export>('POST', '/v1/exports', { type: 'users' });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const meanwhile = await call<Export>('GET', `/v1/exports/${created.body.export_id}`);
        if (meanwhile.body.status === 'running') expect((await call<Export>('GET', `/v1/exports/${waiting.body.export_id}`)).body.status).toBe('queued');
        big = await settled(call, created.body.export_id, 50_000);
        // EXPORT_URL_TTL_S=2 in this file: the file is opened at once, read below.
        head = await fetch(big.url!, { method: 'HEAD' });
        download = await fetch(big.url!);
        expect((await settled(call, waiting.body.export_id)).status).toBe('done');
      } finally {
        clearInterval(sampler);
      }
      expect(big).toMatchObject({ status: 'done', count: 100_000 });
      const growthMiB = (peak - baseline) / 1048576;
      // Held whole, the set would take far more: its file alone is this large.
      const sizeMiB = Number(head!.headers.get('content-length')) / 1048576;
      expect(sizeMiB).toBeGreaterThan(60);
      console.log(`insert ${t1 - t0} ms, export ${Date.now() - t1} ms; export of 100,000 messages: live heap growth ${growthMiB.toFixed(1)} MiB, file ${sizeMiB.toFixed(1)} MiB`);
      expect(growthMiB).toBeLessThan(32);
      expect(rssKiB(process.pid)! - rssBefore).toBeLessThan(200 * 1024);
      // The file, read as a stream: one line per message, in id order.
      expect(download!.status).toBe(200);
      const reader = download!.body!.getReader();
      const decoder = new TextDecoder();
      let lines = 0;
      let tail = '';
      let expected = 1;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const parts = (tail + decoder.decode(value, { stream: true })).split('\n');
        tail = parts.pop()!;
        for (const line of parts) {
          expect((JSON.parse(line) as { message_id: number }).message_id).toBe(expected++);
          lines++;
        }
      }
      expect(tail).toBe('');
      expect(lines).toBe(100_000);
    }, 60_000);
  });
});

describe.each(engines)('export jobs across restarts on $name', (engine) => {
  it.skipIf(engine.skip)('a stopped server hands its job back and the next start finishes it; a crashed node’s job is taken up, then failed after three runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-export-restart-'));
    const db = engine.name === 'postgres' ? await createTestDatabase() : undefined;
    const env = { DATA_DIR: dataDir, DATABASE_URL: db?.url };
    const start = () => startParley({ env, exportTiming: { pollMs: 50, batchSize: 200, leaseMs: 1_000 } });
    let tp = await start();
    try {
      await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice'], channels: { room: ['alice'] } });
      await insertMessages(tp.parley.storage, tp.appId, 'room', 'alice', 20_000, (i) => `message ${i}`);
      let call = platformClient(tp.url, tp.appId, tp.apiKey);
      const created = await call<Export>('POST', '/v1/exports', { type: 'messages' });
      const id = created.body.export_id;
      await expect.poll(async () => (await call<Export>('GET', `/v1/exports/${id}`)).body.count, { interval: 2 }).toBeGreaterThan(0);
      await tp.stop();
      const row = async (storage: Storage) => storage.db.selectFrom('chat_exports').selectAll().where('export_id', '=', id).executeTakeFirstOrThrow();

      tp = await start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const job = await settled(call, id);
      expect(job).toMatchObject({ status: 'done', count: 20_000 });
      expect(Number((await row(tp.parley.storage)).attempts)).toBe(1);
      const text = await (await fetch(job.url!)).text();
      expect(text.split('\n').filter(Boolean)).toHaveLength(20_000);
      expect(readdirSync(join(dataDir, 'exports')).filter((f) => f.endsWith('.part'))).toEqual([]);

      // As a node that died mid-run leaves them: running, with a lapsed lease.
      const now = Date.now();
      const left = (exportId: string, attempts: number) => ({ app_id: tp.appId, export_id: exportId, type: 'users', channel_id: null, from_at: null, to_at: null, status: 'running', count: 7, error: null, lease_until: now - 1, attempts, expires_at: null, created_at: now, updated_at: now });
      await tp.parley.storage.db.insertInto('chat_exports').values([left('a'.repeat(32), 1), left('b'.repeat(32), 3)]).execute();
      expect(await settled(call, 'a'.repeat(32))).toMatchObject({ status: 'done', count: 1 });
      expect(await settled(call, 'b'.repeat(32))).toMatchObject({ status: 'failed', error: 'interrupted 3 times' });
    } finally {
      await tp.stop();
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
