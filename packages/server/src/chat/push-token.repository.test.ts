import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../storage/database.ts';
import { candidateKey, PushTokenRepository } from './push-token.repository.ts';

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

  it("answers each (channel, sender)'s candidates in two queries for all: members with tokens, not the sender, not its blockers", async () => {
    const db = storage.db;
    await db.insertInto('chat_channels').values({ app_id: 'app', channel_id: 'room', name: 'room', profile_url: '', meta: '{}', member_key: 'room', created_at: 1, updated_at: 1 }).execute();
    await db.insertInto('chat_channels').values({ app_id: 'app', channel_id: 'hall', name: 'hall', profile_url: '', meta: '{}', member_key: 'hall', created_at: 1, updated_at: 1 }).execute();
    await db.insertInto('chat_members').values(['ann', 'bob', 'cy', 'dee'].map((user_id) => ({ app_id: 'app', channel_id: 'room', user_id, joined_at: 1 }))).execute();
    await db.insertInto('chat_members').values(['ann', 'cy'].map((user_id) => ({ app_id: 'app', channel_id: 'hall', user_id, joined_at: 1 }))).execute();
    for (const [user, token, at] of [['ann', 'ann-1', 1], ['bob', 'bob-2', 3], ['bob', 'bob-1', 2], ['cy', 'cy-1', 4]] as const) {
      expect(await repo.add({ app_id: 'app', user_id: user, token, type: 'fcm', created_at: at }, 20)).toBe(true);
    }
    // cy blocked ann; dee has no token.
    await db.insertInto('chat_blocks').values({ app_id: 'app', user_id: 'cy', blocked_id: 'ann', created_at: 1 }).execute();
    const queries = storage.queries.record();
    const of = await repo.candidatesOf('app', [...['ann', 'bob', 'dee'].map((senderId) => ({ channelId: 'room', senderId })), { channelId: 'hall', senderId: 'cy' }]);
    expect(queries.stop()).toHaveLength(2);
    const users = (sender: string, channel = 'room') => of.get(candidateKey(channel, sender))!.map((r) => `${r.user_id}:${r.tokens.map((t) => t.token).join(',')}`);
    expect(users('ann')).toEqual(['bob:bob-1,bob-2']);
    expect(users('bob')).toEqual(['ann:ann-1', 'cy:cy-1']);
    expect(users('dee')).toEqual(['ann:ann-1', 'bob:bob-1,bob-2', 'cy:cy-1']);
    // Another channel's part: its own members (ann alone besides the sender).
    expect(users('cy', 'hall')).toEqual(['ann:ann-1']);
    expect((await repo.candidatesOf('app', [])).size).toBe(0);
  });
});
