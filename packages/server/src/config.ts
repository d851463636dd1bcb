/**
 * Server configuration: defaults, merged once with the environment and `--flags`, then frozen.
 * Only main.ts and cli.ts hand `process.env` / `process.argv` in; everything else receives a Config.
 */
import { CHAT_LIMITS, RTCS_LIMITS, type WebhookType } from '@parley/protocol';
import proxyAddr from '@fastify/proxy-addr';
import { hookUrlProblem, KNOWN_WEBHOOK_EVENTS, parseWebhookEvents } from './apps/hook-url.ts';
import type { TrustProxy } from './realtime/client-ip.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `json`: one pino JSON object per line (log collectors). `pretty`: coloured text for people. */
export type LogFormat = 'json' | 'pretty';

export interface BootstrapApp {
  id?: string;
  apiKey?: string;
  webauthUrl?: string;
  webhookUrl?: string;
  webhookEvents?: WebhookType[];
}

export interface Config {
  port: number;
  host: string;
  /** Base URL clients are handed in access URLs; derived from host and port when unset. */
  publicUrl: string;
  dataDir: string;
  /** Unset: SQLite under dataDir. `postgres://…`: PostgreSQL. */
  databaseUrl?: string;
  /** Unset: single node. Set: cluster mode. */
  redisUrl?: string;
  /** First part of every Redis key and channel: clusters with different prefixes can share a Redis. */
  redisPrefix: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** One log line per HTTP request (method, URL, status, time), carrying the request id. */
  logRequests: boolean;
  accessUrlTtlS: number;
  /** `*` or a list of allowed origins. */
  corsOrigins: '*' | string[];
  /** Which reverse proxies' `X-Forwarded-For` to believe for the client's address (per-IP limits, logs). */
  trustProxy: TrustProxy;
  shutdownTimeoutS: number;
  bootstrapApp: BootstrapApp;
  /** Timeout of WebAuth and webhook calls (the RTCS contract says 1000 ms). */
  hookTimeoutMs: number;
  /** Chat webhooks (chat/outbox-dispatcher.ts). */
  chatWebhooks: ChatWebhookConfig;
  /** Cluster mode: a dead node's presence entries vanish within this time; renewed every third of it. */
  presenceTtlS: number;
  /** REST requests per second per client IP and authenticated requests per app; 0 = unlimited. */
  rateLimitIpPerS: number;
  rateLimitAppPerS: number;
  /** WebAuth and webhooks refuse loopback, private, link-local, unique-local, CGNAT and other non-public addresses. */
  outboundDenyPrivate: boolean;
  /** When set, `/metrics`, `/docs` and `/openapi.json` need `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The operator console's token (`/admin`); unset: generated at first start and stored hashed. */
  adminToken?: string;
  limits: Limits;
  /** Export jobs (DESIGN.md, Export) running at once per app, cluster-wide; more wait queued. */
  exportJobsPerApp: number;
  /** A finished export's signed URL works this long; its file is removed after. */
  exportUrlTtlS: number;
}

/** How chat webhooks are sent from the outbox (README, "Chat webhooks"). */
export interface ChatWebhookConfig {
  /** CHAT_WEBHOOK_TIMEOUT_MS: one POST's timeout. */
  timeoutMs: number;
  /** CHAT_WEBHOOK_BACKOFF_MS: waits before the 2nd, 3rd, … try (a comma list); after the last, the row is marked failed. */
  backoffMs: readonly number[];
  /** CHAT_WEBHOOK_POLL_MS: cluster mode: how often a node looks for rows other nodes wrote (each node is woken for its own). */
  pollMs: number;
  /** CHAT_WEBHOOK_LEASE_MS: the dispatching node's lease; a dead node's successor takes over within it. */
  leaseMs: number;
  /** CHAT_WEBHOOK_RETENTION_H: delivered rows are deleted this long after delivery. */
  retentionMs: number;
  /** CHAT_WEBHOOK_FAILED_RETENTION_H: rows that failed for good stay listed (and retryable) this long, then are deleted. */
  failedRetentionMs: number;
}

/** Per-node limits an operator may tune (README, "Limits"). */
export interface Limits {
  /** Channels one realtime session may be subscribed to. */
  subscriptionsPerSession: number;
  /** Socket events per second per session (token bucket), and the burst above it. */
  socketEventsPerS: number;
  socketEventsBurst: number;
  /** Messages queued to one session before it is dropped as a slow consumer. */
  outboundMax: number;
  /** Bytes queued to one session (any transport) before it is dropped as a slow consumer. */
  outboundMaxBytes: number;
  /** Largest packet, polling body or websocket frame a realtime or chat client may send. */
  socketMessageMaxBytes: number;
  /** JSON request bodies (chat API and others; the RTCS publish has its own 2 MB / 1 MB data rule). */
  httpBodyMaxBytes: number;
  /** One uploaded file (chat file messages); larger → 1012. */
  fileMaxBytes: number;
  /** Concurrent realtime sessions per access URL, and per user of an app (cluster-wide). */
  accessUrlMaxSessions: number;
  userMaxSessions: number;
  /** Concurrent realtime and chat connections per client IP on one node; 0 = unlimited. */
  ipMaxSessions: number;
  /** socket.io and 0.9 handshakes per second per client IP (bursts of four times that); 0 = unlimited. */
  handshakesPerIpPerS: number;
  /** Presence subscribes list the members only up to this many sessions in the channel (`count` always). */
  presenceMembersMax: number;
  /** A request's headers, and the whole request, must arrive within these (else 408). */
  httpHeadersTimeoutS: number;
  httpRequestTimeoutS: number;
  /** An idle keep-alive connection is closed after this. */
  httpKeepAliveTimeoutS: number;
  /** Concurrent TCP connections per client IP on the whole server (trusted proxies exempt); 0 = no cap. */
  connectionsPerIpMax: number;
}

/** Settings by environment name; each also reads as a `--kebab-case` flag. */
const SETTINGS = [
  'PORT',
  'HOST',
  'PUBLIC_URL',
  'DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_PREFIX',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'LOG_REQUESTS',
  'ACCESS_URL_TTL_S',
  'CORS_ORIGINS',
  'TRUST_PROXY',
  'SHUTDOWN_TIMEOUT_S',
  'PRESENCE_TTL_S',
  'RATE_LIMIT_IP_PER_S',
  'RATE_LIMIT_APP_PER_S',
  'HTTP_HEADERS_TIMEOUT_S',
  'HTTP_REQUEST_TIMEOUT_S',
  'HTTP_KEEP_ALIVE_TIMEOUT_S',
  'CONNECTIONS_PER_IP_MAX',
  'OUTBOUND_DENY_PRIVATE',
  'CHAT_WEBHOOK_TIMEOUT_MS',
  'CHAT_WEBHOOK_BACKOFF_MS',
  'CHAT_WEBHOOK_POLL_MS',
  'CHAT_WEBHOOK_LEASE_MS',
  'CHAT_WEBHOOK_RETENTION_H',
  'CHAT_WEBHOOK_FAILED_RETENTION_H',
  'METRICS_TOKEN',
  'ADMIN_TOKEN',
  'SUBSCRIPTIONS_PER_SESSION',
  'SOCKET_EVENTS_PER_S',
  'SOCKET_EVENTS_BURST',
  'OUTBOUND_BUFFER_MAX',
  'OUTBOUND_BUFFER_MAX_BYTES',
  'SOCKET_MESSAGE_MAX_BYTES',
  'ACCESS_URL_MAX_SESSIONS',
  'USER_MAX_SESSIONS',
  'IP_MAX_SESSIONS',
  'HANDSHAKES_PER_IP_PER_S',
  'PRESENCE_MEMBERS_MAX',
  'HTTP_BODY_MAX_BYTES',
  'FILE_MAX_BYTES',
  'EXPORT_JOBS_PER_APP',
  'EXPORT_URL_TTL_S',
  'APP_ID',
  'APP_API_KEY',
  'APP_WEBAUTH_URL',
  'APP_WEBHOOK_URL',
  'APP_WEBHOOK_EVENTS',
] as const;
type SettingName = (typeof SETTINGS)[number];

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

export class ConfigError extends Error {}

/** `--public-url=x` / `--public-url x` → PUBLIC_URL. Unknown flags are an error, so typos do not pass silently. */
function parseFlags(argv: readonly string[]): Partial<Record<SettingName, string>> {
  const out: Partial<Record<SettingName, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq === -1 ? undefined : eq);
    const name = flag.toUpperCase().replaceAll('-', '_') as SettingName;
    if (!SETTINGS.includes(name)) throw new ConfigError(`unknown flag --${flag}`);
    let value: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`flag --${flag} needs a value`);
    value = value.trim();
    out[name] = value;
  }
  return out;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${raw}`);
  return n;
}

function boolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${raw}`);
}

/** An origin is scheme://host[:port] and nothing more: what browsers send in the Origin header. */
function origin(name: string, raw: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== raw) {
    throw new ConfigError(`${name}: ${raw} is not an origin; write each as scheme://host[:port], e.g. https://app.example.com (no path, no trailing slash), or * alone`);
  }
  return raw;
}

function url(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL, got ${raw}`);
  }
  return raw;
}

function hookUrl(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const problem = hookUrlProblem(raw);
  if (problem) throw new ConfigError(`${name} ${problem}, got ${raw}`);
  return raw;
}

function chatWebhookConfig(get: (name: SettingName) => string | undefined): ChatWebhookConfig {
  const timeoutMs = integer('CHAT_WEBHOOK_TIMEOUT_MS', get('CHAT_WEBHOOK_TIMEOUT_MS'), 5000, 100, 60_000);
  const rawBackoff = get('CHAT_WEBHOOK_BACKOFF_MS') || '1000,10000,60000';
  const backoffMs = rawBackoff.split(',').map((s) => {
    if (s.trim() === '') throw new ConfigError(`CHAT_WEBHOOK_BACKOFF_MS must be a comma list of milliseconds, got ${rawBackoff}`);
    return integer('CHAT_WEBHOOK_BACKOFF_MS', s.trim(), 0, 1, 86_400_000);
  });
  if (backoffMs.length > 20) throw new ConfigError('CHAT_WEBHOOK_BACKOFF_MS: at most 20 retries');
  const leaseMs = integer('CHAT_WEBHOOK_LEASE_MS', get('CHAT_WEBHOOK_LEASE_MS'), 15_000, 1000, 3_600_000);
  // A round renews the lease between calls; one call must fit well within it.
  if (leaseMs < timeoutMs * 2) throw new ConfigError('CHAT_WEBHOOK_LEASE_MS must be at least twice CHAT_WEBHOOK_TIMEOUT_MS');
  return Object.freeze({
    timeoutMs,
    backoffMs: Object.freeze(backoffMs),
    pollMs: integer('CHAT_WEBHOOK_POLL_MS', get('CHAT_WEBHOOK_POLL_MS'), 1000, 50, 600_000),
    leaseMs,
    retentionMs: integer('CHAT_WEBHOOK_RETENTION_H', get('CHAT_WEBHOOK_RETENTION_H'), 24, 1, 24 * 365) * 3_600_000,
    failedRetentionMs: integer('CHAT_WEBHOOK_FAILED_RETENTION_H', get('CHAT_WEBHOOK_FAILED_RETENTION_H'), 168, 1, 24 * 365) * 3_600_000,
  });
}

/**
 * Builds the frozen configuration from an environment map and command-line flags (flags win).
 * @example loadConfig({ PORT: '9000' }, ['--log-level', 'debug'])
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, argv: readonly string[] = []): Readonly<Config> {
  const flags = parseFlags(argv);
  const get = (name: SettingName): string | undefined => flags[name] ?? env[name];

  const port = integer('PORT', get('PORT'), 8080, 0, 65535);
  const host = get('HOST') || '127.0.0.1';
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const publicUrl = (url('PUBLIC_URL', get('PUBLIC_URL')) ?? `http://${publicHost}:${port}`).replace(/\/+$/, '');

  const logLevel = (get('LOG_LEVEL') || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (get('LOG_FORMAT') || 'json') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) throw new ConfigError(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}`);

  const databaseUrl = get('DATABASE_URL') || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  const redisUrl = get('REDIS_URL') || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must be a redis:// URL');
  const redisPrefix = get('REDIS_PREFIX') || 'parley';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(redisPrefix)) throw new ConfigError('REDIS_PREFIX must be 1-64 characters of A-Z, a-z, 0-9, _, . and -');

  const corsRaw = get('CORS_ORIGINS') || '*';
  const corsOrigins = corsRaw === '*' ? '*' : corsRaw.split(',').map((o) => o.trim()).filter(Boolean).map((o) => origin('CORS_ORIGINS', o));

  const trustRaw = (get('TRUST_PROXY') || 'false').toLowerCase();
  const trustProxy: TrustProxy = trustRaw === 'false' ? false : trustRaw === 'true' ? true : trustRaw.split(',').map((a) => a.trim()).filter(Boolean);
  if (Array.isArray(trustProxy)) {
    try {
      proxyAddr.compile([...trustProxy]);
    } catch (err) {
      throw new ConfigError(`TRUST_PROXY must be true, false or a comma list of addresses, CIDR ranges, loopback, linklocal or uniquelocal: ${(err as Error).message}`);
    }
  }

  const eventsRaw = get('APP_WEBHOOK_EVENTS');
  let webhookEvents: WebhookType[] | undefined;
  if (eventsRaw !== undefined && eventsRaw !== '') {
    const parsed = parseWebhookEvents(eventsRaw);
    if ('unknown' in parsed) throw new ConfigError(`APP_WEBHOOK_EVENTS: unknown event ${parsed.unknown} (known: ${KNOWN_WEBHOOK_EVENTS})`);
    webhookEvents = parsed.events;
  }

  const httpHeadersTimeoutS = integer('HTTP_HEADERS_TIMEOUT_S', get('HTTP_HEADERS_TIMEOUT_S'), 20, 1, 3600);
  const httpRequestTimeoutS = integer('HTTP_REQUEST_TIMEOUT_S', get('HTTP_REQUEST_TIMEOUT_S'), 120, 1, 86_400);
  if (httpHeadersTimeoutS > httpRequestTimeoutS) throw new ConfigError('HTTP_HEADERS_TIMEOUT_S must not be longer than HTTP_REQUEST_TIMEOUT_S');

  const chatWebhooks = chatWebhookConfig(get);

  const metricsToken = get('METRICS_TOKEN') || undefined;
  // /metrics is never rate limited, so a short token could be guessed there.
  if (metricsToken !== undefined && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN must have at least 16 characters');

  const adminToken = get('ADMIN_TOKEN') || undefined;
  if (adminToken !== undefined && (adminToken.length < 16 || adminToken.length > 512 || /\s/.test(adminToken))) {
    throw new ConfigError('ADMIN_TOKEN must have 16 to 512 characters and no spaces');
  }

  const config: Config = {
    port,
    host,
    publicUrl,
    dataDir: get('DATA_DIR') || './data',
    databaseUrl,
    redisUrl,
    redisPrefix,
    logLevel,
    logFormat,
    logRequests: boolean('LOG_REQUESTS', get('LOG_REQUESTS'), false),
    accessUrlTtlS: integer('ACCESS_URL_TTL_S', get('ACCESS_URL_TTL_S'), 86_400, 1, 10 * 365 * 86_400),
    corsOrigins,
    trustProxy,
    shutdownTimeoutS: integer('SHUTDOWN_TIMEOUT_S', get('SHUTDOWN_TIMEOUT_S'), 10, 1, 3600),
    hookTimeoutMs: RTCS_LIMITS.hookTimeoutMs,
    chatWebhooks,
    presenceTtlS: integer('PRESENCE_TTL_S', get('PRESENCE_TTL_S'), 30, 2, 3600),
    rateLimitIpPerS: integer('RATE_LIMIT_IP_PER_S', get('RATE_LIMIT_IP_PER_S'), 5000, 0, 1_000_000),
    rateLimitAppPerS: integer('RATE_LIMIT_APP_PER_S', get('RATE_LIMIT_APP_PER_S'), 20000, 0, 1_000_000),
    outboundDenyPrivate: boolean('OUTBOUND_DENY_PRIVATE', get('OUTBOUND_DENY_PRIVATE'), false),
    metricsToken,
    adminToken,
    exportJobsPerApp: integer('EXPORT_JOBS_PER_APP', get('EXPORT_JOBS_PER_APP'), 2, 1, 100),
    exportUrlTtlS: integer('EXPORT_URL_TTL_S', get('EXPORT_URL_TTL_S'), 86_400, 1, 30 * 86_400),
    limits: Object.freeze({
      subscriptionsPerSession: integer('SUBSCRIPTIONS_PER_SESSION', get('SUBSCRIPTIONS_PER_SESSION'), 100, 1, 100_000),
      socketEventsPerS: integer('SOCKET_EVENTS_PER_S', get('SOCKET_EVENTS_PER_S'), 50, 1, 1_000_000),
      socketEventsBurst: integer('SOCKET_EVENTS_BURST', get('SOCKET_EVENTS_BURST'), 200, 1, 1_000_000),
      outboundMax: integer('OUTBOUND_BUFFER_MAX', get('OUTBOUND_BUFFER_MAX'), 1000, 10, 1_000_000),
      outboundMaxBytes: integer('OUTBOUND_BUFFER_MAX_BYTES', get('OUTBOUND_BUFFER_MAX_BYTES'), 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
      socketMessageMaxBytes: integer('SOCKET_MESSAGE_MAX_BYTES', get('SOCKET_MESSAGE_MAX_BYTES'), 16 * 1024, 1024, 16 * 1024 * 1024),
      httpBodyMaxBytes: integer('HTTP_BODY_MAX_BYTES', get('HTTP_BODY_MAX_BYTES'), 1024 * 1024, 1024, 100 * 1024 * 1024),
      fileMaxBytes: integer('FILE_MAX_BYTES', get('FILE_MAX_BYTES'), CHAT_LIMITS.fileMaxBytes, 1, 2 * 1024 * 1024 * 1024),
      accessUrlMaxSessions: integer('ACCESS_URL_MAX_SESSIONS', get('ACCESS_URL_MAX_SESSIONS'), 5, 1, 1_000_000),
      userMaxSessions: integer('USER_MAX_SESSIONS', get('USER_MAX_SESSIONS'), 100, 1, 1_000_000),
      ipMaxSessions: integer('IP_MAX_SESSIONS', get('IP_MAX_SESSIONS'), 1000, 0, 10_000_000),
      handshakesPerIpPerS: integer('HANDSHAKES_PER_IP_PER_S', get('HANDSHAKES_PER_IP_PER_S'), 50, 0, 1_000_000),
      presenceMembersMax: integer('PRESENCE_MEMBERS_MAX', get('PRESENCE_MEMBERS_MAX'), 100, 0, 1_000_000),
      httpHeadersTimeoutS,
      httpRequestTimeoutS,
      httpKeepAliveTimeoutS: integer('HTTP_KEEP_ALIVE_TIMEOUT_S', get('HTTP_KEEP_ALIVE_TIMEOUT_S'), 72, 1, 3600),
      connectionsPerIpMax: integer('CONNECTIONS_PER_IP_MAX', get('CONNECTIONS_PER_IP_MAX'), 1000, 0, 1_000_000),
    }),
    bootstrapApp: {
      id: get('APP_ID') || undefined,
      apiKey: get('APP_API_KEY') || undefined,
      webauthUrl: hookUrl('APP_WEBAUTH_URL', get('APP_WEBAUTH_URL')),
      webhookUrl: hookUrl('APP_WEBHOOK_URL', get('APP_WEBHOOK_URL')),
      webhookEvents,
    },
  };
  Object.freeze(config.bootstrapApp);
  return Object.freeze(config);
}
