/**
 * The open channel: its title and tools (members, pinned messages), the newest pin, the history
 * (opened at the newest message, older pages on demand without the view jumping, live messages
 * followed while the reader is at the bottom; replies live in the thread panel), the read receipt, who
 * is typing, and the composer.
 */
import type { Message } from '@parley/sdk';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { sentBy } from './chat-store.ts';
import { Composer } from './composer.tsx';
import { MessageView } from './message-view.tsx';
import { useStore } from './use-store.ts';

/** Within this many pixels of the end the reader counts as at the bottom (follows new messages). */
const BOTTOM_SLACK = 48;

export function Conversation() {
  const store = useStore();
  const entry = store.activeId ? store.channels.get(store.activeId) : undefined;
  if (!store.activeId || !entry) {
    return (
      <section id="conversation" class="conversation empty" aria-labelledby="channel-title" tabIndex={-1}>
        <h2 id="channel-title">Pick a channel</h2>
        <p class="hint">Choose a channel on the left, or create one.</p>
      </section>
    );
  }
  const channel = entry.channel;
  const pinCount = channel.pinned_message_ids.length;
  const newestPin = store.pins.messages()[0];
  return (
    <section id="conversation" class="conversation" aria-labelledby="channel-title" tabIndex={-1}>
      <div class="conversation-head">
        <button type="button" class="back secondary" onClick={() => store.close()}>
          <span aria-hidden="true">←</span> Channels
        </button>
        <h2 id="channel-title">{channel.name || channel.channel_id}</h2>
        <div class="tools" role="toolbar" aria-label="Channel tools">
          <button type="button" class="secondary" aria-pressed={store.panel?.kind === 'members'} onClick={() => store.setPanel(store.panel?.kind === 'members' ? null : { kind: 'members' })}>
            Members ({store.members.size})
          </button>
          {pinCount > 0 ? (
            <button type="button" id="pins-button" class="secondary" aria-pressed={store.panel?.kind === 'pins'} onClick={() => store.setPanel(store.panel?.kind === 'pins' ? null : { kind: 'pins' })}>
              Pinned ({pinCount})
            </button>
          ) : null}
        </div>
      </div>
      {newestPin ? (
        <button type="button" id="pinned-bar" class="pinned-bar" onClick={() => store.setPanel({ kind: 'pins' })}>
          <span class="pin-label">Pinned</span>
          <span class="pin-text">
            {store.nameOf(newestPin.user)}: {newestPin.type === 'file' ? (newestPin.file?.name ?? 'a file') : newestPin.content}
          </span>
        </button>
      ) : null}
      <History />
      <p id="receipt" class="receipt">
        {store.readBy.length > 0 ? `Read by ${store.readBy.join(', ')}` : ''}
      </p>
      <p id="notice" class="notice" role="status">
        {store.notice}
      </p>
      <p id="typing" class="typing" aria-live="polite">
        {store.typing.line(channel.channel_id)}
      </p>
      {store.moderation.myMuteLine(channel.channel_id) ? <p class="muted-line">{store.moderation.myMuteLine(channel.channel_id)}</p> : null}
      <Composer key={channel.channel_id} channelId={channel.channel_id} />
    </section>
  );
}

function History() {
  const store = useStore();
  const h = store.history;
  const scroller = useRef<HTMLDivElement>(null);
  /** What the last layout showed, to tell an older page (keep the view still) from a new message (follow it). */
  const shown = useRef<{ opening: number; first: number; last: number; height: number; atBottom: boolean } | undefined>(undefined);
  const [below, setBelow] = useState(0);

  const messages: Message[] = h?.messages ?? [];
  const first = messages[0]?.message_id ?? 0;
  const last = messages[messages.length - 1]?.message_id ?? 0;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !h || h.loading) return;
    const before = shown.current;
    if (!before || before.opening !== h.opening) {
      el.scrollTop = el.scrollHeight;
      setBelow(0);
    } else if (first < before.first) {
      // An older page went in above: keep the same messages in view.
      el.scrollTop += el.scrollHeight - before.height;
    } else if (last > before.last) {
      const newest = messages[messages.length - 1];
      if (before.atBottom || (newest && sentBy(newest, store.me))) {
        el.scrollTop = el.scrollHeight;
        setBelow(0);
      } else {
        setBelow((n) => n + messages.filter((m) => m.message_id > before.last).length);
      }
    }
    shown.current = { opening: h.opening, first, last, height: el.scrollHeight, atBottom: el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK };
  });

  const onScroll = () => {
    const el = scroller.current;
    if (!el || !shown.current) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
    shown.current = { ...shown.current, atBottom };
    if (atBottom && below > 0) setBelow(0);
  };

  /** An image that finished loading grew the history: stay at the bottom if the reader was there. */
  const onLoad = () => {
    const el = scroller.current;
    if (!el || !shown.current?.atBottom) return;
    el.scrollTop = el.scrollHeight;
    shown.current = { ...shown.current, height: el.scrollHeight };
  };

  const toBottom = () => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    setBelow(0);
  };

  return (
    <div class="history">
      <div class="scroller" ref={scroller} onScroll={onScroll} onLoadCapture={onLoad}>
        {h?.hasOlder ? (
          <button id="older" type="button" class="secondary" onClick={() => void store.run('Could not load older messages', () => store.loadOlder())}>
            Load older messages
          </button>
        ) : null}
        {h?.loading ? <p class="hint">Loading…</p> : null}
        {h && !h.loading && messages.length === 0 ? <p class="hint">No messages yet: say hello.</p> : null}
        <div role="log" aria-label="Messages">
          <ol id="messages">
            {messages.map((m) => (
              <MessageView key={m.message_id} message={m} />
            ))}
          </ol>
        </div>
      </div>
      {below > 0 ? (
        <button type="button" class="new-below" onClick={toBottom}>
          {below} new {below === 1 ? 'message' : 'messages'} below
        </button>
      ) : null}
    </div>
  );
}
