/**
 * Chat moderation of one app: find a channel by id or name; see its members, messages (by pages) and
 * bans; delete a message, freeze or unfreeze, ban or unban, revoke a user's tokens. Each action is the
 * chat API's own (through the admin API) and lands in the audit log.
 */
import type { ChatBan, ChatBannedList, ChatChannel, ChatChannelList, ChatMemberList, ChatMessage, ChatMessageList, ChatMute, ChatMutedList, ChatUser } from '@parley/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf, type AdminApi } from './api.ts';
import { dateTime, ErrorText, Field, Notice, Section } from './ui.tsx';

const PAGE = 20;

function ChannelPanel({ api, app, channelId }: { api: AdminApi; app: string; channelId: string }) {
  const base = `/apps/${encodeURIComponent(app)}/channels/${encodeURIComponent(channelId)}`;
  const [channel, setChannel] = useState<ChatChannel>();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [members, setMembers] = useState<ChatUser[]>([]);
  const [membersNext, setMembersNext] = useState<string | null>(null);
  const [bans, setBans] = useState<ChatBan[]>([]);
  const [banUser, setBanUser] = useState('');
  const [banSeconds, setBanSeconds] = useState('3600');
  const [banReason, setBanReason] = useState('');
  const [mutes, setMutes] = useState<ChatMute[]>([]);
  const [muteUser, setMuteUser] = useState('');
  const [muteSeconds, setMuteSeconds] = useState('600');
  const muteField = useRef<HTMLDivElement>(null);
  const [revokeUser, setRevokeUser] = useState('');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const banField = useRef<HTMLDivElement>(null);

  const act = async (work: () => Promise<string>) => {
    setError(undefined);
    try {
      setNotice(await work());
    } catch (err) {
      setNotice(undefined);
      setError(messageOf(err));
    }
  };
  const loadMessages = async (before?: number) => {
    const page = await api.get<ChatMessageList>(`${base}/messages`, { before, limit: PAGE });
    setMessages((list) => (before === undefined ? page.messages : [...page.messages, ...list]));
    setHasOlder(page.messages.length === PAGE && (page.messages[0]?.message_id ?? 1) > 1);
  };
  const loadBans = async () => setBans((await api.get<ChatBannedList>(`${base}/bans`, { limit: 100 })).banned);
  const loadMutes = async () => setMutes((await api.get<ChatMutedList>(`${base}/mutes`, { limit: 100 })).muted);
  const loadMembers = async (next?: string) => {
    const page = await api.get<ChatMemberList>(`${base}/members`, { limit: 50, next });
    setMembers((list) => (next === undefined ? page.members : [...list, ...page.members]));
    setMembersNext(page.next);
  };

  useEffect(() => {
    void act(async () => {
      setChannel(await api.get<ChatChannel>(base));
      await Promise.all([loadMessages(), loadMembers(), loadBans(), loadMutes()]);
      return '';
    });
  }, [base]);

  const freeze = (on: boolean) =>
    act(async () => {
      setChannel(await api.send<ChatChannel>('PUT', `${base}/freeze`, { freeze: on }));
      return on ? `Froze ${channelId}: nobody can send.` : `Unfroze ${channelId}.`;
    });
  const remove = (m: ChatMessage) =>
    act(async () => {
      if (!window.confirm(`Delete message ${m.message_id} by ${m.user.user_id}? Members see it disappear.`)) return '';
      await api.send('DELETE', `${base}/messages/${m.message_id}`);
      setMessages((list) => list.filter((x) => x.message_id !== m.message_id));
      return `Deleted message ${m.message_id}.`;
    });
  const ban = (ev: Event) => {
    ev.preventDefault();
    void act(async () => {
      const made = await api.send<ChatBan>('POST', `${base}/bans`, { user_id: banUser, seconds: Number(banSeconds), reason: banReason || undefined });
      await Promise.all([loadBans(), loadMembers()]);
      return `Banned ${made.user_id} from ${channelId} until ${dateTime(made.expires_at)}.`;
    });
  };
  const mute = (ev: Event) => {
    ev.preventDefault();
    void act(async () => {
      const made = await api.send<ChatMute>('POST', `${base}/mutes`, { user_id: muteUser, seconds: Number(muteSeconds) });
      await loadMutes();
      return `Muted ${made.user_id} in ${channelId} until ${dateTime(made.expires_at)}.`;
    });
  };
  const unmute = (user: string) =>
    act(async () => {
      await api.send('DELETE', `${base}/mutes/${encodeURIComponent(user)}`);
      await loadMutes();
      return `Lifted the mute of ${user}.`;
    });
  const prepareMute = (user: string) => {
    setMuteUser(user);
    muteField.current?.querySelector('input')?.focus();
  };
  const unban = (user: string) =>
    act(async () => {
      await api.send('DELETE', `${base}/bans/${encodeURIComponent(user)}`);
      await loadBans();
      return `Lifted the ban of ${user}.`;
    });
  const revoke = (ev: Event) => {
    ev.preventDefault();
    void act(async () => {
      if (!window.confirm(`Revoke every session token of ${revokeUser}? Its connections end now.`)) return '';
      await api.send('POST', `/apps/${encodeURIComponent(app)}/users/${encodeURIComponent(revokeUser)}/revoke-tokens`);
      return `Revoked the tokens of ${revokeUser}.`;
    });
  };
  const prepareBan = (user: string) => {
    setBanUser(user);
    banField.current?.querySelector('input')?.focus();
  };

  return (
    <div class="channel-panel">
      <h3 id="channel-title">
        {channel ? `${channel.name} ` : ''}
        <span class="mono">({channelId})</span> {channel?.freeze ? <span class="badge frozen">frozen</span> : null}
      </h3>
      <ErrorText error={error} />
      <Notice text={notice} />
      {channel ? (
        <p>
          {channel.total_message_count} message{channel.total_message_count === 1 ? '' : 's'} sent · {channel.is_public ? 'public' : 'private'} ·{' '}
          <button type="button" id="freeze" class={channel.freeze ? 'secondary' : 'danger'} onClick={() => void freeze(!channel.freeze)}>
            {channel.freeze ? 'Unfreeze channel' : 'Freeze channel'}
          </button>
        </p>
      ) : null}
      <div class="columns">
        <Section title="Messages" id="messages-title">
          {hasOlder ? (
            <button type="button" class="secondary" onClick={() => void act(async () => (await loadMessages(messages[0]?.message_id), ''))}>
              Load older messages
            </button>
          ) : null}
          <ol id="messages" class="messages">
            {messages.map((m) => (
              <li key={m.message_id} data-message={m.message_id}>
                <span class="meta">
                  #{m.message_id} · {m.user.user_id} · {dateTime(m.created_at)}
                </span>
                <span class="content">{m.type === 'file' ? `[file] ${m.file?.name ?? ''}` : m.content}</span>
                <button type="button" class="danger small" aria-label={`Delete message ${m.message_id} by ${m.user.user_id}`} onClick={() => void remove(m)}>
                  Delete
                </button>
              </li>
            ))}
          </ol>
          {messages.length === 0 ? <p class="hint">No messages.</p> : null}
        </Section>
        <Section title="Members" id="members-title">
          <ul id="members" class="members">
            {members.map((u) => (
              <li key={u.user_id}>
                <span>
                  {u.user_id}
                  {u.name && u.name !== u.user_id ? ` (${u.name})` : ''}
                </span>
                <button type="button" class="secondary small" aria-label={`Ban ${u.user_id}…`} onClick={() => prepareBan(u.user_id)}>
                  Ban…
                </button>
                <button type="button" class="secondary small" aria-label={`Mute ${u.user_id}…`} onClick={() => prepareMute(u.user_id)}>
                  Mute…
                </button>
              </li>
            ))}
          </ul>
          {membersNext ? (
            <button type="button" class="secondary" onClick={() => void act(async () => (await loadMembers(membersNext), ''))}>
              More members
            </button>
          ) : null}
        </Section>
      </div>
      <div class="columns">
        <form class="card" id="ban-form" onSubmit={ban} aria-labelledby="ban-title">
          <h3 id="ban-title">Ban a user</h3>
          <div ref={banField}>
            <Field label="User id" name="user_id" value={banUser} onInput={(e) => setBanUser(e.currentTarget.value)} required />
          </div>
          <Field label="Seconds" name="seconds" type="number" min={1} value={banSeconds} onInput={(e) => setBanSeconds(e.currentTarget.value)} required />
          <Field label="Reason (optional)" name="reason" value={banReason} onInput={(e) => setBanReason(e.currentTarget.value)} />
          <button type="submit" class="danger">
            Ban
          </button>
        </form>
        <Section title="Banned now" id="bans-title">
          <ul id="bans" class="members">
            {bans.map((b) => (
              <li key={b.user_id}>
                <span>
                  {b.user_id} until {dateTime(b.expires_at)}
                  {b.reason ? ` — ${b.reason}` : ''}
                </span>
                <button type="button" class="secondary small" aria-label={`Unban ${b.user_id}`} onClick={() => void unban(b.user_id)}>
                  Unban
                </button>
              </li>
            ))}
          </ul>
          {bans.length === 0 ? <p class="hint">Nobody.</p> : null}
        </Section>
      </div>
      <div class="columns">
        <form class="card" id="mute-form" onSubmit={mute} aria-labelledby="mute-title">
          <h3 id="mute-title">Mute a member</h3>
          <p class="hint">A muted member stays and reads; its messages are refused (1021) until the mute ends.</p>
          <div ref={muteField}>
            <Field label="Member to mute" name="user_id" value={muteUser} onInput={(e) => setMuteUser(e.currentTarget.value)} required />
          </div>
          <Field label="Mute seconds" name="seconds" type="number" min={1} value={muteSeconds} onInput={(e) => setMuteSeconds(e.currentTarget.value)} required />
          <button type="submit" class="danger">
            Mute
          </button>
        </form>
        <Section title="Muted now" id="mutes-title">
          <ul id="mutes" class="members">
            {mutes.map((m) => (
              <li key={m.user_id}>
                <span>
                  {m.user_id} until {dateTime(m.expires_at)}
                </span>
                <button type="button" class="secondary small" aria-label={`Unmute ${m.user_id}`} onClick={() => void unmute(m.user_id)}>
                  Unmute
                </button>
              </li>
            ))}
          </ul>
          {mutes.length === 0 ? <p class="hint">Nobody.</p> : null}
        </Section>
      </div>
      <form class="card" id="revoke-form" onSubmit={revoke} aria-labelledby="revoke-title">
        <h3 id="revoke-title">Revoke a user’s tokens</h3>
        <p class="hint">Every session token issued to the user so far stops working, and its live chat connections end.</p>
        <Field label="User id" name="user_id" value={revokeUser} onInput={(e) => setRevokeUser(e.currentTarget.value)} required />
        <button type="submit" class="danger">
          Revoke tokens
        </button>
      </form>
    </div>
  );
}

export function Moderation({ api, app }: { api: AdminApi; app: string }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<ChatChannel[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [selected, setSelected] = useState<string>();
  const [error, setError] = useState<string>();

  const search = async (more?: string) => {
    setError(undefined);
    try {
      const page = await api.get<ChatChannelList>(`/apps/${encodeURIComponent(app)}/channels`, { query, limit: PAGE, next: more });
      setResults((list) => (more ? [...list, ...page.channels] : page.channels));
      setNext(page.next);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => {
    setSelected(undefined);
    void search();
  }, [app]);

  return (
    <div class="moderation">
      <form
        class="search"
        role="search"
        onSubmit={(ev) => {
          ev.preventDefault();
          void search();
        }}
      >
        <Field label="Channel id or name" name="query" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="submit">Search</button>
      </form>
      <ErrorText error={error} />
      <ul id="channels" class="channel-list" aria-label="Channels">
        {results.map((c) => (
          <li key={c.channel_id} class={c.channel_id === selected ? 'selected' : undefined}>
            <button type="button" class="link" aria-pressed={c.channel_id === selected} data-channel={c.channel_id} onClick={() => setSelected(c.channel_id)}>
              {c.name} <span class="mono">({c.channel_id})</span>
              {c.freeze ? ' · frozen' : ''}
            </button>
          </li>
        ))}
      </ul>
      {next ? (
        <button type="button" class="secondary" onClick={() => void search(next)}>
          More channels
        </button>
      ) : null}
      {results.length === 0 ? <p class="hint">No channels found.</p> : null}
      {selected ? <ChannelPanel key={selected} api={api} app={app} channelId={selected} /> : null}
    </div>
  );
}
