import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../storage/database.ts';
import { OutboxThread } from './outbox-thread.ts';
import { OutboxRepository, type OutboxRow } from './outbox.repository.ts';

const DISPATCH = { backoffMs: [50], pollMs: undefined, leaseMs: 2000, retentionMs: 60_000, failedRetentionMs: 60_000 };

/** The thread's Worker while one runs (a private field: what a crash would take away). */
const workerOf = (thread: OutboxThread) => (thread as unknown as { worker: Worker | undefined }).worker;

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the chat webhook thread', () => {
  let dir: string;
  let storage: Storage;
  let repo: OutboxRepository;
  let receiver: Server;
  let url: string;
  const received: string[] = [];
  const warnings: string[] = [];
  let thread: OutboxThread;
  let n = 0;

  const row = (): OutboxRow => {
    const now = Date.now();
    return { app_id: 'app', id: `${String(now).padStart(15, '0')}-${String(n++).padStart(6, '0')}`, channel_id: 'room', event: 'group:message_send', payload: '{}', status: 'pending', attempts: 0, next_attempt_at: now, last_error: '', created_at: now, updated_at: now };
  };
  const commit = async (rows: OutboxRow[]) => {
    await storage.db.transaction().execute((tx) => repo.insert(tx, rows));
    thread.committed();
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-outbox-thread-'));
    storage = await openStorage({ dataDir: dir });
    repo = new OutboxRepository(storage.db);
    received.length = 0;
    warnings.length = 0;
    receiver = createServer((req, res) => {
      received.push(String(req.headers['x-parley-delivery']));
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
    thread = new OutboxThread(
      { store: { dataDir: dir }, dispatch: DISPATCH, hooks: { timeoutMs: 2000, denyPrivate: false }, nodeId: 'node-a' },
      { online: { online: async () => [] }, apps: { target: async () => ({ url, secret: 'secret' }) }, hasPending: async () => (await repo.pendingFrom(undefined, 1)).length > 0, log },
    );
  });

  afterEach(async () => {
    await thread.stop();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the first commit (none before on one node), sends, and marks what it sent', async () => {
    thread.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(workerOf(thread)).toBeUndefined();
    const rows = [row(), row()];
    await commit(rows);
    expect(workerOf(thread)).toBeDefined();
    await until(() => received.length === 2);
    expect(received).toEqual(rows.map((r) => r.id));
    // Marked by the thread's own connection (within its mark gathering), seen by this one.
    for (const end = Date.now() + 5000; (await repo.pendingFrom(undefined, 10)).length > 0 && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await repo.pendingFrom(undefined, 10)).toEqual([]);
  });

  it('starts at once for rows a previous life left pending', async () => {
    await storage.db.transaction().execute((tx) => repo.insert(tx, [row()]));
    thread.start();
    await until(() => received.length === 1);
  });

  it('starts another thread a second after one dies, which sends what was committed meanwhile', async () => {
    thread.start();
    await commit([row()]);
    await until(() => received.length === 1);
    await workerOf(thread)!.terminate();
    await until(() => warnings.some((w) => w.includes('chat webhook thread exited')));
    const later = row();
    await storage.db.transaction().execute((tx) => repo.insert(tx, [later]));
    // Nothing wakes it but its own start: what is pending is found there.
    await until(() => received.includes(later.id));
  });
});
