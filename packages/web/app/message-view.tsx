/**
 * One message in a history or a thread: who, when (a `<time>` with the full date as its title),
 * "edited", the text (mentions highlighted, mine more) or the file (an image inline), its reactions,
 * "N replies" under a thread's parent, and its menu. Deleting asks first, in place; editing happens in
 * place (Enter saves, Escape cancels).
 */
import type { Message } from '@parley/sdk';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { sentBy } from './chat-store.ts';
import { fullTime, shortTime } from './format.ts';
import { mentionsMe, textRuns } from './mentions.ts';
import { Menu } from './menu.tsx';
import { messageActions } from './message-actions.ts';
import { Reactions } from './reactions.tsx';
import { ReportForm } from './report-form.tsx';
import { useStore } from './use-store.ts';

export function MessageView({ message, inThread = false }: { message: Message; inThread?: boolean }) {
  const store = useStore();
  const [confirming, setConfirming] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [editing, setEditing] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const item = useRef<HTMLLIElement>(null);
  const mine = sentBy(message, store.me);
  const who = store.nameOf(message.user);
  const when = shortTime(message.created_at);
  const what = `${mine ? 'your' : `${who}'s`} message of ${when}`;
  const found = !inThread && store.found?.channelId === message.channel_id && store.found.messageId === message.message_id;
  useLayoutEffect(() => {
    if (found) item.current?.scrollIntoView({ block: 'center' });
  }, [found]);
  const items = messageActions(store, message, {
    confirmDelete: () => {
      setConfirming(true);
      requestAnimationFrame(() => confirmButton.current?.focus());
    },
    startEdit: () => setEditing(true),
    startReport: () => setReporting(true),
  });
  const endEdit = () => {
    setEditing(false);
    requestAnimationFrame(() => item.current?.querySelector<HTMLButtonElement>('.message-menu > button')?.focus());
  };
  const classes = ['message', mine ? 'mine' : '', mentionsMe(message, store.me) ? 'mentions-me' : '', found ? 'found' : ''];
  const replies = message.thread_info?.reply_count ?? 0;
  return (
    <li ref={item} class={classes.join(' ')} data-id={message.message_id} data-created={message.created_at} id={inThread ? undefined : `message-${message.message_id}`}>
      <div class="message-head">
        <span class="who">{who}</span>
        {message.user && store.moderation.isMuted(message.user.user_id) ? <span class="tag">muted</span> : null}
        {store.pins.isPinned(message) ? <span class="tag pinned">pinned</span> : null}
        {mentionsMe(message, store.me) ? <span class="tag mention-tag">mentions you</span> : null}
        <time dateTime={new Date(message.created_at).toISOString()} title={fullTime(message.created_at)}>
          {when}
        </time>
        {message.edited_at ? (
          <span class="edited" title={`Edited ${fullTime(message.edited_at)}`}>
            (edited)
          </span>
        ) : null}
        <Menu label={`Actions for ${what}`} items={items} class="message-menu">
          <span aria-hidden="true">⋯</span>
        </Menu>
      </div>
      {editing ? <MessageEditor message={message} onDone={endEdit} /> : <MessageBody message={message} />}
      <Reactions message={message} what={what} />
      {!inThread && replies > 0 ? (
        <button type="button" class="thread-summary secondary small" onClick={() => void store.threads.show(message)}>
          {replies} {replies === 1 ? 'reply' : 'replies'}
        </button>
      ) : null}
      {confirming ? (
        <div class="confirm" role="group" aria-label="Delete this message?">
          <span>Delete this message?</span>
          <button ref={confirmButton} type="button" class="danger" onClick={() => void store.deleteMessage(message)}>
            Delete
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : null}
      {reporting ? (
        <ReportForm what={`${who}'s message`} report={{ target: 'message', channel_id: message.channel_id, message_id: message.message_id }} onClose={() => setReporting(false)} />
      ) : null}
    </li>
  );
}

/** The text of my message in place, editable: Enter saves, Shift+Enter a new line, Escape cancels. */
function MessageEditor({ message, onDone }: { message: Message; onDone: () => void }) {
  const store = useStore();
  const [text, setText] = useState(message.content ?? '');
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const id = `edit-${message.channel_id}-${message.message_id}`;
  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const save = async () => {
    const content = text.trim();
    if (saving || content === '') return;
    if (content === message.content) {
      onDone();
      return;
    }
    setSaving(true);
    const ok = await store.editMessage(message, content);
    setSaving(false);
    if (ok) onDone();
  };
  return (
    <form
      class="edit-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label for={id} class="visually-hidden">
        Edit your message
      </label>
      <textarea
        id={id}
        ref={input}
        rows={2}
        value={text}
        readOnly={saving}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            onDone();
          }
        }}
      />
      <span class="form-buttons">
        <button type="submit" class="small" disabled={saving || text.trim() === ''}>
          Save
        </button>
        <button type="button" class="secondary small" onClick={onDone}>
          Cancel
        </button>
      </span>
      <small class="hint">Enter saves, Escape cancels</small>
    </form>
  );
}

export function MessageBody({ message }: { message: Message }) {
  if (message.type === 'file' && message.file) {
    const { url, name, type } = message.file;
    return (
      <div class="body">
        {type.startsWith('image/') ? (
          <img src={url} alt={name} />
        ) : (
          <a href={url} target="_blank" rel="noopener">
            {name}
          </a>
        )}
        {message.content ? <p class="text caption">{message.content}</p> : null}
      </div>
    );
  }
  return (
    <div class="body">
      <MessageText message={message} />
    </div>
  );
}

/** The text with the `@name`s of mentioned members marked (mine as "mention me"). */
function MessageText({ message }: { message: Message }) {
  const store = useStore();
  const runs = textRuns(message, store.me, (id) => store.nameOfId(id));
  return (
    <p class="text">
      {runs.map((run, i) =>
        run.mention ? (
          <span key={i} class={`mention ${run.mention === 'me' ? 'me' : ''}`}>
            {run.text}
          </span>
        ) : (
          run.text
        ),
      )}
    </p>
  );
}
