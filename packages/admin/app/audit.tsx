/** The audit log: who did what, when, newest first, by pages; all apps or the selected one. */
import type { AuditEntry, AuditPage } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, type AdminApi } from './api.ts';
import { dateTime, ErrorText } from './ui.tsx';

const ACTION_LABELS: Record<AuditEntry['action'], string> = {
  app_create: 'created the app',
  app_update: 'changed the hooks',
  app_rotate_key: 'rotated the API key',
  app_chat_settings: 'changed the chat settings',
  user_mute: 'muted',
  user_unmute: 'lifted a mute',
  message_delete: 'deleted a message',
  channel_freeze: 'froze a channel',
  channel_unfreeze: 'unfroze a channel',
  user_ban: 'banned a user',
  user_unban: 'lifted a ban',
  user_revoke_tokens: "revoked a user's tokens",
  session_disconnect: 'disconnected a session',
  event_publish: 'published a test event',
  chat_webhook_retry: 'retried a chat webhook delivery',
};

export function AuditLog({ api, app }: { api: AdminApi; app: string | undefined }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [onlyApp, setOnlyApp] = useState(false);
  const [error, setError] = useState<string>();

  const load = async (before?: string) => {
    setError(undefined);
    try {
      const page = await api.get<AuditPage>('/audit', { before, limit: 50, app: onlyApp ? app : undefined });
      setEntries((list) => (before ? [...list, ...page.entries] : page.entries));
      setNext(page.next);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => void load(), [api, onlyApp, app]);

  return (
    <div class="audit">
      <div class="toolbar">
        {app ? (
          <label class="choice">
            <input type="checkbox" checked={onlyApp} onChange={(e) => setOnlyApp(e.currentTarget.checked)} /> Only app {app}
          </label>
        ) : null}
        <button type="button" class="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <ErrorText error={error} />
      <div class="table-scroll" tabIndex={0} aria-label="Audit log (scrolls sideways)">
        <table id="audit">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">App</th>
              <th scope="col">Target</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-action={e.action}>
                <td>{dateTime(e.at)}</td>
                <td>
                  {e.actor} <span class="detail">from {e.ip}</span>
                </td>
                <td>{ACTION_LABELS[e.action]}</td>
                <td>{e.app}</td>
                <td class="mono wrap">{e.target}</td>
                <td class="mono wrap">{e.detail === '{}' ? '' : e.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.length === 0 ? <p class="hint">Nothing recorded yet.</p> : null}
      {next ? (
        <button type="button" class="secondary" onClick={() => void load(next)}>
          Older entries
        </button>
      ) : null}
    </div>
  );
}
