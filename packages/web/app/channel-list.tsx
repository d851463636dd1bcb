/**
 * The message search, then the joined channels, newest activity first, each a button (reachable with
 * Tab, opened with Enter) with its unread count and a badge of unread mentions of me; below them the
 * form that creates or joins a channel.
 */
import { useState } from 'preact/hooks';
import type { ChannelEntry } from './chat-store.ts';
import { shortTime } from './format.ts';
import { SearchPanel } from './search-panel.tsx';
import { useStore } from './use-store.ts';

function preview(entry: ChannelEntry): string {
  const last = entry.channel.last_message;
  if (!last) return 'No messages yet';
  const who = last.user?.name || last.user?.user_id || '';
  const what = last.type === 'file' ? (last.file?.name ?? 'a file') : (last.content ?? '');
  return `${who}: ${what}`;
}

export function ChannelList() {
  const store = useStore();
  const list = store.channelList();
  return (
    <nav id="sidebar" aria-labelledby="channels-title">
      <SearchPanel />
      <h2 id="channels-title">Channels</h2>
      {list.length === 0 ? <p class="hint">No channels yet: create one below, or ask someone to add you.</p> : null}
      <ul id="channels">
        {list.map((entry) => {
          const { channel, unread } = entry;
          const active = channel.channel_id === store.activeId;
          const last = channel.last_message;
          return (
            <li key={channel.channel_id} data-channel={channel.channel_id} class={active ? 'active' : undefined}>
              <button type="button" aria-current={active ? 'true' : undefined} onClick={() => void store.run(`Could not open ${channel.channel_id}`, () => store.open(channel.channel_id))}>
                <span class="channel-line">
                  <span class="channel-name">{channel.name || channel.channel_id}</span>
                  {last ? <time dateTime={new Date(last.created_at).toISOString()}>{shortTime(last.created_at)}</time> : null}
                </span>
                <span class="channel-line">
                  <span class="preview">{preview(entry)}</span>
                  {entry.mentions > 0 ? (
                    <span class="badge mention" aria-label={`${entry.mentions} ${entry.mentions === 1 ? 'mention' : 'mentions'} of you`}>
                      @{entry.mentions}
                    </span>
                  ) : null}
                  {unread > 0 ? (
                    <span class="badge unread" aria-label={`${unread} unread`}>
                      {unread}
                    </span>
                  ) : null}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      <NewChannel />
    </nav>
  );
}

function NewChannel() {
  const store = useStore();
  const [channelId, setChannelId] = useState('');
  const [members, setMembers] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <form
      id="new-channel"
      aria-labelledby="new-channel-title"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        const others = members
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
        void store.createOrJoin(channelId.trim(), others, isPublic).then((ok) => {
          setBusy(false);
          if (!ok) return;
          setChannelId('');
          setMembers('');
          setPublic(false);
        });
      }}
    >
      <h3 id="new-channel-title">Create or join a channel</h3>
      <label class="field">
        <span>Channel id</span>
        <input name="channel_id" pattern="[a-z0-9_]{4,80}" required aria-describedby="channel-id-hint" value={channelId} onInput={(e) => setChannelId(e.currentTarget.value)} />
        <small id="channel-id-hint" class="hint">
          4–80 of a–z, 0–9 and _
        </small>
      </label>
      <label class="field">
        <span>Other members (comma separated)</span>
        <input name="members" placeholder="bob, carol" value={members} onInput={(e) => setMembers(e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" name="is_public" checked={isPublic} onChange={(e) => setPublic(e.currentTarget.checked)} /> Public: anyone may join by its id
      </label>
      <button type="submit" disabled={busy}>
        Create or join
      </button>
    </form>
  );
}
