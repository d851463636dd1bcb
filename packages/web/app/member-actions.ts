/**
 * The entries of a member's menu in the members panel, in order. A feature that acts on a person adds
 * its entry here (block, from issue 18, goes last).
 */
import type { User } from '@parley/sdk';
import type { ChatStore } from './chat-store.ts';
import { NARROW } from './layout.ts';
import type { MenuItem } from './menu.tsx';

export function memberActions(store: ChatStore, member: User, channelId: string): MenuItem[] {
  if (member.user_id === store.me) return [];
  return [
    {
      label: 'Mention in a message',
      onSelect: () => {
        store.insertMention(channelId, member.user_id);
        // On a narrow screen the panel covers the message box.
        if (matchMedia(NARROW).matches) store.setPanel(null);
        requestAnimationFrame(() => document.getElementById('composer-input')?.focus());
      },
    },
  ];
}
