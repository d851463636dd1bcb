/** The `show_*` query of a channel read, as the chat services take it. */
import type { ChannelShowParams } from '@parley/protocol';
import type { ChannelShow } from '../chat/chat-context.ts';

export const showOf = (q: ChannelShowParams): ChannelShow => ({
  members: q.show_members,
  managers: q.show_managers,
  readReceipt: q.show_read_receipt,
  deliveryReceipt: q.show_delivery_receipt,
  unread: q.show_unread,
  lastMessage: q.show_last_message,
});
