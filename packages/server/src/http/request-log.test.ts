/**
 * Request ids on log lines: the request's own logger, a service logging through the process logger
 * while the request is handled (also after its body was read), and the LOG_REQUESTS line all carry the
 * same `reqId`, once per line; the id comes from a sane `x-request-id` and goes back in the response.
 */
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { requestLogOptions, tagRequests } from './request-log.ts';

async function appWithLines(logRequests: boolean) {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const { log } = createLogger('info', 'json', sink);
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, ...requestLogOptions(logRequests), forceCloseConnections: true, bodyLimit: 1024 * 1024 });
  tagRequests(app);
  app.post('/work', async (req) => {
    req.log.info('from the request logger');
    // A service that was handed the process logger, logging after an await.
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.info('from a service');
    return { ok: true };
  });
  // Real HTTP: a body read from a socket arrives in the socket's callbacks, unlike inject()'s.
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(`${url}/work`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { app, post, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('request ids in the logs', () => {
  it('puts one reqId, the one the client sent, on every line of a request', async () => {
    const { app, post, raw, lines } = await appWithLines(true);
    // Large enough to arrive in several reads, after the request's first callbacks have returned.
    const res = await post({ 'x-request-id': 'edge-7f3a' }, { pad: 'x'.repeat(512 * 1024) });
    expect(res.headers.get('x-request-id')).toBe('edge-7f3a');
    const mine = lines().filter((l) => l.reqId === 'edge-7f3a');
    expect(mine.map((l) => l.msg)).toEqual(['from the request logger', 'from a service', 'request completed']);
    expect(mine[2]).toMatchObject({ method: 'POST', url: '/work', status: 200 });
    expect(raw.every((l) => l.split('"reqId"').length <= 2)).toBe(true); // never twice on one line
    await app.close();
  });

  it('replaces an id that is not a plain token of at most 128 characters', async () => {
    const { app, post, lines } = await appWithLines(true);
    for (const given of ['x'.repeat(129), 'two words', 'quote"brace}']) {
      const res = await post({ 'x-request-id': given }, {});
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(lines().filter((l) => l.msg === 'request completed').map((l) => l.reqId)).toHaveLength(3);
    await app.close();
  });

  it('logs no request lines unless LOG_REQUESTS is on, and still tags the others', async () => {
    const { app, post, lines } = await appWithLines(false);
    await post({ 'x-request-id': 'quiet-1' }, {});
    expect(lines().filter((l) => !String(l.msg).startsWith('Server listening')).map((l) => [l.msg, l.reqId])).toEqual([
      ['from the request logger', 'quiet-1'],
      ['from a service', 'quiet-1'],
    ]);
    await app.close();
  });
});
