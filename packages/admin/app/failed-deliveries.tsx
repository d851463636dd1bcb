/** One app's chat webhook deliveries that failed after their last try, newest first, each retried on demand. */
import type { ChatWebhookDelivery, ChatWebhookDeliveryPage } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { messageOf, type AdminApi } from './api.ts';
import { dateTime, ErrorText, Notice } from './ui.tsx';

/** What the payload is about, in a few words: the message or the user and its channel. */
function subject(d: ChatWebhookDelivery): string {
  const p = d.payload as { message?: { message_id?: number }; user?: { user_id?: string } };
  const what = p.message?.message_id !== undefined ? `message ${p.message.message_id}` : p.user?.user_id !== undefined ? `user ${p.user.user_id}` : '';
  return [d.channel_id, what].filter(Boolean).join(' · ');
}

export function FailedDeliveries({ api, appId }: { api: AdminApi; appId: string }) {
  const [deliveries, setDeliveries] = useState<ChatWebhookDelivery[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const path = `/apps/${encodeURIComponent(appId)}/chat-webhook-deliveries`;

  const load = async (after?: string) => {
    setError(undefined);
    try {
      const page = await api.get<ChatWebhookDeliveryPage>(path, { status: 'failed', limit: 20, next: after });
      setDeliveries((list) => (after ? [...list, ...page.deliveries] : page.deliveries));
      setNext(page.next);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => {
    setDeliveries([]);
    setNotice(undefined);
    void load();
  }, [api, appId]);

  const retry = async (d: ChatWebhookDelivery) => {
    setError(undefined);
    setNotice(undefined);
    try {
      await api.send<ChatWebhookDelivery>('POST', `${path}/${encodeURIComponent(d.id)}/retry`);
      setDeliveries((list) => list.filter((x) => x.id !== d.id));
      setNotice(`Delivery ${d.id} (${d.event}) is being sent again.`);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <section class="card" aria-labelledby="failed-deliveries-title">
      <h3 id="failed-deliveries-title">Failed deliveries of {appId}</h3>
      <p class="hint">Chat webhook events whose last try failed (after the retries 1 s, 10 s and 60 s later). A retry sends one again under the same X-Parley-Delivery.</p>
      <div class="toolbar">
        <button type="button" class="secondary" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <ErrorText error={error} />
      <Notice text={notice} />
      <div class="table-scroll" tabIndex={0} aria-label="Failed deliveries (scrolls sideways)">
        <table id="failed-deliveries">
          <thead>
            <tr>
              <th scope="col">Committed</th>
              <th scope="col">Event</th>
              <th scope="col">About</th>
              <th scope="col">Tries</th>
              <th scope="col">Last error</th>
              <th scope="col">Delivery id</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-delivery={d.id}>
                <td>{dateTime(d.created_at)}</td>
                <td class="mono">{d.event}</td>
                <td class="wrap">{subject(d)}</td>
                <td>{d.attempts}</td>
                <td class="wrap">{d.last_error}</td>
                <td class="mono wrap">{d.id}</td>
                <td>
                  <button type="button" class="secondary" onClick={() => void retry(d)} aria-label={`Retry delivery ${d.id}`}>
                    Retry
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {deliveries.length === 0 && !error ? <p class="hint">No failed deliveries.</p> : null}
      {next ? (
        <button type="button" class="secondary" onClick={() => void load(next)}>
          Older deliveries
        </button>
      ) : null}
    </section>
  );
}
