import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:8080', dataDir: './data', accessUrlTtlS: 86_400, corsOrigins: '*', logLevel: 'info' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.redisPrefix).toBe('parley');
    expect(Object.isFrozen(c)).toBe(true);
    expect(c.limits).toEqual({
      subscriptionsPerSession: 100,
      socketEventsPerS: 50,
      socketEventsBurst: 200,
      outboundMax: 1000,
      outboundMaxBytes: 4_194_304,
      socketMessageMaxBytes: 16_384,
      httpBodyMaxBytes: 1_048_576,
      fileMaxBytes: 26_214_400,
      accessUrlMaxSessions: 5,
      userMaxSessions: 100,
      ipMaxSessions: 1000,
      handshakesPerIpPerS: 50,
      presenceMembersMax: 100,
      httpHeadersTimeoutS: 20,
      httpRequestTimeoutS: 120,
      httpKeepAliveTimeoutS: 72,
      connectionsPerIpMax: 1000,
    });
    expect(c.outboundDenyPrivate).toBe(false);
    expect(c.metricsToken).toBeUndefined();
  });

  it('reads every limit, and refuses out-of-range ones', () => {
    const c = loadConfig({
      SUBSCRIPTIONS_PER_SESSION: '5',
      SOCKET_EVENTS_PER_S: '7',
      SOCKET_EVENTS_BURST: '9',
      OUTBOUND_BUFFER_MAX: '50',
      OUTBOUND_BUFFER_MAX_BYTES: '100000',
      SOCKET_MESSAGE_MAX_BYTES: '2048',
      HTTP_BODY_MAX_BYTES: '4096',
      FILE_MAX_BYTES: '10',
      ACCESS_URL_MAX_SESSIONS: '2',
      USER_MAX_SESSIONS: '3',
      IP_MAX_SESSIONS: '0',
      HANDSHAKES_PER_IP_PER_S: '4',
      PRESENCE_MEMBERS_MAX: '0',
      HTTP_HEADERS_TIMEOUT_S: '5',
      HTTP_REQUEST_TIMEOUT_S: '30',
      HTTP_KEEP_ALIVE_TIMEOUT_S: '10',
      CONNECTIONS_PER_IP_MAX: '0',
    });
    expect(c.limits).toEqual({
      subscriptionsPerSession: 5,
      socketEventsPerS: 7,
      socketEventsBurst: 9,
      outboundMax: 50,
      outboundMaxBytes: 100_000,
      socketMessageMaxBytes: 2048,
      httpBodyMaxBytes: 4096,
      fileMaxBytes: 10,
      accessUrlMaxSessions: 2,
      userMaxSessions: 3,
      ipMaxSessions: 0,
      handshakesPerIpPerS: 4,
      presenceMembersMax: 0,
      httpHeadersTimeoutS: 5,
      httpRequestTimeoutS: 30,
      httpKeepAliveTimeoutS: 10,
      connectionsPerIpMax: 0,
    });
    expect(() => loadConfig({ ACCESS_URL_MAX_SESSIONS: '0' })).toThrow(/ACCESS_URL_MAX_SESSIONS/);
    expect(() => loadConfig({ OUTBOUND_BUFFER_MAX_BYTES: '10' })).toThrow(/OUTBOUND_BUFFER_MAX_BYTES/);
    expect(() => loadConfig({ SUBSCRIPTIONS_PER_SESSION: '0' })).toThrow(/SUBSCRIPTIONS_PER_SESSION/);
    expect(() => loadConfig({ FILE_MAX_BYTES: 'big' })).toThrow(/FILE_MAX_BYTES/);
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_S: '0' })).toThrow(/HTTP_REQUEST_TIMEOUT_S/);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_S: '60', HTTP_REQUEST_TIMEOUT_S: '30' })).toThrow(/HTTP_HEADERS_TIMEOUT_S must not be longer/);
  });

  it('reads the chat webhook schedule, and refuses a lease shorter than two calls', () => {
    expect(loadConfig({}).chatWebhooks).toEqual({ timeoutMs: 5000, backoffMs: [1000, 10_000, 60_000], pollMs: 1000, leaseMs: 15_000, retentionMs: 24 * 3_600_000, failedRetentionMs: 168 * 3_600_000 });
    const c = loadConfig({ CHAT_WEBHOOK_BACKOFF_MS: '100, 200', CHAT_WEBHOOK_TIMEOUT_MS: '1000', CHAT_WEBHOOK_LEASE_MS: '2000', CHAT_WEBHOOK_RETENTION_H: '1', CHAT_WEBHOOK_FAILED_RETENTION_H: '2', CHAT_WEBHOOK_POLL_MS: '50' });
    expect(c.chatWebhooks).toEqual({ timeoutMs: 1000, backoffMs: [100, 200], pollMs: 50, leaseMs: 2000, retentionMs: 3_600_000, failedRetentionMs: 7_200_000 });
    expect(Object.isFrozen(c.chatWebhooks.backoffMs)).toBe(true);
    expect(() => loadConfig({ CHAT_WEBHOOK_BACKOFF_MS: '100,x' })).toThrow(/CHAT_WEBHOOK_BACKOFF_MS/);
    expect(() => loadConfig({ CHAT_WEBHOOK_BACKOFF_MS: '100,,200' })).toThrow(/CHAT_WEBHOOK_BACKOFF_MS/);
    expect(() => loadConfig({ CHAT_WEBHOOK_TIMEOUT_MS: '5000', CHAT_WEBHOOK_LEASE_MS: '9000' })).toThrow(/CHAT_WEBHOOK_LEASE_MS must be at least twice/);
  });

  it('reads the outbound deny-list switch and the metrics token', () => {
    expect(loadConfig({ OUTBOUND_DENY_PRIVATE: 'true' }).outboundDenyPrivate).toBe(true);
    expect(loadConfig({ OUTBOUND_DENY_PRIVATE: '0' }).outboundDenyPrivate).toBe(false);
    expect(() => loadConfig({ OUTBOUND_DENY_PRIVATE: 'yes please' })).toThrow(/OUTBOUND_DENY_PRIVATE/);
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-token' }).metricsToken).toBe('a-long-enough-token');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });

  it('reads the environment, and flags win over it', () => {
    const c = loadConfig({ PORT: '9000', APP_ID: 'a', APP_WEBHOOK_EVENTS: 'connect, subscribe' }, ['--port', '9100', '--public-url=https://rt.example.com/']);
    expect(c.port).toBe(9100);
    expect(c.publicUrl).toBe('https://rt.example.com');
    expect(c.bootstrapApp).toMatchObject({ id: 'a', webhookEvents: ['connect', 'subscribe'] });
  });

  it('refuses bad values with a message naming the setting', () => {
    expect(() => loadConfig({ PORT: 'x' })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ REDIS_PREFIX: 'a b' })).toThrow(/REDIS_PREFIX/);
    expect(loadConfig({ REDIS_PREFIX: 'staging.eu-1' }).redisPrefix).toBe('staging.eu-1');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ APP_WEBHOOK_EVENTS: 'connect,explode' })).toThrow(/explode/);
    expect(() => loadConfig({}, ['--nope', '1'])).toThrow(ConfigError);
    expect(() => loadConfig({}, ['--port'])).toThrow(/needs a value/);
  });
});
