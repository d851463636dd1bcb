/** The cluster at a glance: figures of every node and their sums, refreshed each second, with charts. */
import type { AdminOverview, HookCounts, NodeStats } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { messageOf, type AdminApi } from './api.ts';
import { LiveChart, WINDOW_S } from './live-chart.tsx';
import { dateTime, ErrorText, num, total } from './ui.tsx';

const POLL_MS = 1000;

interface History {
  t: number[];
  rtcs: number[];
  chat: number[];
  publishes: number[];
  deliveries: number[];
  chatSends: number[];
}

/** Kept while the console is open, so that the charts do not start over each time the overview is shown. */
let kept: History = { t: [], rtcs: [], chat: [], publishes: [], deliveries: [], chatSends: [] };

function append(h: History, o: AdminOverview): History {
  const from = o.at / 1000 - WINDOW_S;
  const start = h.t.findIndex((t) => t >= from);
  const keep = <T,>(list: T[], value: T): T[] => [...(start < 0 ? [] : list.slice(start)), value];
  const s = o.sum;
  return {
    t: keep(h.t, o.at / 1000),
    rtcs: keep(h.rtcs, total(s.connections.rtcs)),
    chat: keep(h.chat, total(s.connections.chat)),
    publishes: keep(h.publishes, s.rates.publishes),
    deliveries: keep(h.deliveries, s.rates.deliveries),
    chatSends: keep(h.chatSends, s.rates.chatSends),
  };
}

/** `12 failed (timeout 4, rejected 8)`. */
const failures = (counts: HookCounts): string => {
  const failed = Object.entries(counts).filter(([outcome, n]) => outcome !== 'ok' && n);
  const sum = failed.reduce((n, [, v]) => n + (v ?? 0), 0);
  return `${num(sum)} failed${failed.length ? ` (${failed.map(([o, n]) => `${o} ${num(n ?? 0)}`).join(', ')})` : ''}`;
};

function Stat({ id, label, value, detail }: { id: string; label: string; value: string; detail?: string }) {
  return (
    <div class="stat" id={id}>
      <dt>{label}</dt>
      <dd>
        <span class="value">{value}</span>
        {detail ? <span class="detail">{detail}</span> : null}
      </dd>
    </div>
  );
}

function transports(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([t, n]) => `${t} ${num(n)}`);
  return parts.length ? parts.join(', ') : 'none';
}

function NodeRow({ n }: { n: NodeStats }) {
  return (
    <tr>
      <th scope="row" class="mono">
        {n.node}
      </th>
      <td>{num(total(n.connections.rtcs))}</td>
      <td>{num(total(n.connections.chat))}</td>
      <td>{num(n.subscriptions)}</td>
      <td>{num(n.channels)}</td>
      <td>{num(n.rates.publishes)}</td>
      <td>{num(n.rates.deliveries)}</td>
      <td>{num(n.rates.chatSends)}</td>
      <td>{num(n.totals.slowConsumerDrops)}</td>
      <td>{dateTime(n.startedAt)}</td>
    </tr>
  );
}

export function Overview({ api }: { api: AdminApi }) {
  const [overview, setOverview] = useState<AdminOverview>();
  const [history, setHistory] = useState<History>(kept);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const o = await api.get<AdminOverview>('/overview');
        if (stopped) return;
        setOverview(o);
        setHistory((h) => (kept = append(h, o)));
        setError(undefined);
      } catch (err) {
        if (!stopped) setError(messageOf(err));
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api]);

  if (!overview) return <p>{error ? <ErrorText error={error} /> : 'Loading…'}</p>;
  const s = overview.sum;
  const rtcs = total(s.connections.rtcs);
  const chat = total(s.connections.chat);
  const data = (keys: Array<keyof Omit<History, 't'>>): uPlot.AlignedData => [history.t, ...keys.map((k) => history[k])];
  return (
    <div class="overview">
      <ErrorText error={error} />
      <dl class="stats">
        <Stat id="stat-nodes" label="Nodes" value={num(s.nodes)} detail={overview.cluster ? 'cluster (Redis)' : 'single node'} />
        <Stat id="stat-connections" label="Connections" value={num(rtcs + chat)} detail={`RTCS ${num(rtcs)} · chat ${num(chat)}`} />
        <Stat id="stat-subscriptions" label="Subscriptions" value={num(s.subscriptions)} />
        <Stat id="stat-channels" label="Channels" value={num(s.channels)} detail="hosted, summed over nodes" />
        <Stat id="stat-publishes" label="Publishes / s" value={num(s.rates.publishes)} detail={`${num(s.totals.publishes)} since start`} />
        <Stat id="stat-deliveries" label="Deliveries / s" value={num(s.rates.deliveries)} detail={`${num(s.totals.deliveries)} since start`} />
        <Stat id="stat-chat-sends" label="Chat sends / s" value={num(s.rates.chatSends)} detail={`${num(s.totals.chatSends)} since start`} />
        <Stat id="stat-drops" label="Slow-consumer drops" value={num(s.totals.slowConsumerDrops)} detail={`flood: ${num(s.totals.floodDrops)}`} />
        <Stat id="stat-webhooks" label="Webhooks delivered" value={num(s.totals.webhooks.ok ?? 0)} detail={failures(s.totals.webhooks)} />
        <Stat id="stat-webauth" label="WebAuth allowed" value={num(s.totals.webauth.ok ?? 0)} detail={failures(s.totals.webauth)} />
      </dl>
      <p class="detail">
        RTCS by transport: {transports(s.connections.rtcs)}. Chat by transport: {transports(s.connections.chat)}.
      </p>
      <div class="charts">
        <LiveChart title="Connections" series={[{ label: 'RTCS', stroke: '#0b57d0' }, { label: 'chat', stroke: '#a0430a' }]} data={data(['rtcs', 'chat'])} />
        <LiveChart title="Publishes and deliveries per second" series={[{ label: 'publishes', stroke: '#0b57d0' }, { label: 'deliveries', stroke: '#1e6b2e' }]} data={data(['publishes', 'deliveries'])} />
        <LiveChart title="Chat sends per second" series={[{ label: 'sends', stroke: '#7b1fa2' }]} data={data(['chatSends'])} />
      </div>
      <h3>Nodes</h3>
      <div class="table-scroll" tabIndex={0} aria-label="Nodes (scrolls sideways)">
        <table>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">RTCS</th>
              <th scope="col">Chat</th>
              <th scope="col">Subscriptions</th>
              <th scope="col">Channels</th>
              <th scope="col">Publishes/s</th>
              <th scope="col">Deliveries/s</th>
              <th scope="col">Chat sends/s</th>
              <th scope="col">Slow drops</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {overview.nodes.map((n) => (
              <NodeRow key={n.node} n={n} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
