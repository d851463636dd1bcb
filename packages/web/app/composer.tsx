/**
 * The message box of a channel. A draft stays in the box until the server took it: a send that fails
 * (offline, refused) keeps the text and the file, says why, and offers a retry. Enter sends, Shift+Enter
 * starts a new line; text typed beside a chosen file goes with it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './format.ts';
import { useStore } from './use-store.ts';

export function Composer({ channelId }: { channelId: string }) {
  const store = useStore();
  const draft = store.draft(channelId);
  const [sending, setSending] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const name = store.channels.get(channelId)?.channel.name || channelId;
  useEffect(() => {
    // The draft lost its file (sent, removed): so does the input.
    if (!draft.file && fileInput.current) fileInput.current.value = '';
  }, [draft.file]);

  const submit = async () => {
    const now = store.draft(channelId);
    if (sending || (now.content.trim() === '' && !now.file)) return;
    setSending(true);
    try {
      await store.send(channelId, now);
      store.setDraft(channelId, { content: '' });
    } catch (err) {
      store.setDraft(channelId, { ...store.draft(channelId), failure: describeError(err) });
    } finally {
      setSending(false);
    }
  };

  return (
    <form
      id="composer"
      class="composer"
      aria-label={`Send a message to ${name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label for="composer-input" class="visually-hidden">
        Message to {name}
      </label>
      <textarea
        id="composer-input"
        name="content"
        rows={1}
        placeholder={`Message ${name}`}
        autoComplete="off"
        readOnly={sending}
        value={draft.content}
        onInput={(e) => store.setDraft(channelId, { ...store.draft(channelId), content: e.currentTarget.value })}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void submit();
          }
        }}
      />
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
            store.setDraft(channelId, { ...store.draft(channelId), file, failure: undefined });
          }}
        />
      </label>
      <button type="submit" disabled={sending}>
        {sending ? 'Sending…' : 'Send'}
      </button>
      {draft.file ? (
        <p class="chosen-file">
          <span>File: {draft.file.name}</span>
          <button
            type="button"
            class="secondary small"
            onClick={() => store.setDraft(channelId, { ...store.draft(channelId), file: undefined })}
          >
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
