/**
 * What a reconnect fetches: for every channel the SDK was following, the messages after the last one
 * it delivered, so that the application sees each `group:message_send` once and in order.
 */
import type { GroupChannel, Message } from './chat-types.ts';
import type { GroupChannelApi } from './group-channel.api.ts';
import type { MessageSequencer } from './message-sequencer.ts';

const PAGE = 100;
/** Bounds of one catch-up: 50 pages of joined channels, 100 pages of messages per channel. */
const MAX_CHANNEL_PAGES = 50;
const MAX_MESSAGE_PAGES = 100;

/** Every channel the connected user has joined, with its last message. */
export async function joinedChannels(api: GroupChannelApi): Promise<GroupChannel[]> {
  const channels: GroupChannel[] = [];
  let next: string | undefined;
  for (let page = 0; page < MAX_CHANNEL_PAGES; page++) {
    const list = await api.getJoinedChannelList({ limit: PAGE, next, show_last_message: true });
    channels.push(...list.channels);
    if (!list.next || list.channels.length === 0) break;
    next = list.next;
  }
  return channels;
}

/** Messages of a channel with an id above `after`, oldest first. */
export async function messagesAfter(api: GroupChannelApi, channelId: string, after: number): Promise<Message[]> {
  const messages: Message[] = [];
  let base = after;
  for (let page = 0; page < MAX_MESSAGE_PAGES; page++) {
    // Replies too: they are messages of the channel (group:message_send), left out of its list by default.
    const list = await api.getMessageList(channelId, { mode: 'next', base_message_id: base, limit: PAGE, include_replies: true });
    const fresh = list.messages.filter((m) => m.message_id > base).sort((a, b) => a.message_id - b.message_id);
    messages.push(...fresh);
    if (fresh.length === 0 || list.messages.length < PAGE) break;
    base = fresh[fresh.length - 1]!.message_id;
  }
  return messages;
}

const lastId = (channel: GroupChannel): number | undefined => channel.last_message?.message_id;

/** At connect: catch-up of each joined channel will start after its current last message. */
export function recordFloors(sequencer: MessageSequencer<Message, GroupChannel>, channels: readonly GroupChannel[]): void {
  for (const channel of channels) sequencer.setFloor(channel.channel_id, lastId(channel) ?? 0);
}

/**
 * After a reconnect. The caller has already `hold`-ed every known channel (synchronously at connect, so
 * no live event slips past); this releases each one after delivering what it missed.
 */
export async function catchUp(api: GroupChannelApi, sequencer: MessageSequencer<Message, GroupChannel>, held: readonly string[]): Promise<void> {
  let joined: Map<string, GroupChannel>;
  try {
    joined = new Map((await joinedChannels(api)).map((c) => [c.channel_id, c]));
  } catch (err) {
    for (const id of held) sequencer.release(id, [], undefined);
    throw err;
  }
  const failures: unknown[] = [];
  await Promise.all(
    held.map(async (id) => {
      const channel = joined.get(id);
      const from = sequencer.resumePoint(id);
      if (!channel || from === undefined) {
        sequencer.release(id, [], undefined);
        if (!channel) sequencer.forget(id);
        return;
      }
      const last = lastId(channel);
      try {
        const missed = last !== undefined && last <= from ? [] : await messagesAfter(api, id, from);
        sequencer.release(id, missed, channel);
      } catch (err) {
        sequencer.release(id, [], undefined);
        failures.push(err);
      }
    }),
  );
  // Channels joined while offline: follow them from now on.
  for (const channel of joined.values()) if (sequencer.resumePoint(channel.channel_id) === undefined) sequencer.setFloor(channel.channel_id, lastId(channel) ?? 0);
  if (failures.length > 0) throw failures[0];
}
