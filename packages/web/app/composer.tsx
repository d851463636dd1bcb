/**
 * The message box of a channel, or of a thread (replies sent with its parent). A draft stays in the box
 * until the server took it: a send that fails (offline, refused) keeps the text and the file, says
 * why, and offers a retry. Enter sends, Shift+Enter starts a new line; text typed beside a chosen file
 * goes with it. Typing `@` offers the channel's members (a listbox: arrows move, Enter or Tab picks,
 * Escape closes), and the picked ones are sent as mentions. While the draft has text the others see
 * that I am typing.
 */
import type { User } from '@parley/sdk';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './format.ts';
import { insertPicked, mentionedIn, mentionQuery, offered } from './mentions.ts';
import { useStore } from './use-store.ts';

interface Completion {
  /** Where the `@` is in the draft. */
  at: number;
  query: string;
  /** The highlighted option. */
  index: number;
}

export function Composer({ channelId, parentMessageId }: { channelId: string; parentMessageId?: number }) {
  const store = useStore();
  const inThread = parentMessageId !== undefined;
  const key = inThread ? `${channelId}/thread/${parentMessageId}` : channelId;
  const prefix = inThread ? 'thread-composer' : 'composer';
  const draft = store.draft(key);
  const [sending, setSending] = useState(false);
  const [completion, setCompletion] = useState<Completion>();
  const fileInput = useRef<HTMLInputElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const name = store.channels.get(channelId)?.channel.name || channelId;
  const what = inThread ? 'Reply in the thread' : `Message to ${name}`;
  useEffect(() => {
    // The draft lost its file (sent, removed): so does the input.
    if (!draft.file && fileInput.current) fileInput.current.value = '';
  }, [draft.file]);
  // Leaving the channel (or the thread) ends my typing state there.
  useEffect(() => () => store.typing.stop(channelId), [store, channelId]);

  const options: User[] = completion ? offered(store.members.values(), store.me, completion.query, (u) => store.nameOf(u)) : [];
  const open = completion !== undefined && options.length > 0;
  const optionId = (i: number) => `${prefix}-mention-${i}`;

  const follow = (text: string, caret: number) => {
    const q = mentionQuery(text, caret);
    setCompletion(q ? { ...q, index: completion && completion.at === q.at ? completion.index : 0 } : undefined);
  };

  const pick = (user: User) => {
    const el = textarea.current;
    if (!completion || !el) return;
    const now = store.draft(key);
    const picked = store.nameOf(user);
    const { text, caret } = insertPicked(now.content, completion.at, el.selectionStart, picked);
    const mentions = [...(now.mentions ?? []).filter((m) => m.userId !== user.user_id), { userId: user.user_id, name: picked }];
    store.setDraft(key, { ...now, content: text, mentions });
    setCompletion(undefined);
    store.typing.composing(channelId, text);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(caret, caret);
    });
  };

  const submit = async () => {
    const now = store.draft(key);
    if (sending || (now.content.trim() === '' && !now.file)) return;
    setSending(true);
    setCompletion(undefined);
    try {
      await store.send(channelId, now, { draftKey: key, parentMessageId, mentionedUserIds: mentionedIn(now.content, now.mentions ?? [], store.members) });
      store.setDraft(key, { content: '' });
    } catch (err) {
      store.setDraft(key, { ...store.draft(key), failure: describeError(err) });
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (open) {
      const n = options.length;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setCompletion({ ...completion, index: (completion.index + (e.key === 'ArrowDown' ? 1 : -1) + n) % n });
        return;
      }
      if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        pick(options[Math.min(completion.index, n - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setCompletion(undefined);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form
      id={prefix}
      class="composer"
      aria-label={inThread ? 'Reply in the thread' : `Send a message to ${name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {open ? (
        <ul id={`${prefix}-mentions`} class="mention-options" role="listbox" aria-label="Members to mention">
          {options.map((u, i) => (
            <li
              key={u.user_id}
              id={optionId(i)}
              role="option"
              aria-selected={i === completion.index}
              data-user={u.user_id}
              // Keep the focus in the box: the click picks, the box stays where it was.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(u)}
            >
              <span class="option-name">{store.nameOf(u)}</span>
              {store.nameOf(u) !== u.user_id ? <span class="option-id">@{u.user_id}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <label for={`${prefix}-input`} class="visually-hidden">
        {what}
      </label>
      <textarea
        id={`${prefix}-input`}
        ref={textarea}
        name="content"
        rows={1}
        placeholder={inThread ? 'Reply…' : `Message ${name}`}
        autoComplete="off"
        aria-autocomplete="list"
        aria-controls={open ? `${prefix}-mentions` : undefined}
        aria-activedescendant={open ? optionId(completion.index) : undefined}
        aria-describedby={`${prefix}-hint`}
        readOnly={sending}
        value={draft.content}
        onInput={(e) => {
          const el = e.currentTarget;
          store.setDraft(key, { ...store.draft(key), content: el.value });
          store.typing.composing(channelId, el.value);
          follow(el.value, el.selectionStart);
        }}
        onClick={(e) => follow(e.currentTarget.value, e.currentTarget.selectionStart)}
        onBlur={() => setCompletion(undefined)}
        onKeyDown={onKeyDown}
      />
      <span id={`${prefix}-hint`} class="visually-hidden">
        Enter sends, Shift+Enter starts a new line, @ mentions a member
      </span>
      <label class="file-pick button secondary">
        <span>{draft.file ? 'Change file' : 'Attach file'}</span>
        <input
          ref={fileInput}
          class="visually-hidden"
          name="file"
          type="file"
          disabled={sending}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            store.setDraft(key, { ...store.draft(key), file, failure: undefined });
          }}
        />
      </label>
      <button type="submit" disabled={sending}>
        {sending ? 'Sending…' : inThread ? 'Reply' : 'Send'}
      </button>
      {draft.file ? (
        <p class="chosen-file">
          <span>File: {draft.file.name}</span>
          <button type="button" class="secondary small" onClick={() => store.setDraft(key, { ...store.draft(key), file: undefined })}>
            Remove file
          </button>
        </p>
      ) : null}
      {draft.failure ? (
        <p class="send-failure error" role="alert">
          <span>Not sent: {draft.failure}. Your message is kept.</span>
          <button type="button" class="retry" disabled={sending} onClick={() => void submit()}>
            Retry
          </button>
        </p>
      ) : null}
    </form>
  );
}
