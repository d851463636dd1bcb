/** The operations settings of config.ts: log format, request logs, and CORS origins that must be origins. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('loadConfig: operations settings', () => {
  it('logs JSON without request lines by default; LOG_FORMAT and LOG_REQUESTS change that', () => {
    expect(loadConfig({})).toMatchObject({ logFormat: 'json', logRequests: false });
    expect(loadConfig({ LOG_FORMAT: 'pretty', LOG_REQUESTS: 'true' })).toMatchObject({ logFormat: 'pretty', logRequests: true });
    expect(loadConfig({}, ['--log-requests', '1'])).toMatchObject({ logRequests: true });
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be one of json, pretty/);
    expect(() => loadConfig({ LOG_REQUESTS: 'yes please' })).toThrow(/LOG_REQUESTS must be true or false/);
  });

  it('takes * or a list of origins, and refuses an entry that is not an origin', () => {
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000' }).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    for (const bad of ['app.example.com', 'https://app.example.com/', 'https://app.example.com/chat', 'ftp://files.example.com', 'https://a.example.com,*', 'HTTPS://APP.EXAMPLE.COM']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS: .* is not an origin/);
    }
  });
});
