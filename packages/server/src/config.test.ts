import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', publicUrl: 'http://127.0.0.1:8080', dataDir: './data', accessUrlTtlS: 86_400, corsOrigins: '*', logLevel: 'info' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(Object.isFrozen(c)).toBe(true);
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
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ APP_WEBHOOK_EVENTS: 'connect,explode' })).toThrow(/explode/);
    expect(() => loadConfig({}, ['--nope', '1'])).toThrow(ConfigError);
    expect(() => loadConfig({}, ['--port'])).toThrow(/needs a value/);
  });
});
