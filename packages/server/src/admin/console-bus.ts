/**
 * The console's traffic between nodes, carried by the realtime broker under the pseudo-app ADMIN_BUS:
 * - `#watch`: each node announces what its open consoles watch (apps, the overview) on every change and
 *   every ANNOUNCE_MS while it watches anything; an entry not renewed within WATCH_TTL_MS is forgotten,
 *   so a node that died stops being obeyed. Every node listens here from its start, and asks the others
 *   to announce at once. Nobody watching: nothing is sent at all.
 * - `#debug:{app}`: activity batches of a watched app, subscribed only by nodes with a console on it.
 * - `#stats`: node figures, published once a second by every node while some overview is open, and
 *   subscribed only by nodes serving one.
 * A single node uses the in-memory broker, which hands every message straight back: the same code runs.
 */
import { Payload } from '../realtime/payload.ts';
import type { ActivityEvent, NodeStats } from '@parley/protocol';
import type { Logger } from 'pino';
import { ADMIN_BUS } from '../realtime/activity.ts';
import { newMessageId, type Broker, type Publication } from '../realtime/broker.ts';

export const ANNOUNCE_MS = 5_000;
export const WATCH_TTL_MS = 15_000;

const WATCH_CHANNEL = '#watch';
const STATS_CHANNEL = '#stats';
const debugChannel = (appId: string): string => `#debug:${appId}`;

/** What one node's activity of one app adds up to since its last batch. */
export interface ActivityBatch {
  node: string;
  events: ActivityEvent[];
  /** Left out at the source by sampling. */
  dropped: number;
}

interface WatchAnnouncement {
  node: string;
  apps: string[];
  overview: boolean;
  /** Asks every other node to announce now (sent by a node that just started). */
  ask?: boolean;
}

interface RemoteWatch {
  apps: readonly string[];
  overview: boolean;
  expires: number;
}

/** Most apps one announcement may name (consoles per node are capped far below this). */
const ANNOUNCED_APPS_MAX = 256;

export class ConsoleBus {
  /** Apps some console in the cluster watches: the activity tap's one lookup. */
  readonly watched = new Set<string>();
  /** True while some console in the cluster shows the overview. */
  overviewWatched = false;

  private readonly remote = new Map<string, RemoteWatch>();
  private readonly localApps = new Map<string, number>();
  private localOverviewUntil = 0;
  private announceTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly activityHandlers = new Set<(appId: string, batch: ActivityBatch) => void>();
  private statsHandler: (stats: NodeStats) => void = () => {};
  private changeHandler: () => void = () => {};
  private statsSubscribed = false;
  private closed = false;

  constructor(
    private readonly broker: Broker,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  /** Starts listening for announcements and asks the other nodes for theirs. */
  async start(): Promise<void> {
    await this.broker.subscribe(ADMIN_BUS, WATCH_CHANNEL);
    this.send(WATCH_CHANNEL, 'watch', { node: this.nodeId, apps: [], overview: false, ask: true } satisfies WatchAnnouncement);
  }

  onActivity(handler: (appId: string, batch: ActivityBatch) => void): void {
    this.activityHandlers.add(handler);
  }

  onStats(handler: (stats: NodeStats) => void): void {
    this.statsHandler = handler;
  }

  /** Called when `watched` or `overviewWatched` changed. */
  onChange(handler: () => void): void {
    this.changeHandler = handler;
  }

  /** A local console starts watching `appId`; resolves once other nodes' batches reach this node. Call the returned function when it stops. */
  async watchApp(appId: string): Promise<() => void> {
    const n = this.localApps.get(appId) ?? 0;
    this.localApps.set(appId, n + 1);
    if (n === 0) {
      try {
        await this.broker.subscribe(ADMIN_BUS, debugChannel(appId));
      } catch (err) {
        this.releaseApp(appId);
        throw err;
      }
      this.announce();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.releaseApp(appId);
    };
  }

  private releaseApp(appId: string): void {
    const n = (this.localApps.get(appId) ?? 1) - 1;
    if (n > 0) {
      this.localApps.set(appId, n);
      return;
    }
    this.localApps.delete(appId);
    void this.broker.unsubscribe(ADMIN_BUS, debugChannel(appId));
    this.announce();
  }

  /** A local console shows the overview now; it stays watched for WATCH_TTL_MS after the last call. */
  async watchOverview(): Promise<void> {
    const was = this.localOverviewUntil > Date.now();
    this.localOverviewUntil = Date.now() + WATCH_TTL_MS;
    if (!this.statsSubscribed) {
      this.statsSubscribed = true;
      try {
        await this.broker.subscribe(ADMIN_BUS, STATS_CHANNEL);
      } catch (err) {
        this.statsSubscribed = false;
        throw err;
      }
    }
    if (!was) this.announce();
  }

  /** This node's figures, for every node serving an overview. */
  publishStats(stats: NodeStats): void {
    this.send(STATS_CHANNEL, 'stats', stats);
  }

  /** A batch of this node's activity of `appId`, for every node with a console on it. */
  publishActivity(appId: string, batch: ActivityBatch): void {
    this.send(debugChannel(appId), 'activity', batch);
  }

  /** A message on ADMIN_BUS reached this node (the node's broker handler passes it here). */
  received(m: Publication): void {
    const channel = m.channels[0] ?? '';
    const payload = m.payload.args[0];
    if (channel === WATCH_CHANNEL) this.receiveWatch(payload as WatchAnnouncement);
    else if (channel === STATS_CHANNEL) this.statsHandler(payload as NodeStats);
    else if (channel.startsWith('#debug:')) {
      const appId = channel.slice('#debug:'.length);
      if (this.localApps.has(appId)) for (const handler of this.activityHandlers) handler(appId, payload as ActivityBatch);
    }
  }

  /** Stops announcing (shutdown): the others forget this node's watches within WATCH_TTL_MS. */
  close(): void {
    this.closed = true;
    clearTimeout(this.announceTimer);
    clearInterval(this.sweepTimer);
  }

  private receiveWatch(a: WatchAnnouncement): void {
    if (!a || typeof a.node !== 'string' || !Array.isArray(a.apps)) return;
    if (a.apps.length === 0 && !a.overview) this.remote.delete(a.node);
    else this.remote.set(a.node, { apps: a.apps.slice(0, ANNOUNCED_APPS_MAX), overview: a.overview === true, expires: Date.now() + WATCH_TTL_MS });
    if (a.ask && a.node !== this.nodeId && this.watchesAnything()) this.announce();
    this.recompute();
  }

  private watchesAnything(): boolean {
    return this.localApps.size > 0 || this.localOverviewUntil > Date.now();
  }

  /** Tells every node (this one included, through the bus) what this node watches; renews while it does. */
  private announce(): void {
    if (this.closed) return;
    clearTimeout(this.announceTimer);
    const overview = this.localOverviewUntil > Date.now();
    this.send(WATCH_CHANNEL, 'watch', { node: this.nodeId, apps: [...this.localApps.keys()], overview } satisfies WatchAnnouncement);
    if (!overview && this.statsSubscribed) {
      this.statsSubscribed = false;
      void this.broker.unsubscribe(ADMIN_BUS, STATS_CHANNEL);
    }
    if (!this.watchesAnything()) return;
    this.announceTimer = setTimeout(() => this.announce(), ANNOUNCE_MS);
    this.announceTimer.unref();
  }

  /** Rebuilds `watched` from the live announcements; sweeps expired ones while any are held. */
  private recompute(): void {
    const now = Date.now();
    const apps = new Set<string>();
    let overview = false;
    for (const [node, w] of this.remote) {
      if (w.expires <= now) {
        this.remote.delete(node);
        continue;
      }
      for (const app of w.apps) apps.add(app);
      overview ||= w.overview;
    }
    const changed = overview !== this.overviewWatched || apps.size !== this.watched.size || [...apps].some((a) => !this.watched.has(a));
    if (changed) {
      this.watched.clear();
      for (const app of apps) this.watched.add(app);
      this.overviewWatched = overview;
    }
    if (this.remote.size > 0 && !this.sweepTimer && !this.closed) {
      this.sweepTimer = setInterval(() => this.recompute(), 1000);
      this.sweepTimer.unref();
    } else if (this.remote.size === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
    }
    if (changed) this.changeHandler();
  }

  private send(channel: string, event: string, payload: unknown): void {
    this.broker.publish({ id: newMessageId(), appId: ADMIN_BUS, channels: [channel], event, payload: Payload.of([payload]) }).catch((err: unknown) => {
      this.log.debug({ err, channel }, 'console bus: publish failed');
    });
  }
}
