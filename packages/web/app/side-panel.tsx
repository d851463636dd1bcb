/**
 * The panel beside the conversation (over it on a narrow screen): the open channel's members, a
 * thread (its parent, the replies and a composer replying in it), or the pinned messages.
 */
import type { User } from '@parley/sdk';
import { useState } from 'preact/hooks';
import { Composer } from './composer.tsx';
import { fullTime, shortTime } from './format.ts';
import { memberActions } from './member-actions.ts';
import { Menu } from './menu.tsx';
import { MessageBody, MessageView } from './message-view.tsx';
import { ReportForm } from './report-form.tsx';
import { useStore } from './use-store.ts';

const TITLES = { members: 'Members', thread: 'Thread', pins: 'Pinned messages' } as const;

export function SidePanel() {
  const store = useStore();
  const panel = store.panel;
  if (!panel || !store.activeId) return null;
  const title = TITLES[panel.kind];
  return (
    <aside id="side-panel" class="side-panel" aria-labelledby="side-panel-title">
      <div class="panel-head">
        <h2 id="side-panel-title">{title}</h2>
        <button type="button" class="secondary" onClick={() => store.setPanel(null)}>
          Close <span class="visually-hidden">{title.toLowerCase()}</span>
        </button>
      </div>
      {panel.kind === 'members' ? <MembersPanel channelId={store.activeId} /> : panel.kind === 'thread' ? <ThreadPanel /> : <PinsPanel />}
    </aside>
  );
}

function ThreadPanel() {
  const store = useStore();
  const t = store.threads.open;
  if (!t) return <p class="hint">Loading…</p>;
  const { parent } = t;
  return (
    <div class="thread">
      <div class="thread-parent" id="thread-parent">
        <div class="message-head">
          <span class="who">{store.nameOf(parent.user)}</span>
          <time dateTime={new Date(parent.created_at).toISOString()} title={fullTime(parent.created_at)}>
            {shortTime(parent.created_at)}
          </time>
          {parent.edited_at ? <span class="edited">(edited)</span> : null}
        </div>
        <MessageBody message={parent} />
        <p class="hint">{t.replies.length === 0 && !t.loading ? 'No replies yet.' : `${parent.thread_info?.reply_count ?? t.replies.length} replies`}</p>
      </div>
      {t.hasOlder ? (
        <button type="button" class="secondary small" onClick={() => void store.run('Could not load older replies', () => store.threads.loadOlder())}>
          Load older replies
        </button>
      ) : null}
      {t.loading ? <p class="hint">Loading…</p> : null}
      <ol id="thread-replies" class="thread-replies" aria-label="Replies">
        {t.replies.map((m) => (
          <MessageView key={m.message_id} message={m} inThread />
        ))}
      </ol>
      <p id="thread-typing" class="typing" aria-live="polite">
        {store.typing.line(t.channelId)}
      </p>
      <Composer key={`${t.channelId}/${parent.message_id}`} channelId={t.channelId} parentMessageId={parent.message_id} />
    </div>
  );
}

function PinsPanel() {
  const store = useStore();
  const pinned = store.pins.messages();
  if (store.pins.ids().length === 0) return <p class="hint">Nothing is pinned. Pin a message from its menu.</p>;
  return (
    <ul id="pins" class="pins">
      {pinned.map((m) => (
        <li key={m.message_id} data-id={m.message_id}>
          <div class="message-head">
            <span class="who">{store.nameOf(m.user)}</span>
            <time dateTime={new Date(m.created_at).toISOString()} title={fullTime(m.created_at)}>
              {shortTime(m.created_at)}
            </time>
          </div>
          <MessageBody message={m} />
          <button type="button" class="secondary small" onClick={() => void store.pins.unpin(m)}>
            Unpin <span class="visually-hidden">{store.nameOf(m.user)}'s message</span>
          </button>
        </li>
      ))}
    </ul>
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
