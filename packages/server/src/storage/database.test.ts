import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, openThreadStorage, type Storage } from './database.ts';

/** PRAGMA synchronous answers a number: 1 NORMAL, 2 FULL. */
const SYNC_NORMAL = 1;
const SYNC_FULL = 2;

describe('the SQLite connections', () => {
  let dir: string;
  let storage: Storage;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-storage-'));
    storage = await openStorage({ dataDir: dir });
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sync every commit of the server's own connection (a 201 survives a machine crash), not the webhook thread's", async () => {
    const own = await sql<{ synchronous: number }>`pragma synchronous`.execute(storage.db);
    expect(own.rows[0]!.synchronous).toBe(SYNC_FULL);
    const thread = openThreadStorage({ dataDir: dir }, 1);
    try {
      const its = await sql<{ synchronous: number }>`pragma synchronous`.execute(thread);
      expect(its.rows[0]!.synchronous).toBe(SYNC_NORMAL);
    } finally {
      await thread.destroy();
    }
  });
});
