/**
 * Writes many chat messages straight into a running server's database through Parley's own storage
 * module (SQLite's WAL lets this second connection write beside the server), as sends would leave
 * them: ids 1…n per channel, the channels' counters moved, the search index filled by its triggers.
 * Used where a scenario needs a large history (search, export) in seconds rather than the minutes that
 * sends through the API would take. PostgreSQL is ANALYZEd afterwards, as autovacuum would be.
 */
import { sql } from 'kysely';
import { openStorage } from '../../packages/server/src/storage/database.ts';

export interface SeedPlan {
  appId: string;
  dataDir: string;
  databaseUrl?: string;
  channels: readonly string[];
  total: number;
  /** Message i's text (i from 0, in send order). */
  text(i: number): string;
  /** Who sent message i of channel c. */
  sender(c: number, i: number): string;
  /** Send time of the first message; each next one 10 ms later. */
  start: number;
}

const BATCH = 500;

export async function seedMessages(plan: SeedPlan): Promise<void> {
  const storage = await openStorage({ dataDir: plan.dataDir, databaseUrl: plan.databaseUrl });
  try {
    const { channels, total } = plan;
    const perChannel = Math.ceil(total / channels.length);
    for (let c = 0; c < channels.length; c++) {
      const count = Math.min(perChannel, total - c * perChannel);
      if (count <= 0) break;
      for (let first = 1; first <= count; first += BATCH) {
        const rows = [];
        for (let id = first; id < Math.min(first + BATCH, count + 1); id++) {
          const i = c * perChannel + id - 1;
          const at = plan.start + i * 10;
          rows.push({ app_id: plan.appId, channel_id: channels[c]!, message_id: id, type: 'text', user_id: plan.sender(c, id), content: plan.text(i), file_key: null, file_name: null, file_type: null, file_size: null, meta: '{}', created_at: at, updated_at: at });
        }
        await storage.db.insertInto('chat_messages').values(rows).execute();
      }
      const lastAt = plan.start + (c * perChannel + count - 1) * 10;
      await storage.db.updateTable('chat_channels').set({ last_message_id: count, total_message_count: count, last_message_at: lastAt }).where('app_id', '=', plan.appId).where('channel_id', '=', channels[c]!).execute();
    }
    // Statistics that know the table's size: a freshly loaded table's plans are off by far.
    if (storage.engine === 'postgres') await sql`analyze`.execute(storage.db);
  } finally {
    await storage.close();
  }
}
