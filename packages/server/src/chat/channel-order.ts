/**
 * The orders of a user's joined-channel list (DESIGN.md, "Unread and read-all"), paged by keyset: the
 * cursor holds the last row's sort key and channel id, so a page costs one query whatever its place.
 * - `latest_last_message`: newest last message first; a channel without one by its creation time.
 * - `chronological`: newest channel first.
 * - `channel_name`: by name, then channel id.
 * Without an order the list is by channel id, as every channel list is.
 */
import type { JoinedChannelOrder } from '@parley/protocol';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { ChatChannelTable, Database } from '../storage/schema.ts';
import type { ChannelRow } from './channel.repository.ts';
import { invalid } from './errors.ts';

type ChannelQuery = SelectQueryBuilder<Database & { c: ChatChannelTable }, 'c', ChannelRow>;

/** When the channel last had news: its last message, or its creation. */
const activity = sql<number>`case when c.last_message_at > c.created_at then c.last_message_at else c.created_at end`;

/** The row's sort key under `order`, as the next page's cursor holds it. */
export function orderKey(row: ChannelRow, order: JoinedChannelOrder | undefined): string {
  switch (order) {
    case undefined:
      return row.channel_id;
    case 'channel_name':
      return JSON.stringify([row.name, row.channel_id]);
    case 'chronological':
      return JSON.stringify([Number(row.created_at), row.channel_id]);
    case 'latest_last_message':
      return JSON.stringify([Math.max(Number(row.last_message_at), Number(row.created_at)), row.channel_id]);
  }
}

/** A cursor's [key, channel id] for an ordered list. */
function cursorOf<K extends string | number>(after: string, kind: 'string' | 'number'): [K, string] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(after);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== kind || typeof parsed[1] !== 'string') {
    throw invalid('next must be a cursor returned by a previous page of this order');
  }
  return parsed as [K, string];
}

/** Orders the list's query and starts it after the cursor's row. */
export function ordered(q: ChannelQuery, order: JoinedChannelOrder | undefined, after: string | undefined): ChannelQuery {
  switch (order) {
    case undefined:
      if (after !== undefined) q = q.where('c.channel_id', '>', after);
      return q.orderBy('c.channel_id');
    case 'channel_name': {
      if (after !== undefined) {
        const [name, id] = cursorOf<string>(after, 'string');
        q = q.where((eb) => eb.or([eb('c.name', '>', name), eb.and([eb('c.name', '=', name), eb('c.channel_id', '>', id)])]));
      }
      return q.orderBy('c.name').orderBy('c.channel_id');
    }
    case 'chronological': {
      if (after !== undefined) {
        const [at, id] = cursorOf<number>(after, 'number');
        q = q.where((eb) => eb.or([eb('c.created_at', '<', at), eb.and([eb('c.created_at', '=', at), eb('c.channel_id', '<', id)])]));
      }
      return q.orderBy('c.created_at', 'desc').orderBy('c.channel_id', 'desc');
    }
    case 'latest_last_message': {
      if (after !== undefined) {
        const [at, id] = cursorOf<number>(after, 'number');
        q = q.where((eb) => eb.or([eb(activity, '<', at), eb.and([eb(activity, '=', at), eb('c.channel_id', '<', id)])]));
      }
      return q.orderBy(activity, 'desc').orderBy('c.channel_id', 'desc');
    }
  }
}
