/** Presence: who is in a presence_ or member_ channel now, cluster-wide; any one session can be disconnected with a reason. */
import type { AdminPresence } from '@parley/protocol';
import { useState } from 'preact/hooks';
import { messageOf, type AdminApi } from './api.ts';
import { ErrorText, Field, Notice, num } from './ui.tsx';

export function Presence({ api, app }: { api: AdminApi; app: string }) {
  const [channel, setChannel] = useState('');
  const [presence, setPresence] = useState<AdminPresence>();
  const [reason, setReason] = useState('disconnected by an operator');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const base = `/apps/${encodeURIComponent(app)}/presence`;

  const load = async (name = channel) => {
    setError(undefined);
    try {
      setPresence(await api.get<AdminPresence>(base, { channel: name }));
    } catch (err) {
      setPresence(undefined);
      setError(messageOf(err));
    }
  };
  const disconnect = async (session: string, user: string) => {
    if (!presence || !window.confirm(`Disconnect ${user} (session ${session}) from ${presence.channel}?`)) return;
    setError(undefined);
    try {
      await api.send('POST', `${base}/disconnect`, { channel: presence.channel, session, reason });
      setNotice(`Disconnected ${user} (session ${session}).`);
      // The node that held it acts on the control message a moment later.
      setTimeout(() => void load(presence.channel), 300);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <div class="presence">
      <form
        class="search"
        onSubmit={(ev) => {
          ev.preventDefault();
          void load();
        }}
      >
        <Field label="Channel (presence_… or member_…)" name="channel" value={channel} onInput={(e) => setChannel(e.currentTarget.value)} required pattern="(presence|member)_[A-Za-z0-9_\-]+" />
        <button type="submit">Show members</button>
      </form>
      <Field label="Reason the client is told" name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} maxLength={200} required />
      <ErrorText error={error} />
      <Notice text={notice} />
      {presence ? (
        <>
          <h3 id="presence-title">
            {presence.channel}: {num(presence.count)} session{presence.count === 1 ? '' : 's'}
          </h3>
          {presence.truncated ? <p class="warning">Showing the first {num(Object.keys(presence.members).length)}.</p> : null}
          <div class="table-scroll" tabIndex={0} aria-labelledby="presence-title">
            <table id="presence-members">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Session</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(presence.members).map(([session, user]) => (
                  <tr key={session}>
                    <th scope="row">{user}</th>
                    <td class="mono">{session}</td>
                    <td>
                      <button type="button" class="danger small" aria-label={`Disconnect ${user}, session ${session}`} onClick={() => void disconnect(session, user)}>
                        Disconnect
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
