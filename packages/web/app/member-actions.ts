/**
 * The entries of a member's menu in the members panel, in order: mention, report, a manager's mute,
 * then block. A feature that acts on a person adds its entry here.
 */
import type { User } from '@parley/sdk';
import type { ChatStore } from './chat-store.ts';
import { NARROW } from './layout.ts';
import type { MenuItem } from './menu.tsx';
import { MUTE_SECONDS } from './moderation.ts';

/** What the member's row does for its menu: the in-place steps. */
export interface MemberViewActions {
  startReport(): void;
}

export function memberActions(store: ChatStore, member: User, channelId: string, view: MemberViewActions): MenuItem[] {
  if (member.user_id === store.me) return [];
  const { moderation } = store;
  const name = store.nameOf(member);
  const items: MenuItem[] = [
    {
      label: 'Mention in a message',
      onSelect: () => {
        store.insertMention(channelId, member.user_id);
        // On a narrow screen the panel covers the message box.
        if (matchMedia(NARROW).matches) store.setPanel(null);
        requestAnimationFrame(() => document.getElementById('composer-input')?.focus());
      },
    },
    { label: `Report ${name}…`, danger: true, onSelect: () => view.startReport() },
  ];
  if (moderation.amManager()) {
    if (moderation.isMuted(member.user_id)) items.push({ label: `Unmute ${name}`, onSelect: () => void moderation.unmute(channelId, member) });
    else items.push({ label: `Mute ${name} for ${MUTE_SECONDS / 60} minutes`, onSelect: () => void moderation.mute(channelId, member) });
  }
  if (moderation.isBlocked(member.user_id)) items.push({ label: `Unblock ${name}`, onSelect: () => void moderation.unblock(member) });
  else items.push({ label: `Block ${name}`, danger: true, onSelect: () => void moderation.block(member) });
  return items;
}
