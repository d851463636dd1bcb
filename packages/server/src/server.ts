/**
 * Composition root: builds storage, apps, the realtime node with its broker and presence store, the
 * HTTP API and the socket.io transport, and owns start and graceful stop. main.ts and the tests both
 * start Parley through `createParley`.
 */
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Server as SocketIoServer } from 'socket.io';
import { ActivityFeed } from './admin/activity-feed.ts';
import { createAdmin, type Admin } from './admin/admin.ts';
import { ConsoleBus } from './admin/console-bus.ts';
import { AppService } from './apps/app.service.ts';
import { openCluster, type Cluster } from './cluster/cluster.ts';
import type { RedisPresenceOptions } from './cluster/redis-presence.ts';
import { bootstrapApp, type BootstrapResult } from './apps/bootstrap.ts';
import { createChat, type Chat } from './chat/chat.ts';
import type { ChatLimits } from './chat/chat-context.ts';
import type { TypingTiming } from './chat/typing.service.ts';
import type { ExportJobOptions } from './chat/export-jobs.ts';
import type { Config } from './config.ts';
import { devTokenApp } from './http/dev.routes.ts';
import { buildHttp } from './http/http-server.ts';
import { MemoryBroker, type Broker } from './realtime/broker.ts';
import { HooksClient } from './realtime/hooks-client.ts';
import { registerOutboxMetrics } from './observability/outbox-metrics.ts';
import { Hub } from './realtime/hub.ts';
import { DEFAULT_REALTIME_LIMITS, RealtimeNode, type RealtimeLimits } from './realtime/node.ts';
import { HubPresence, type PresenceStore } from './realtime/presence.ts';
import { Admission } from './realtime/admission.ts';
import { clientAddress } from './realtime/client-ip.ts';
import { attachSocketIo } from './realtime/socketio-transport.ts';
import { attachLegacy09, type Legacy09Options } from './legacy09/index.ts';
import { WebAuth } from './realtime/webauth.ts';
import { Webhooks } from './realtime/webhooks.ts';
import { randomSecret } from './secrets.ts';
import { Metrics } from './observability/metrics.ts';
import { prepareDataDir } from './storage/data-dir.ts';
import { openStorage, type Storage } from './storage/database.ts';

export interface ParleyOptions {
  log: Logger;
  /** Overrides of the realtime limits (tests use small ones). */
  realtimeLimits?: Partial<RealtimeLimits>;
  /** Overrides of the cluster presence timing (tests use short ones). */
  presenceTiming?: Partial<RedisPresenceOptions>;
  /** Overrides of the socket.io 0.9 timers and limits (tests use short ones). */
  legacy09?: Partial<Legacy09Options>;
  /** Overrides of the chat limits (tests use a small upload size). */
  chatLimits?: Partial<ChatLimits>;
  /** Overrides of the typing timing (tests use short ones). */
  typingTiming?: Partial<TypingTiming>;
  /** Overrides of the export worker's timing (tests use short ones). */
  exportTiming?: Partial<Pick<ExportJobOptions, 'leaseMs' | 'pollMs' | 'batchSize'>>;
}

export interface Parley {
  config: Readonly<Config>;
  http: FastifyInstance;
  io: SocketIoServer;
  node: RealtimeNode;
  hub: Hub;
  metrics: Metrics;
  apps: AppService;
  chat: Chat;
  storage: Storage;
  bootstrap: BootstrapResult;
  /** The operator console (its token, audit log and routes). */
  admin: Admin;
  /** The base URL actually listened on (port 0 resolved). */
  url: string;
  /** Starts listening; resolves once connections are accepted. */
  listen(): Promise<string>;
  /** Stops taking work: `/ready` and the APIs answer 503, sessions are disconnected with a reason. */
  drain(): void;
  /** Graceful stop: drain, finish in-flight requests and hooks, close storage. */
  close(): Promise<void>;
}

/** Younger files may belong to an upload still in flight on some node. */
const ORPHAN_FILE_MIN_AGE_MS = 3600_000;

export async function createParley(config: Readonly<Config>, options: ParleyOptions): Promise<Parley> {
  const { log } = options;
  // Before anything writes there (SQLite, uploads): a missing or unusable DATA_DIR fails the start at once.
  prepareDataDir(config.dataDir);
  const hub = new Hub();
  const metrics = new Metrics(hub);
  const storage = await openStorage({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, onQuery: (ms) => metrics.query(ms) });
  const apps = new AppService(storage);
  const bootstrap = await bootstrapApp(apps, config.bootstrapApp);

  const nodeId = `${hostname()}-${process.pid}-${randomSecret(4)}`;
  const hooks = new HooksClient({ timeoutMs: config.hookTimeoutMs, denyPrivate: config.outboundDenyPrivate, observe: (kind, result) => metrics.hook(kind, result) });
  let draining = false;
  let publicUrl = config.publicUrl;

  // Single node: in-memory broker and presence. REDIS_URL: the Redis-backed ones (src/cluster).
  let cluster: Cluster | undefined;
  let broker: Broker = new MemoryBroker();
  let presence: PresenceStore = new HubPresence(hub);
  if (config.redisUrl) {
    const ttlMs = config.presenceTtlS * 1000;
    cluster = await openCluster(config.redisUrl, config.redisPrefix, hub, log, {
      timing: { ttlMs, heartbeatMs: Math.floor(ttlMs / 3), ...options.presenceTiming },
      received: () => metrics.brokerReceived(),
    });
    broker = cluster.broker;
    presence = cluster.presence;
  }

  // The console's debug stream: the node and the hook clients report to the feed (admin/activity-feed.ts).
  const consoleBus = new ConsoleBus(broker, nodeId, log);
  const activity = new ActivityFeed(consoleBus, nodeId);

  const configured = config.limits;
  const limits: RealtimeLimits = {
    ...DEFAULT_REALTIME_LIMITS,
    subscriptionsPerSession: configured.subscriptionsPerSession,
    eventsPerSecond: configured.socketEventsPerS,
    eventsBurst: configured.socketEventsBurst,
    outboundMax: configured.outboundMax,
    outboundMaxBytes: configured.outboundMaxBytes,
    presenceMembersMax: configured.presenceMembersMax,
    ...options.realtimeLimits,
  };
  const node = new RealtimeNode({
    nodeId,
    hub,
    broker,
    presence,
    apps,
    webauth: new WebAuth(hooks, activity),
    webhooks: new Webhooks(hooks, activity),
    accessUrlTtlS: config.accessUrlTtlS,
    limits,
    log,
    observer: metrics,
    activity,
  });

  const chat = createChat({
    storage,
    apps,
    dataDir: config.dataDir,
    log,
    publicUrl: () => publicUrl,
    limits: { fileMaxBytes: configured.fileMaxBytes, ...options.chatLimits },
    // Typing states: in memory on one node, in Redis across a cluster (like the broker and presence).
    typingStore: cluster?.typing,
    typingTiming: options.typingTiming,
    exports: { perApp: config.exportJobsPerApp, urlTtlMs: config.exportUrlTtlS * 1000, ...options.exportTiming },
    // Sent from a thread of their own, with their own HTTP client (their timeout is not the RTCS hooks'
    // 1 s). One node is woken for every row it writes; a cluster also polls for the other nodes' rows.
    webhooks: {
      store: { dataDir: config.dataDir, databaseUrl: config.databaseUrl },
      hooks: { timeoutMs: config.chatWebhooks.timeoutMs, denyPrivate: config.outboundDenyPrivate },
      options: { ...config.chatWebhooks, pollMs: cluster ? config.chatWebhooks.pollMs : undefined },
      nodeId,
      observe: (outcome, event) => outboxMetrics.delivery(outcome, event),
    },
  });
  // The dispatcher reports only once started (listen()), after this.
  const outboxMetrics = registerOutboxMetrics(metrics.registry, chat.outbox.rows);

  // The HTTP server is built after the console (it mounts the console's routes); publishes wait for it.
  const serviceApi: { http?: FastifyInstance } = {};
  const admin = await createAdmin({
    storage,
    apps,
    chat,
    node,
    hub,
    metrics,
    bus: consoleBus,
    feed: activity,
    log,
    cluster: cluster !== undefined,
    adminToken: config.adminToken,
    // The console's test events go through the Service API itself, with the app's own key.
    async publish(app, body) {
      const res = await serviceApi.http!.inject({ method: 'POST', url: `/v2/event/${encodeURIComponent(app.id)}/channel`, headers: { 'x-nhn-apikey': app.apiKey }, payload: body as object });
      return { status: res.statusCode, body: res.json() };
    },
  });

  const devApp = devTokenApp(config.bootstrapApp, bootstrap, config.host);
  if (devApp) log.warn({ app: devApp.id }, 'demo app: POST /dev/token creates demo users for anyone on this machine (configure APP_ID and APP_API_KEY, or a non-loopback HOST, to turn it off)');
  const http = await buildHttp({
    log,
    logRequests: config.logRequests,
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    bodyLimit: configured.httpBodyMaxBytes,
    metrics,
    connections: {
      headersTimeoutMs: configured.httpHeadersTimeoutS * 1000,
      requestTimeoutMs: configured.httpRequestTimeoutS * 1000,
      keepAliveTimeoutMs: configured.httpKeepAliveTimeoutS * 1000,
      perIpMax: configured.connectionsPerIpMax,
    },
    rateLimits: { perIpPerSecond: config.rateLimitIpPerS, perAppPerSecond: config.rateLimitAppPerS, redis: cluster?.redis, nameSpace: cluster?.keys.rateLimit },
    rtcs: {
      apps,
      node,
      get publicUrl() {
        return publicUrl;
      },
    },
    chat: { apps, chat },
    admin: admin.routes,
    devTokens: devApp ? { app: devApp, chat } : undefined,
    health: {
      isDraining: () => draining,
      readinessChecks: { storage: () => storage.ping(), ...(cluster ? { redis: () => cluster.ping() } : {}) },
    },
  });
  await http.ready();
  serviceApi.http = http;

  const io = new SocketIoServer(http.server, {
    allowEIO3: true,
    // Clients send commands, not payloads: a larger packet or polling body ends the connection.
    maxHttpBufferSize: configured.socketMessageMaxBytes,
    cors: { origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: true },
    serveClient: false,
  });
  const outbound = { outboundMax: limits.outboundMax, outboundMaxBytes: limits.outboundMaxBytes };
  const admission = new Admission(configured, presence, log);
  const addressOf = clientAddress(config.trustProxy);
  attachSocketIo(io, node, log, { outbound, admission, addressOf, extra: [chat.attachRealtime(node)] });
  chat.bus.on((event) => {
    if (event.type === 'message_send') metrics.chatMessage(event.message.type);
  });
  const legacy09 = attachLegacy09(http.server, node, log, admission, addressOf, {
    ...outbound,
    maxBodyBytes: configured.socketMessageMaxBytes,
    corsOrigins: config.corsOrigins,
    ...options.legacy09,
  });

  const parley: Parley = {
    config,
    http,
    io,
    node,
    hub,
    metrics,
    apps,
    chat,
    storage,
    bootstrap,
    admin,
    url: publicUrl,
    async listen() {
      await http.listen({ port: config.port, host: config.host });
      const address = http.server.address() as AddressInfo;
      if (config.port === 0) publicUrl = config.publicUrl.replace(/:0$/, `:${address.port}`);
      parley.url = publicUrl;
      chat.outbox.dispatcher?.start();
      // Uploads a crash cut off between the file write and the commit: cleaned up in the background.
      orphanSweep = chat
        .sweepOrphanFiles(ORPHAN_FILE_MIN_AGE_MS)
        .then((removed) => void (removed > 0 && log.info({ removed }, 'removed uploaded files no message refers to')))
        .catch((err: unknown) => log.warn({ err }, 'orphan file sweep failed'));
      // Export jobs sign URLs with the public URL, known from here on.
      chat.exportJobs.start();
      return publicUrl;
    },
    drain() {
      if (draining) return;
      draining = true;
      admin.drain();
      node.disconnectAll('server is shutting down');
    },
    async close() {
      if (closing) return closing;
      parley.drain();
      closing = shutdown();
      return closing;
    },
  };
  let closing: Promise<void> | undefined;
  let orphanSweep: Promise<void> = Promise.resolve();
  async function shutdown(): Promise<void> {
    // Clients were told why at drain(); now close every engine.io connection, then stop listening and
    // wait for in-flight requests (their responses carry `connection: close`). Connections still open
    // near the deadline are cut so that the process exits in time.
    const deadline = setTimeout(() => http.server.closeAllConnections(), config.shutdownTimeoutS * 800);
    deadline.unref();
    io.engine.close();
    await legacy09.close();
    await http.close();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    clearTimeout(deadline);
    await hooks.close();
    // The round under way ends (each call bounded by its timeout) and the lease is given up for another node.
    await chat.outbox.dispatcher?.stop();
    admin.close();
    chat.close();
    await cluster?.close();
    // Deliveries still in flight read the member lists: let them finish before the store closes.
    await chat.idle();
    // Running exports go back to the queue for the next start.
    await chat.exportJobs.stop();
    await orphanSweep;
    await storage.close();
  }
  return parley;
}
