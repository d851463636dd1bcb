/** The panel beside the conversation (over it on a narrow screen): the open channel's members. */
import { memberActions } from './member-actions.ts';
import { Menu } from './menu.tsx';
import { useStore } from './use-store.ts';

export function SidePanel() {
  const store = useStore();
  const panel = store.panel;
  if (!panel || !store.activeId) return null;
  const title = 'Members';
  return (
    <aside id="side-panel" class="side-panel" aria-labelledby="side-panel-title">
      <div class="panel-head">
        <h2 id="side-panel-title">{title}</h2>
        <button type="button" class="secondary" onClick={() => store.setPanel(null)}>
          Close <span class="visually-hidden">{title.toLowerCase()}</span>
        </button>
      </div>
      <MembersPanel channelId={store.activeId} />
    </aside>
  );
}

function MembersPanel({ channelId }: { channelId: string }) {
  const store = useStore();
  const members = [...store.members.values()].sort((a, b) => a.user_id.localeCompare(b.user_id));
  return (
    <ul id="members" class="members">
      {members.map((m) => (
        <li key={m.user_id} data-user={m.user_id}>
          <span class="member-name">
            {m.name || m.user_id}
            {m.user_id === store.me ? ' (you)' : ''}
          </span>
          <Menu label={`Actions for ${m.name || m.user_id}`} items={memberActions(store, m, channelId)} class="member-menu">
            <span aria-hidden="true">⋯</span>
          </Menu>
        </li>
      ))}
    </ul>
  );
}
