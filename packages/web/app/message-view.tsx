/**
 * One message in a history: who, when (a `<time>` with the full date as its title), the text or the
 * file (an image inline), and its menu. Deleting asks first, in place.
 */
import type { Message } from '@parley/sdk';
import { useRef, useState } from 'preact/hooks';
import { sentBy } from './chat-store.ts';
import { fullTime, shortTime } from './format.ts';
import { Menu } from './menu.tsx';
import { messageActions } from './message-actions.ts';
import { ReportForm } from './report-form.tsx';
import { useStore } from './use-store.ts';

export function MessageView({ message }: { message: Message }) {
  const store = useStore();
  const [confirming, setConfirming] = useState(false);
  const [reporting, setReporting] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const mine = sentBy(message, store.me);
  const who = store.nameOf(message.user);
  const when = shortTime(message.created_at);
  const items = messageActions(store, message, {
    confirmDelete: () => {
      setConfirming(true);
      requestAnimationFrame(() => confirmButton.current?.focus());
    },
    startReport: () => setReporting(true),
  });
  return (
    <li class={`message ${mine ? 'mine' : ''}`} data-id={message.message_id} data-created={message.created_at} id={`message-${message.message_id}`}>
      <div class="message-head">
        <span class="who">{who}</span>
        {message.user && store.moderation.isMuted(message.user.user_id) ? <span class="tag">muted</span> : null}
        <time dateTime={new Date(message.created_at).toISOString()} title={fullTime(message.created_at)}>
          {when}
        </time>
        <Menu label={`Actions for ${mine ? 'your' : `${who}'s`} message of ${when}`} items={items} class="message-menu">
          <span aria-hidden="true">⋯</span>
        </Menu>
      </div>
      <MessageBody message={message} />
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
      <p class="text">{message.content ?? ''}</p>
    </div>
  );
}
