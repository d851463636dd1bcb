/**
 * The entries of a message's menu, in order: the author's own actions (delete, edit), then what any
 * member may do (reply in thread, pin or unpin), then what anyone may do with another's message
 * (report), then a manager's (mute its sender). A feature that acts on one message adds its entry here.
 */
import type { Message } from '@parley/sdk';
import { sentBy, type ChatStore } from './chat-store.ts';
import type { MenuItem } from './menu.tsx';
import { MUTE_SECONDS } from './moderation.ts';

/** What the message's view does for its menu: the in-place steps (confirm, edit, report …). */
export interface MessageViewActions {
  confirmDelete(): void;
  startEdit(): void;
  startReport(): void;
}

export function messageActions(store: ChatStore, message: Message, view: MessageViewActions): MenuItem[] {
  const items: MenuItem[] = [];
  const { moderation, pins, threads } = store;
  const mine = sentBy(message, store.me);
  if (mine) {
    items.push({ label: 'Delete', danger: true, onSelect: () => view.confirmDelete() });
    if (message.type === 'text') items.push({ label: 'Edit', onSelect: () => view.startEdit() });
  }
  if (message.parent_message_id === undefined) items.push({ label: 'Reply in thread', onSelect: () => void threads.show(message) });
  if (pins.isPinned(message)) items.push({ label: 'Unpin', onSelect: () => void pins.unpin(message) });
  else items.push({ label: 'Pin', onSelect: () => void pins.pin(message) });
  if (mine) return items;
  items.push({ label: 'Report message…', danger: true, onSelect: () => view.startReport() });
  if (moderation.amManager() && message.user) {
    const name = store.nameOf(message.user);
    const user = message.user;
    if (moderation.isMuted(user.user_id)) items.push({ label: `Unmute ${name}`, onSelect: () => void moderation.unmute(message.channel_id, user) });
    else items.push({ label: `Mute ${name} for ${MUTE_SECONDS / 60} minutes`, onSelect: () => void moderation.mute(message.channel_id, user) });
  }
  return items;
}
