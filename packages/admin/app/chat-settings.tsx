/** One app's chat settings: the word filter and chat webhooks (URL, events, signing secret). */
import { APP_SETTINGS_LIMITS, CHAT_WEBHOOK_EVENTS, WORD_FILTER_MODES, type ApplicationSettings, type ChatWebhookEvent, type WordFilterMode } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, type AdminApi } from './api.ts';
import { dateTime, ErrorText, Field, Notice } from './ui.tsx';

/** The filter's words as the operator types them: one per line (commas also separate). */
const wordsOf = (text: string): string[] =>
  text
    .split(/[\n,]/)
    .map((w) => w.trim())
    .filter(Boolean);

function Editor({ api, settings, onSaved }: { api: AdminApi; settings: ApplicationSettings; onSaved: (s: ApplicationSettings) => void }) {
  const [words, setWords] = useState(settings.word_filter.words.join('\n'));
  const [mode, setMode] = useState<WordFilterMode>(settings.word_filter.mode);
  const [url, setUrl] = useState(settings.chat_webhook_url ?? '');
  const [events, setEvents] = useState<ChatWebhookEvent[]>(settings.chat_webhook_events);
  const [showSecret, setShowSecret] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const path = `/apps/${encodeURIComponent(settings.app_id)}/chat-settings`;

  const send = async (body: Record<string, unknown>, done: string) => {
    setError(undefined);
    setNotice(undefined);
    try {
      onSaved(await api.send<ApplicationSettings>('PUT', path, body));
      setNotice(done);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const save = (ev: Event) => {
    ev.preventDefault();
    void send({ word_filter: { words: wordsOf(words), mode }, chat_webhook_url: url || null, chat_webhook_events: events }, `Saved the chat settings of ${settings.app_id}.`);
  };
  const rotate = () => {
    if (!window.confirm(`Give ${settings.app_id} a new chat webhook secret? Receivers must check signatures with the new one.`)) return;
    setShowSecret(true);
    void send({ rotate_chat_webhook_secret: true }, `${settings.app_id} has a new chat webhook secret.`);
  };

  return (
    <form class="card app-editor" onSubmit={save} aria-labelledby="chat-settings-title">
      <h3 id="chat-settings-title">Chat settings of {settings.app_id}</h3>
      <div class="field">
        <label for="chat-settings-words">Word filter (one word per line)</label>
        <textarea id="chat-settings-words" name="words" rows={4} value={words} onInput={(e) => setWords(e.currentTarget.value)} aria-describedby="chat-settings-words-hint" />
        <small id="chat-settings-words-hint" class="hint">
          At most {APP_SETTINGS_LIMITS.wordsMax} words of 1-{APP_SETTINGS_LIMITS.wordMaxChars} characters, matched without regard to case inside a message's text.
        </small>
      </div>
      <fieldset class="choices">
        <legend>When a message contains a word</legend>
        {WORD_FILTER_MODES.map((m) => (
          <label key={m} class="choice">
            <input type="radio" name="word_filter_mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
            {m === 'block' ? 'refuse it (1020)' : 'mask the word with *'}
          </label>
        ))}
      </fieldset>
      <Field label="Chat webhook URL" name="chat_webhook_url" type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} hint="Chat events are POSTed here, signed with the secret below. Empty: none." />
      <fieldset class="choices">
        <legend>Chat webhook events</legend>
        {CHAT_WEBHOOK_EVENTS.map((t) => (
          <label key={t} class="choice">
            <input type="checkbox" name="chat_webhook_events" value={t} checked={events.includes(t)} onChange={(e) => setEvents(e.currentTarget.checked ? [...events, t] : events.filter((v) => v !== t))} />
            {t}
          </label>
        ))}
      </fieldset>
      <p class="key">
        Signing secret: <code class="mono">{showSecret ? settings.chat_webhook_secret : '••••••••••••'}</code>{' '}
        <button type="button" class="secondary" aria-pressed={showSecret} onClick={() => setShowSecret(!showSecret)}>
          {showSecret ? 'Hide secret' : 'Show secret'}
        </button>{' '}
        <button type="button" class="danger" onClick={rotate}>
          Rotate secret
        </button>
      </p>
      <button type="submit">Save chat settings</button>
      <p class="hint">Changed {dateTime(settings.updated_at)}.</p>
      <ErrorText error={error} />
      <Notice text={notice} />
    </form>
  );
}

export function ChatSettings({ api, appId }: { api: AdminApi; appId: string }) {
  const [settings, setSettings] = useState<ApplicationSettings>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setSettings(undefined);
    api.get<ApplicationSettings>(`/apps/${encodeURIComponent(appId)}/chat-settings`).then(setSettings, (err: unknown) => setError(messageOf(err)));
  }, [api, appId]);
  if (error) return <ErrorText error={error} />;
  return settings ? <Editor key={settings.app_id} api={api} settings={settings} onSaved={setSettings} /> : null;
}
