/**
 * Kysely queries of pinned messages (DESIGN.md, Pins). A channel's pins are a column of its row (a
 * JSON array of message ids, newest pin first, at most 10), so that every presentation of a channel
 * carries them without a query; a pin or an unpin changes it under the channel's row lock.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';
import { lockChannel, type ChannelRow } from './channel.repository.ts';

/** The stored pins column as message ids ('[]' for anything unreadable). */
export function pinnedIds(stored: string | undefined): number[] {
  if (stored === undefined) return [];
  try {
    const ids: unknown = JSON.parse(stored);
    return Array.isArray(ids) ? ids.filter((id): id is number => Number.isInteger(id)) : [];
  } catch {
    return [];
  }
}

/**
 * What a pin or an unpin did: no such channel or message, over the limit, nothing to do (already
 * pinned, or not pinned), or changed; with the channel as it stands after.
 */
export type PinOutcome = { result: 'no_channel' } | { result: 'missing' } | { result: 'limit' } | { result: 'unchanged' | 'changed'; channel: ChannelRow };

/** Work in a pin change's transaction with the channel as it left it (its chat webhook event). */
export type ChannelChangeWork = (tx: Transaction<Database>, channel: ChannelRow) => Promise<void>;

export class PinRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Pins the message first in the list, unless `max` are pinned already. */
  pin(appId: string, channelId: string, messageId: number, max: number, now: number, also?: ChannelChangeWork): Promise<PinOutcome> {
    return this.change(appId, channelId, messageId, now, also, (ids) => (ids.includes(messageId) ? ids : ids.length >= max ? 'limit' : [messageId, ...ids]));
  }

  unpin(appId: string, channelId: string, messageId: number, now: number, also?: ChannelChangeWork): Promise<PinOutcome> {
    return this.change(appId, channelId, messageId, now, also, (ids) => ids.filter((id) => id !== messageId));
  }

  private change(appId: string, channelId: string, messageId: number, now: number, also: ChannelChangeWork | undefined, next: (ids: number[]) => number[] | 'limit'): Promise<PinOutcome> {
    return this.db.transaction().execute(async (tx): Promise<PinOutcome> => {
      const channel = await lockChannel(tx, appId, channelId);
      if (!channel) return { result: 'no_channel' };
      const message = await tx
        .selectFrom('chat_messages')
        .select('message_id')
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .where('message_id', '=', messageId)
        .executeTakeFirst();
      if (!message) return { result: 'missing' };
      const ids = pinnedIds(channel.pinned_message_ids);
      const changed = next(ids);
      if (changed === 'limit') return { result: 'limit' };
      if (changed.length === ids.length && changed.every((id, i) => id === ids[i])) return { result: 'unchanged', channel };
      const row = await tx
        .updateTable('chat_channels')
        .set({ pinned_message_ids: JSON.stringify(changed), updated_at: now })
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await also?.(tx, row);
      return { result: 'changed', channel: row };
    });
  }
}
