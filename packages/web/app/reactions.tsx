/**
 * A message's reactions: a chip per key with its count (mine highlighted, pressed), a click toggles
 * mine; and a small picker of a few emoji (a menu button, so it works from the keyboard too).
 */
import type { Message } from '@parley/sdk';
import { Menu } from './menu.tsx';
import { useStore } from './use-store.ts';

/** The picker's emoji. */
export const REACTION_KEYS = ['👍', '❤️', '😂', '🎉', '😮', '🙏'] as const;

export function Reactions({ message, what }: { message: Message; what: string }) {
  const store = useStore();
  const shown = message.reactions.filter((r) => r.user_ids.length > 0);
  return (
    <div class="reactions">
      {shown.map((r) => {
        const mine = r.user_ids.includes(store.me);
        const who = r.user_ids.map((id) => (id === store.me ? 'you' : store.nameOfId(id))).join(', ');
        return (
          <button
            key={r.key}
            type="button"
            class={`reaction ${mine ? 'mine' : ''}`}
            data-key={r.key}
            aria-pressed={mine}
            title={who}
            aria-label={`${r.key} ${r.user_ids.length}: ${who}${mine ? ' (press to take yours back)' : ''}`}
            onClick={() => void store.toggleReaction(message, r.key)}
          >
            <span aria-hidden="true">{r.key}</span>
            <span class="count" aria-hidden="true">
              {r.user_ids.length}
            </span>
          </button>
        );
      })}
      <Menu
        label={`Add a reaction to ${what}`}
        class="reaction-menu"
        items={REACTION_KEYS.map((key) => ({ label: key, onSelect: () => void store.toggleReaction(message, key) }))}
      >
        <span aria-hidden="true">☺+</span>
      </Menu>
    </div>
  );
}
