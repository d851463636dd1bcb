/**
 * Durability under `kill -9`, on SQLite and PostgreSQL: the real server as a child process, 200
 * concurrent senders (text and file messages) through the Platform API, SIGKILL at a seeded random
 * moment, restart on the same data. Every message whose 201 a sender saw is stored exactly once with the
 * content it was acknowledged with, ids are gap-free per channel, and every stored file is served whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import { freePort, startNode, type NodeProcess } from './support/node-process.ts';
import { createTestDatabase, postgresAvailable } from './support/services.ts';

const SENDERS = 200;
const USERS = Array.from({ length: 20 }, (_, i) => `u${i}`);
const CHANNELS = ['crash_a', 'crash_b'];
const APP = { id: 'crashapp', key: 'crash-key-0123456789' };
/** Seeded, so a failure reproduces: the kill comes 0–800 ms after the first 300 acknowledgements. */
let seed = 20261124;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

interface Ack {
  channel: string;
  id: number;
  content: string;
  fileBytes?: number;
}

type Stored = { message_id: number; content?: string; type: string; file?: { url: string; size: number } };

async function listAll(url: string, channel: string): Promise<Stored[]> {
  const call = platformClient(url, APP.id, APP.key);
  const all: Stored[] = [];
  for (let base = 0; ; ) {
    const page = await call<{ messages: Stored[] }>('GET', `/v1/group/channels/${channel}/messages?mode=next&limit=100&base_message_id=${base}`);
    if (page.status !== 200) throw new Error(`list ${channel}: ${page.status} ${JSON.stringify(page.body)}`);
    if (page.body.messages.length === 0) return all;
    all.push(...page.body.messages);
    base = all.at(-1)!.message_id;
  }
}

/** One sender: sends until told to stop, recording what was acknowledged; every 5th message is a file. */
async function sender(url: string, n: number, acks: Ack[], running: () => boolean): Promise<void> {
  for (let i = 0; running(); i++) {
    const channel = CHANNELS[(n + i) % CHANNELS.length]!;
    const content = `s${n}-${i}-데이터`;
    const user = USERS[n % USERS.length]!;
    const headers = { APP_ID: APP.id, APP_API_KEY: APP.key };
    try {
      let res: Response;
      let fileBytes: number | undefined;
      if (i % 5 === 4) {
        fileBytes = 20_000 + n * 13;
        const form = new FormData();
        form.append('type', 'file');
        form.append('user_id', user);
        form.append('content', content);
        form.append('file', new Blob([Buffer.alloc(fileBytes, n % 251)]), `f${n}.bin`);
        res = await fetch(`${url}/v1/group/channels/${channel}/messages`, { method: 'POST', headers, body: form });
      } else {
        res = await fetch(`${url}/v1/group/channels/${channel}/messages`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'text', user_id: user, content }),
        });
      }
      if (res.status === 201) acks.push({ channel, id: ((await res.json()) as { message_id: number }).message_id, content, fileBytes });
      else await res.body?.cancel();
    } catch {
      return; // The server died under this request: it was never acknowledged.
    }
  }
}

const engines = [
  { name: 'sqlite', skip: false, databaseUrl: async () => ({ url: undefined as string | undefined, drop: async () => {} }) },
  { name: 'postgres', skip: !(await postgresAvailable()), databaseUrl: () => createTestDatabase() },
];

describe.each(engines)('kill -9 during 200 concurrent senders on $name', (engine) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-crash-'));
  let node: NodeProcess | undefined;
  let drop = async () => {};
  afterAll(async () => {
    await node?.kill('SIGKILL');
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(engine.skip)('keeps every acknowledged message exactly once, gap-free, with whole files', async () => {
    const db = await engine.databaseUrl();
    drop = db.drop;
    const env: Record<string, string> = { DATA_DIR: dataDir, APP_ID: APP.id, APP_API_KEY: APP.key, RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0', ...(db.url ? { DATABASE_URL: db.url } : {}) };
    const port = await freePort();
    node = await startNode(env, port);
    await seedChat(node.url, APP.id, APP.key, { users: USERS, channels: Object.fromEntries(CHANNELS.map((c) => [c, USERS])) });

    const acks: Ack[] = [];
    let running = true;
    const senders = Array.from({ length: SENDERS }, (_, n) => sender(node!.url, n, acks, () => running));
    const killAfter = Math.floor(random() * 800);
    const deadline = Date.now() + 60_000;
    while (acks.length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, killAfter));
    expect(await node.kill('SIGKILL')).toBe('SIGKILL');
    running = false;
    await Promise.all(senders);
    expect(acks.length, `acknowledged before the kill (${killAfter} ms after the 300th)`).toBeGreaterThanOrEqual(300);

    node = await startNode(env, port);
    for (const channel of CHANNELS) {
      const stored = await listAll(node.url, channel);
      // Gap-free: exactly 1..N.
      expect(stored.map((m) => m.message_id)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
      const byId = new Map(stored.map((m) => [m.message_id, m]));
      const mine = acks.filter((a) => a.channel === channel);
      // Each acknowledged id once (no two acks share an id), and stored with the acknowledged content.
      expect(new Set(mine.map((a) => a.id)).size).toBe(mine.length);
      for (const ack of mine) {
        const m = byId.get(ack.id);
        expect(m?.content, `message ${ack.id} of ${channel}`).toBe(ack.content);
        if (ack.fileBytes !== undefined) expect(m?.file?.size).toBe(ack.fileBytes);
      }
      // Every stored file, acknowledged or not, is served whole: nothing half-written is visible.
      for (const m of stored.filter((s) => s.type === 'file')) {
        const res = await fetch(m.file!.url.replace(/^http:\/\/[^/]+/, node.url));
        expect(res.status).toBe(200);
        expect((await res.arrayBuffer()).byteLength).toBe(m.file!.size);
      }
      const contents = stored.map((m) => m.content);
      expect(new Set(contents).size, 'no message stored twice').toBe(contents.length);
    }
  }, 120_000);
});
