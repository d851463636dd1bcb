/**
 * The debug console of one app: its live activity on every node, newest first, filtered by channel,
 * event and user; paused and resumed; with what the server left out under load said on screen; and a
 * form that publishes a test event through the Service API.
 */
import { ACTIVITY_TYPES, type ActivityEvent, type ActivityFrame, type ActivityType } from '@parley/protocol';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { messageOf, type AdminApi } from './api.ts';
import { clock, ErrorText, Field, Notice, num } from './ui.tsx';

/** Events kept on screen, and held while paused. */
const SHOWN_MAX = 500;
const RECONNECT_MS = 2000;

type Status = { state: 'connecting' } | { state: 'live'; node: string; rate: number } | { state: 'down'; reason: string };

interface Counters {
  received: number;
  droppedSource: number;
  droppedConsole: number;
  /** Arrived while paused beyond what is held. */
  droppedPaused: number;
}

const TYPE_LABELS: Record<ActivityType, string> = {
  connect: 'connect',
  disconnect: 'disconnect',
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  publish: 'publish',
  webauth: 'WebAuth',
  webhook: 'webhook',
  chat_send: 'chat send',
  moderation: 'moderation',
};

/** An event as kept on screen, with its arrival number (its key). */
type Shown = ActivityEvent & { seq: number };

const contains = (value: string | undefined, wanted: string): boolean => wanted === '' || (value ?? '').toLowerCase().includes(wanted.toLowerCase());

interface Filters {
  channel: string;
  event: string;
  user: string;
  type: ActivityType | '';
}

function matches(e: ActivityEvent, f: Filters): boolean {
  if (f.type !== '' && e.type !== f.type) return false;
  if (f.channel !== '' && !(contains(e.channel, f.channel) || (e.channels ?? []).some((c) => contains(c, f.channel)))) return false;
  return contains(e.event, f.event) && contains(e.user, f.user);
}

/** What one event says beyond its columns. */
function summary(e: ActivityEvent): string {
  const parts: string[] = [];
  if (e.outcome) parts.push(`${e.outcome}${e.status ? ` ${e.status}` : ''}${e.ms !== undefined ? ` in ${e.ms} ms` : ''}`);
  if (e.transport) parts.push(`${e.kind ?? ''} via ${e.transport}`.trim());
  if (e.detail) parts.push(e.detail);
  return parts.join(' · ');
}

function EventRow({ e }: { e: ActivityEvent }) {
  const channel = e.channel ?? e.channels?.join(', ');
  return (
    <li class={`event type-${e.type}`}>
      <span class="when mono">{clock(e.at)}</span>
      <span class="badge">{TYPE_LABELS[e.type]}</span>
      {e.event ? <span class="ev mono">{e.event}</span> : null}
      {channel ? <span class="channel mono">#{channel}</span> : null}
      {e.user ? <span class="user">user {e.user}</span> : null}
      {e.session ? <span class="session mono">session {e.session.slice(0, 8)}…</span> : null}
      <span class="node mono">{e.node}</span>
      {summary(e) ? <span class="summary">{summary(e)}</span> : null}
      {e.data !== undefined ? <code class="data">{e.data}</code> : null}
    </li>
  );
}

function TestEvent({ api, app }: { api: AdminApi; app: string }) {
  const [channels, setChannels] = useState('test');
  const [event, setEvent] = useState('console_test');
  const [data, setData] = useState('{"hello":"from the console"}');
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError(undefined);
    let payload: unknown = data;
    try {
      const parsed: unknown = JSON.parse(data);
      if (parsed !== null && typeof parsed === 'object') payload = parsed;
    } catch {
      // Not JSON: published as the text it is.
    }
    try {
      const list = channels.split(',').map((c) => c.trim()).filter(Boolean);
      const answer = await api.send<{ accepted: string }>('POST', `/apps/${encodeURIComponent(app)}/events`, { channels: list, event, data: payload });
      setNotice(`Published "${event}" to ${list.join(', ')} (accepted by ${answer.accepted}).`);
    } catch (err) {
      setNotice(undefined);
      setError(messageOf(err));
    }
  };
  return (
    <form class="test-event" onSubmit={submit} aria-labelledby="test-event-title">
      <h3 id="test-event-title">Send a test event</h3>
      <p class="hint">Published through the Service API (POST /v2/event/{app}/channel) with the app’s key.</p>
      <div class="row">
        <Field label="Channels (comma-separated)" name="channels" value={channels} onInput={(e) => setChannels(e.currentTarget.value)} required />
        <Field label="Event" name="event" value={event} onInput={(e) => setEvent(e.currentTarget.value)} required />
      </div>
      <div class="field">
        <label for="test-event-data">Data (JSON, or text)</label>
        <textarea id="test-event-data" name="data" rows={3} value={data} onInput={(e) => setData(e.currentTarget.value)} />
      </div>
      <button type="submit">Publish</button>
      <ErrorText error={error} />
      <Notice text={notice} />
    </form>
  );
}

export function DebugConsole({ api, app }: { api: AdminApi; app: string }) {
  const [events, setEvents] = useState<Shown[]>([]);
  const [status, setStatus] = useState<Status>({ state: 'connecting' });
  const [paused, setPaused] = useState(false);
  const [counters, setCounters] = useState<Counters>({ received: 0, droppedSource: 0, droppedConsole: 0, droppedPaused: 0 });
  const [filters, setFilters] = useState<Filters>({ channel: '', event: '', user: '', type: '' });
  const held = useRef<Shown[]>([]);
  const seq = useRef(0);
  const pausedRef = useRef(false);
  pausedRef.current = paused;

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setEvents([]);
    held.current = [];
    const onFrame = (frame: ActivityFrame) => {
      if (frame.type === 'hello') setStatus({ state: 'live', node: frame.node, rate: frame.sampleRatePerS });
      else if (frame.type === 'end') setStatus({ state: 'down', reason: frame.reason });
      else if (frame.type === 'activity') {
        const fresh = frame.events.map((e) => ({ ...e, seq: ++seq.current })).reverse();
        let overflow = 0;
        if (pausedRef.current) {
          held.current = [...fresh, ...held.current];
          overflow = Math.max(0, held.current.length - SHOWN_MAX);
          held.current.length = Math.min(held.current.length, SHOWN_MAX);
        } else setEvents((list) => [...fresh, ...list].slice(0, SHOWN_MAX));
        setCounters((c) => ({
          received: c.received + frame.events.length,
          droppedSource: c.droppedSource + frame.dropped.source,
          droppedConsole: c.droppedConsole + frame.dropped.console,
          droppedPaused: c.droppedPaused + overflow,
        }));
      }
    };
    const connect = () => {
      setStatus({ state: 'connecting' });
      api.stream<ActivityFrame>(`/apps/${encodeURIComponent(app)}/activity`, onFrame, abort.signal).then(
        () => reconnect('the stream ended'),
        (err: unknown) => reconnect(messageOf(err)),
      );
    };
    const reconnect = (reason: string) => {
      if (abort.signal.aborted) return;
      setStatus({ state: 'down', reason: `${reason}; reconnecting…` });
      timer = setTimeout(connect, RECONNECT_MS);
    };
    connect();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [api, app]);

  const resume = () => {
    setEvents((list) => [...held.current, ...list].slice(0, SHOWN_MAX));
    held.current = [];
    setPaused(false);
  };
  const shown = useMemo(() => events.filter((e) => matches(e, filters)), [events, filters]);
  const dropped = counters.droppedSource + counters.droppedConsole + counters.droppedPaused;
  const set = (key: keyof Filters) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) => setFilters({ ...filters, [key]: e.currentTarget.value });

  return (
    <div class="debug-console">
      <div class="toolbar" role="group" aria-label="Debug console controls">
        <Field label="Channel contains" name="channel" value={filters.channel} onInput={set('channel')} placeholder="any" />
        <Field label="Event contains" name="event" value={filters.event} onInput={set('event')} placeholder="any" />
        <Field label="User contains" name="user" value={filters.user} onInput={set('user')} placeholder="any" />
        <div class="field">
          <label for="activity-type">Kind</label>
          <select id="activity-type" value={filters.type} onChange={set('type')}>
            <option value="">all</option>
            {ACTIVITY_TYPES.map((t) => (
              <option key={t} value={t}>
                {TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        <div class="buttons">
          {paused ? (
            <button type="button" id="resume" onClick={resume}>
              Resume ({num(held.current.length)} held)
            </button>
          ) : (
            <button type="button" id="pause" onClick={() => setPaused(true)}>
              Pause
            </button>
          )}
          <button type="button" class="secondary" onClick={() => setEvents([])}>
            Clear
          </button>
        </div>
      </div>
      <p id="stream-status" class={`stream-status ${status.state}`} role="status">
        {status.state === 'live' ? `Live on ${status.node}` : status.state === 'connecting' ? 'Connecting…' : `Not connected: ${status.reason}`}
        {` · ${num(counters.received)} events received`}
        {paused ? ' · paused' : ''}
      </p>
      {dropped > 0 ? (
        <p id="stream-dropped" class="warning">
          {num(dropped)} events not shown: {num(counters.droppedSource)} sampled out by the nodes (each keeps at most {status.state === 'live' ? num(status.rate) : 'a few hundred'} per
          second per app, so that watching never slows delivery), {num(counters.droppedConsole)} dropped because this console fell behind
          {counters.droppedPaused > 0 ? `, ${num(counters.droppedPaused)} while paused` : ''}.
        </p>
      ) : null}
      <ol id="activity" class="events" aria-label="Activity, newest first" hidden={shown.length === 0}>
        {shown.map((e) => (
          <EventRow key={e.seq} e={e} />
        ))}
      </ol>
      {shown.length === 0 ? <p class="hint">Nothing yet{events.length > 0 ? ' that matches the filters' : ''}.</p> : null}
      <TestEvent api={api} app={app} />
    </div>
  );
}
