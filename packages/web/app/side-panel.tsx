/** The panel beside the conversation (over it on a narrow screen): the open channel's members. */
import type { User } from '@parley/sdk';
import { useState } from 'preact/hooks';
import { memberActions } from './member-actions.ts';
import { Menu } from './menu.tsx';
import { ReportForm } from './report-form.tsx';
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
        <MemberRow key={m.user_id} member={m} channelId={channelId} />
      ))}
    </ul>
  );
}

function MemberRow({ member, channelId }: { member: User; channelId: string }) {
  const store = useStore();
  const [reporting, setReporting] = useState(false);
  const name = store.nameOf(member);
  const { moderation } = store;
  return (
    <li data-user={member.user_id}>
      <span class="member-line">
        <span class="member-name">
          {name}
          {member.user_id === store.me ? ' (you)' : ''}
        </span>
        {moderation.managers.has(member.user_id) ? <span class="tag">manager</span> : null}
        {moderation.isMuted(member.user_id) ? <span class="tag">muted</span> : null}
        {moderation.isBlocked(member.user_id) ? <span class="tag">blocked</span> : null}
        <Menu label={`Actions for ${name}`} items={memberActions(store, member, channelId, { startReport: () => setReporting(true) })} class="member-menu">
          <span aria-hidden="true">⋯</span>
        </Menu>
      </span>
      {reporting ? <ReportForm what={name} report={{ target: 'user', user_id: member.user_id }} onClose={() => setReporting(false)} /> : null}
    </li>
  );
}
