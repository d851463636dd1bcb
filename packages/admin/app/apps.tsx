/** Apps: the list, a new app, and one app's key and hooks (WebAuth URL, webhook URL and events), and its chat settings. */
import { WEBHOOK_TYPES, type AdminApp, type WebhookType } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, type AdminApi } from './api.ts';
import { ChatSettings } from './chat-settings.tsx';
import { FailedDeliveries } from './failed-deliveries.tsx';
import { dateTime, ErrorText, Field, Notice } from './ui.tsx';

function EventChoices({ value, onChange, legend }: { value: readonly WebhookType[]; onChange: (v: WebhookType[]) => void; legend: string }) {
  return (
    <fieldset class="choices">
      <legend>{legend}</legend>
      {WEBHOOK_TYPES.map((t) => (
        <label key={t} class="choice">
          <input type="checkbox" name="webhook_events" value={t} checked={value.includes(t)} onChange={(e) => onChange(e.currentTarget.checked ? [...value, t] : value.filter((v) => v !== t))} />
          {t}
        </label>
      ))}
    </fieldset>
  );
}

function AppEditor({ api, app, onChanged }: { api: AdminApi; app: AdminApp; onChanged: (a: AdminApp) => void }) {
  const [webauth, setWebauth] = useState(app.webauth_url ?? '');
  const [webhook, setWebhook] = useState(app.webhook_url ?? '');
  const [events, setEvents] = useState<WebhookType[]>(app.webhook_events);
  const [showKey, setShowKey] = useState(false);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const path = `/apps/${encodeURIComponent(app.id)}`;

  const save = async (ev: Event) => {
    ev.preventDefault();
    setError(undefined);
    try {
      const updated = await api.send<AdminApp>('PUT', path, { webauth_url: webauth || null, webhook_url: webhook || null, webhook_events: events });
      onChanged(updated);
      setNotice(`Saved the hooks of ${app.id}.`);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const rotate = async () => {
    if (!window.confirm(`Give ${app.id} a new API key? Access URLs signed with the current key stop working, and the app's servers need the new one.`)) return;
    setError(undefined);
    try {
      const updated = await api.send<AdminApp>('POST', `${path}/rotate-key`);
      onChanged(updated);
      setShowKey(true);
      setNotice(`${app.id} has a new API key.`);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <form class="card app-editor" onSubmit={save} aria-labelledby="app-editor-title">
      <h3 id="app-editor-title">App {app.id}</h3>
      <p class="key">
        API key: <code class="mono">{showKey ? app.api_key : '••••••••••••'}</code>{' '}
        <button type="button" class="secondary" aria-pressed={showKey} onClick={() => setShowKey(!showKey)}>
          {showKey ? 'Hide key' : 'Show key'}
        </button>{' '}
        <button type="button" class="danger" onClick={rotate}>
          Rotate key
        </button>
      </p>
      <Field label="WebAuth URL" name="webauth_url" type="url" value={webauth} onInput={(e) => setWebauth(e.currentTarget.value)} hint="Asked whether a user may join a private_, member_ or presence_ channel it was not granted. Empty: none." />
      <Field label="Webhook URL" name="webhook_url" type="url" value={webhook} onInput={(e) => setWebhook(e.currentTarget.value)} hint="Told about connects, disconnects, subscribes and unsubscribes. Empty: none." />
      <EventChoices legend="Webhook events" value={events} onChange={setEvents} />
      <button type="submit">Save hooks</button>
      <p class="hint">
        Created {dateTime(app.created_at)}, changed {dateTime(app.updated_at)}.
      </p>
      <ErrorText error={error} />
      <Notice text={notice} />
    </form>
  );
}

export function Apps({ api, selected, onSelect, onListChanged }: { api: AdminApi; selected: string | undefined; onSelect: (id: string) => void; onListChanged: () => void }) {
  const [apps, setApps] = useState<AdminApp[]>([]);
  const [error, setError] = useState<string>();
  const [newId, setNewId] = useState('');
  const [newWebauth, setNewWebauth] = useState('');
  const [newWebhook, setNewWebhook] = useState('');
  const [notice, setNotice] = useState<string>();

  const load = async () => {
    try {
      setApps((await api.get<{ apps: AdminApp[] }>('/apps')).apps);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => void load(), [api]);

  const create = async (ev: Event) => {
    ev.preventDefault();
    setError(undefined);
    try {
      const app = await api.send<AdminApp>('POST', '/apps', { id: newId, webauth_url: newWebauth || null, webhook_url: newWebhook || null });
      setNotice(`Created app ${app.id}. Its API key is shown below.`);
      setNewId('');
      setNewWebauth('');
      setNewWebhook('');
      await load();
      onListChanged();
      onSelect(app.id);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const current = apps.find((a) => a.id === selected);
  const replace = (updated: AdminApp) => setApps(apps.map((a) => (a.id === updated.id ? updated : a)));

  return (
    <div class="apps">
      <ErrorText error={error} />
      <Notice text={notice} />
      <div class="table-scroll" tabIndex={0} aria-label="Apps (scrolls sideways)">
        <table>
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">WebAuth URL</th>
              <th scope="col">Webhook URL</th>
              <th scope="col">Webhook events</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {apps.map((a) => (
              <tr key={a.id} class={a.id === selected ? 'selected' : undefined}>
                <th scope="row">
                  <button type="button" class="link" aria-pressed={a.id === selected} onClick={() => onSelect(a.id)}>
                    {a.id}
                  </button>
                </th>
                <td class="wrap">{a.webauth_url ?? '—'}</td>
                <td class="wrap">{a.webhook_url ?? '—'}</td>
                <td>{a.webhook_events.join(', ') || 'none'}</td>
                <td>{dateTime(a.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {current ? <AppEditor key={`${current.id}-${current.updated_at}`} api={api} app={current} onChanged={replace} /> : null}
      {current ? <ChatSettings api={api} appId={current.id} /> : null}
      {current ? <FailedDeliveries api={api} appId={current.id} /> : null}
      <form class="card" onSubmit={create} aria-labelledby="new-app-title">
        <h3 id="new-app-title">New app</h3>
        <Field label="App id" name="id" value={newId} onInput={(e) => setNewId(e.currentTarget.value)} required pattern="[A-Za-z0-9_\-]{1,64}" hint="1-64 characters of A-Z, a-z, 0-9, _ and -. A random API key is made." />
        <Field label="WebAuth URL (optional)" name="webauth_url" type="url" value={newWebauth} onInput={(e) => setNewWebauth(e.currentTarget.value)} />
        <Field label="Webhook URL (optional)" name="webhook_url" type="url" value={newWebhook} onInput={(e) => setNewWebhook(e.currentTarget.value)} />
        <button type="submit">Create app</button>
      </form>
    </div>
  );
}
