/**
 * The entries of a message's menu, in order. A feature that acts on one message adds its entry here
 * (mute and report from issue 18 go below the author's own actions).
 */
import type { Message } from '@parley/sdk';
import { sentBy, type ChatStore } from './chat-store.ts';
import type { MenuItem } from './menu.tsx';

/** What the message's view does for its menu: the inline steps that need the view (confirm, edit …). */
export interface MessageViewActions {
  confirmDelete(): void;
}

export function messageActions(store: ChatStore, message: Message, view: MessageViewActions): MenuItem[] {
  const items: MenuItem[] = [];
  if (sentBy(message, store.me)) {
    items.push({ label: 'Delete', danger: true, onSelect: () => view.confirmDelete() });
  }
  return items;
}
