/**
 * Scenario 4, chat (Parley only: neither baseline has a chat API). Users, group channels of 10 members
 * and session tokens are made through the Platform API; every member connects as the SDK does (socket.io
 * auth `{app_id, user_id, token}`); then closed-loop senders POST text messages for a while (the
 * capacity: messages/s at saturation, where latency is mostly queueing), and then messages leave on a
 * schedule at a steady rate (open loop: the latency at that load). Result: messages/s (201s), the send
 * call's latency, and `group:message_send` deliveries counted at the members against what was expected
 * (each message reaches every member of its channel, the sender included).
 */
import { ClientPool } from '../lib/client-pool.ts';
import { Histogram, type LatencySummary } from '../lib/histogram.ts';
import type { ChatAuth, ConnectSpec } from '../lib/ipc.ts';
import { createPlatformApi, forEachLimited, type PlatformApi } from '../lib/platform-api.ts';
import { cpuMs, sleep } from '../lib/proc.ts';
import { createDatabase, type BenchDatabase } from '../lib/services.ts';
import { BENCH_API_KEY, startParley, type StartOptions, type Target } from '../lib/targets.ts';
import type { BenchOptions, ChatEngine } from '../options.ts';
import { round } from './run-target.ts';

export interface ChatResult {
  engine: ChatEngine;
  channels: number;
  membersPerChannel: number;
  connected: number;
  senders: number;
  seconds: number;
  /** Messages the API accepted (201) in the measured time. */
  sent: number;
  messagesPerSecond: number;
  /** Sends answered with another status, or not at all; `errorStatuses` counts them by status (0 = network). */
  errors: number;
  errorStatuses: Record<string, number>;
  /** The send call's HTTP round trip, ms. */
  api: LatencySummary;
  deliveries: number;
  /** sent × connected members of the channel, summed over channels. */
  expectedDeliveries: number;
  /** Send (harness clock, before the POST) → `group:message_send` at a member, ms. */
  delivery: LatencySummary;
  /** CPU used during the measured sends, % of one core: tells a busy server from a slow harness. */
  serverCpuPercent: number;
  harnessCpuPercent: number;
  /** Server CPU per accepted message: what one core could carry (1000 / this) whatever else runs on the machine. */
  serverCpuMsPerMessage: number;
  /** The open-loop run: at `opts.chat.steadyRate`, or at 80% of the closed loop's rate when that is lower. */
  steady: SteadyChat;
  setupMs: number;
}

export interface SteadyChat {
  rate: number;
  /** Sends actually started per second (the schedule may slip on a loaded machine). */
  achievedRate: number;
  sent: number;
  /** 201s per second of the run. */
  messagesPerSecond: number;
  errors: number;
  api: LatencySummary;
  deliveries: number;
  expectedDeliveries: number;
  delivery: LatencySummary;
}

/** Parallel setup calls: enough to be quick, few enough not to look like the load being measured. */
const SETUP_CONCURRENCY = 16;
const TOKEN_TTL_MS = 3_600_000;

/**
 * What the app is set up with before the sends: `webhookUrl` turns on its chat webhooks (message sends
 * and push hand-offs) to that receiver; `pushTokens`: every member registers a device token, as the
 * users of a mobile app do, so that each message has push candidates to resolve.
 */
export interface ChatSetup {
  webhookUrl?: string;
  pushTokens?: boolean;
  /** Awaited after the measured sends, before the server stops (the webhook receiver waits for the dispatcher's first POSTs). */
  settle?: () => Promise<void>;
}

/** `startOptions`: e.g. `{nodeFlags: ['--cpu-prof']}` to profile the server's send path. */
export async function runChat(opts: BenchOptions, engine: ChatEngine, startOptions: StartOptions = {}, setup: ChatSetup = {}): Promise<ChatResult> {
  const { channels, membersPerChannel } = opts.chat;
  let db: BenchDatabase | undefined;
  let target: Target | undefined;
  let pool: ClientPool | undefined;
  let api: PlatformApi | undefined;
  try {
    if (engine === 'postgres') db = await createDatabase(opts.chat.postgresAdminUrl);
    target = await startParley({ ...startOptions, env: { ...startOptions.env, ...(db ? { DATABASE_URL: db.url } : {}) } });
    pool = ClientPool.start(opts.clientProcesses);
    // One socket per sender: a closed loop never has more calls in flight than that.
    api = createPlatformApi(target.baseUrl, target.appId, BENCH_API_KEY, Math.max(SETUP_CONCURRENCY, opts.chat.senders));

    const setupStarted = performance.now();
    const auths = await setUp(api, target.appId, channels, membersPerChannel);
    if (setup.webhookUrl) await api.must(200, 'PUT', '/application/settings', { chat_webhook_url: setup.webhookUrl, chat_webhook_events: ['group:message_send', 'push'] });
    if (setup.pushTokens) await registerPushTokens(target.baseUrl, auths);
    const setupMs = Math.round(performance.now() - setupStarted);
    const spec: ConnectSpec =
      opts.client === 'thin'
        ? { protocol: 'eio', url: `${target.baseUrl.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket` }
        : { protocol: 'sio', url: target.baseUrl };
    const conn = await pool.connect(auths.length, async () => spec, [], { auths, concurrency: 32 });
    if (conn.failed > 0) throw new Error(`${conn.failed} of ${auths.length} members failed to connect: ${conn.firstError}`);

    const warm = await send(api, opts, 0, opts.chat.warmupSeconds, new Histogram());
    await delivered(pool, warm.sent * membersPerChannel);
    pool.reset();
    const apiLatency = new Histogram();
    const serverCpu = cpuMs(target.pid);
    const harnessCpu = process.cpuUsage();
    const run = await send(api, opts, 1_000_000, opts.chat.seconds, apiLatency);
    const wallMs = run.seconds * 1000;
    const serverUsedMs = cpuMs(target.pid) - serverCpu;
    const serverCpuPercent = round((serverUsedMs / wallMs) * 100);
    const harnessUsed = process.cpuUsage(harnessCpu);
    const harnessCpuPercent = round(((harnessUsed.user + harnessUsed.system) / 1000 / wallMs) * 100);
    const expected = run.sent * membersPerChannel;
    const stats = await delivered(pool, expected);

    pool.reset();
    const steadyApi = new Histogram();
    // An engine that cannot carry the requested rate is measured where it can: past its capacity an
    // open loop only measures how long the queue has grown.
    const capacity = run.sent / run.seconds;
    const rate = capacity >= opts.chat.steadyRate ? opts.chat.steadyRate : Math.max(1, Math.floor(0.8 * capacity));
    const steadyRun = await sendSteady(api, opts, rate, 2_000_000, opts.chat.seconds, steadyApi);
    const steadyExpected = steadyRun.sent * membersPerChannel;
    const steadyStats = await delivered(pool, steadyExpected);
    await setup.settle?.();
    const steady: SteadyChat = {
      rate,
      achievedRate: round(steadyRun.started / steadyRun.seconds),
      sent: steadyRun.sent,
      messagesPerSecond: round(steadyRun.sent / steadyRun.seconds),
      errors: Object.values(steadyRun.errorStatuses).reduce((a, b) => a + b, 0),
      api: steadyApi.summary(),
      deliveries: steadyStats.received,
      expectedDeliveries: steadyExpected,
      delivery: steadyStats.latency.summary(),
    };
    return {
      engine,
      channels,
      membersPerChannel,
      connected: conn.ok,
      senders: opts.chat.senders,
      seconds: round(run.seconds, 3),
      sent: run.sent,
      messagesPerSecond: round(run.sent / run.seconds),
      errors: Object.values(run.errorStatuses).reduce((a, b) => a + b, 0),
      errorStatuses: run.errorStatuses,
      api: apiLatency.summary(),
      deliveries: stats.received,
      expectedDeliveries: expected,
      delivery: stats.latency.summary(),
      serverCpuPercent,
      harnessCpuPercent,
      serverCpuMsPerMessage: round(serverUsedMs / Math.max(1, run.sent), 3),
      steady,
      setupMs,
    };
  } finally {
    api?.close();
    await pool?.close();
    await target?.stop();
    await db?.drop();
    await sleep(500);
  }
}

const userId = (i: number): string => `chat-u${i}`;
const channelId = (c: number): string => `bench_ch_${c}`;

/** Users, channels (members c·m … c·m+m−1) and one session token per member; returns their connection auths. */
async function setUp(api: PlatformApi, appId: string, channels: number, members: number): Promise<ChatAuth[]> {
  const users = channels * members;
  await forEachLimited(users, SETUP_CONCURRENCY, async (i) => {
    await api.must(201, 'POST', '/users', { user_id: userId(i), name: `Bench user ${i}` });
  });
  await forEachLimited(channels, SETUP_CONCURRENCY, async (c) => {
    const ids = Array.from({ length: members }, (_, k) => userId(c * members + k));
    await api.must(201, 'POST', '/group/channels', { channel_id: channelId(c), name: `Bench channel ${c}`, members: ids });
  });
  const auths: ChatAuth[] = new Array(users);
  await forEachLimited(users, SETUP_CONCURRENCY, async (i) => {
    const body = (await api.must(200, 'POST', `/users/${userId(i)}/token`, { expires_at: Date.now() + TOKEN_TTL_MS })) as { token: string };
    auths[i] = { app_id: appId, user_id: userId(i), token: body.token };
  });
  return auths;
}

/** One FCM token per member, registered as the member (`/v1/sdk`, its own bearer token). */
async function registerPushTokens(baseUrl: string, auths: readonly ChatAuth[]): Promise<void> {
  await forEachLimited(auths.length, SETUP_CONCURRENCY, async (i) => {
    const { app_id, user_id, token } = auths[i]!;
    const res = await fetch(`${baseUrl}/v1/sdk/users/me/push_tokens`, {
      method: 'PUT',
      headers: { APP_ID: app_id, USER_ID: user_id, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'fcm', token: `bench-device-${user_id}` }),
    });
    if (res.status !== 200) throw new Error(`push token of ${user_id}: ${res.status} ${await res.text()}`);
  });
}

/** Message n: channel n mod channels, from its (n div channels) mod members-th member, numbered and timed in its meta. */
async function sendOne(api: PlatformApi, opts: BenchOptions, n: number, seq: number, latency: Histogram): Promise<number> {
  const { channels, membersPerChannel } = opts.chat;
  const c = n % channels;
  const from = c * membersPerChannel + (Math.floor(n / channels) % membersPerChannel);
  const at = performance.now();
  const meta = { s: String(seq), t: String(performance.timeOrigin + at) };
  let status = 0;
  try {
    status = (await api.call('POST', `/group/channels/${channelId(c)}/messages`, { type: 'text', user_id: userId(from), content: `message ${n}`, meta })).status;
  } catch {
    // status 0: the connection failed
  }
  latency.record(performance.now() - at);
  return status;
}

/** `senders` closed loops, each sending its next message as soon as the last one was answered, for `seconds`. */
async function send(api: PlatformApi, opts: BenchOptions, firstSeq: number, seconds: number, latency: Histogram) {
  const errorStatuses: Record<string, number> = {};
  let next = 0;
  let sent = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < until) {
      const n = next++;
      const status = await sendOne(api, opts, n, firstSeq + n, latency);
      if (status === 201) sent++;
      else errorStatuses[status] = (errorStatuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.chat.senders }, loop));
  return { sent, errorStatuses, seconds: (performance.now() - started) / 1000 };
}

/** Open loop: messages leave on schedule at `rate` per second, whatever the server does, for `seconds`. */
async function sendSteady(api: PlatformApi, opts: BenchOptions, rate: number, firstSeq: number, seconds: number, latency: Histogram) {
  const errorStatuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  let sent = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (started < due) {
      const n = started++;
      const call = sendOne(api, opts, n, firstSeq + n, latency).then((status) => {
        if (status === 201) sent++;
        else errorStatuses[status] = (errorStatuses[status] ?? 0) + 1;
      });
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    }
    await sleep(1);
  }
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(inFlight);
  return { started, sent, errorStatuses, seconds: elapsed };
}

/** Waits until the members have received `expected` messages (or 10 s went by without it). */
async function delivered(pool: ClientPool, expected: number) {
  const until = performance.now() + 10_000;
  let stats = await pool.stats();
  while (stats.received < expected && performance.now() < until) {
    await sleep(100);
    stats = await pool.stats();
  }
  return stats;
}
