import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../storage/database.ts';
import { PushTokenRepository } from './push-token.repository.ts';

describe('push tokens on SQLite', () => {
  let dir: string;
  let storage: Storage;
  let repo: PushTokenRepository;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-push-'));
    storage = await openStorage({ dataDir: dir });
    repo = new PushTokenRepository(storage.db);
  });
  afterEach(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves a device to the user who registered it last, and keeps the others’ devices', async () => {
    expect(await repo.add({ app_id: 'app', user_id: 'alice', token: 'device-1', type: 'fcm', created_at: 1 }, 20)).toBe(true);
    expect(await repo.add({ app_id: 'app', user_id: 'alice', token: 'device-2', type: 'apns', created_at: 2 }, 20)).toBe(true);
    expect(await repo.add({ app_id: 'other', user_id: 'carol', token: 'device-1', type: 'fcm', created_at: 3 }, 20)).toBe(true);
    expect(await repo.add({ app_id: 'app', user_id: 'bob', token: 'device-1', type: 'fcm', created_at: 4 }, 20)).toBe(true);
    expect((await repo.list('app', 'alice')).map((t) => t.token)).toEqual(['device-2']);
    expect((await repo.list('app', 'bob')).map((t) => t.token)).toEqual(['device-1']);
    // Another app's user is another user: its registration stays.
    expect((await repo.list('other', 'carol')).map((t) => t.token)).toEqual(['device-1']);
  });
});
