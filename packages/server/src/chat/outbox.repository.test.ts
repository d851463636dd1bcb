import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../storage/database.ts';
import { OutboxRepository, type OutboxRow } from './outbox.repository.ts';

const row = (id: string, channel: string, status: string, updatedAt: number, app = 'app'): OutboxRow => ({
  app_id: app,
  id,
  channel_id: channel,
  event: 'group:message_send',
  payload: '{}',
  status,
  attempts: 0,
  next_attempt_at: 0,
  last_error: '',
  created_at: updatedAt,
  updated_at: updatedAt,
});

describe('the chat webhook outbox on SQLite', () => {
  let dir: string;
  let storage: Storage;
  let repo: OutboxRepository;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-outbox-'));
    storage = await openStorage({ dataDir: dir });
    repo = new OutboxRepository(storage.db);
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the pending rows of the channels after a channel, in (app, channel, id) order, up to a limit', async () => {
    await storage.db.transaction().execute((tx) =>
      repo.insert(tx, [row('01', 'b', 'delivered', 1), row('02', 'b', 'pending', 1), row('03', 'b', 'pending', 1), row('04', 'a', 'failed', 1), row('05', 'c', 'pending', 1), row('06', 'a', 'pending', 1), row('07', 'a', 'pending', 1, 'other')]),
    );
    const ids = (rows: OutboxRow[]) => rows.map((r) => `${r.app_id}/${r.channel_id}/${r.id}`);
    expect(ids(await repo.pendingFrom(undefined, 10))).toEqual(['app/a/06', 'app/b/02', 'app/b/03', 'app/c/05', 'other/a/07']);
    expect(ids(await repo.pendingFrom(undefined, 2))).toEqual(['app/a/06', 'app/b/02']);
    expect(ids(await repo.pendingFrom({ app_id: 'app', channel_id: 'b' }, 10))).toEqual(['app/c/05', 'other/a/07']);
    expect(await repo.pendingFrom({ app_id: 'other', channel_id: 'a' }, 10)).toEqual([]);
  });

  it('prunes delivered rows after their retention and failed ones after theirs, never pending ones', async () => {
    await storage.db.transaction().execute((tx) =>
      repo.insert(tx, [row('01', 'a', 'delivered', 100), row('02', 'a', 'delivered', 300), row('03', 'a', 'failed', 100), row('04', 'a', 'failed', 300), row('05', 'a', 'pending', 0)]),
    );
    expect(await repo.prune({ delivered: 200, failed: 50 })).toBe(1);
    expect(await repo.prune({ delivered: 200, failed: 200 })).toBe(1);
    const left = await storage.db.selectFrom('chat_outbox').select('id').orderBy('id').execute();
    expect(left.map((r) => r.id)).toEqual(['02', '04', '05']);
  });

  it('marks the named rows delivered, of any apps and channels, in chunks, and no other row', async () => {
    const ids = Array.from({ length: 700 }, (_, i) => String(i).padStart(4, '0'));
    await storage.db.transaction().execute((tx) => repo.insert(tx, ids.map((id, i) => row(id, `c${i % 7}`, 'pending', 1, i % 2 ? 'app' : 'other'))));
    // The same id in a third app: the app is part of the row's key.
    await storage.db.transaction().execute((tx) => repo.insert(tx, [row('0000', 'c0', 'pending', 1, 'third')]));
    // 600 rows: a full chunk of 512 and 88, padded to 128 with the last row named again.
    const marked = ids.slice(0, 600).map((id, i) => ({ app_id: i % 2 ? 'app' : 'other', id }));
    await repo.markDelivered(marked, 50);
    const rows = await storage.db.selectFrom('chat_outbox').select(['id', 'status', 'attempts', 'updated_at']).orderBy('id').execute();
    expect(rows.filter((r) => r.status === 'delivered').map((r) => r.id)).toEqual(ids.slice(0, 600));
    expect(rows.filter((r) => r.status === 'delivered').every((r) => Number(r.attempts) === 1 && Number(r.updated_at) === 50)).toBe(true);
    expect(rows.filter((r) => r.status === 'pending')).toHaveLength(101);
  });

  it('prunes more rows than one statement deletes', async () => {
    await storage.db.transaction().execute((tx) => repo.insert(tx, Array.from({ length: 1234 }, (_, i) => row(String(i).padStart(5, '0'), 'a', 'delivered', 10))));
    expect(await repo.prune({ delivered: 20, failed: 0 })).toBe(1234);
    expect(await storage.db.selectFrom('chat_outbox').select('id').execute()).toEqual([]);
  });
});
