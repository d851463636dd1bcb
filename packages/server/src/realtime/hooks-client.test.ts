/**
 * HooksClient's hard timeout, against a receiver written here: a call is cut when its receiver never
 * answers, and also when it answers its headers and then drips the body forever.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HooksClient } from './hooks-client.ts';

const TIMEOUT_MS = 300;

describe('HooksClient timeout', () => {
  let server: Server;
  let base: string;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/ok') return void res.writeHead(204).end();
        held.push(res);
        if (req.url === '/drip') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const drip = setInterval(() => (res.writableEnded ? clearInterval(drip) : res.write('.')), 50);
          res.on('close', () => clearInterval(drip));
        }
        // '/silent': never answered.
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  // A drip's status came (200: delivered), but the call still ends at the deadline, not with the body.
  it.each([
    ['/silent', 'timeout'],
    ['/drip', 'ok'],
  ])('ends a call to %s at its timeout (%s), and goes on answering others', async (path, outcome) => {
    const client = new HooksClient({ timeoutMs: TIMEOUT_MS, denyPrivate: false });
    const [slow, fast] = await Promise.all([client.deliver(`${base}${path}`, '{}', {}), client.deliver(`${base}/ok`, '{}', {})]);
    expect(fast.outcome).toBe('ok');
    expect(slow.outcome).toBe(outcome);
    expect(slow.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    // A tenth of the timeout late at most, and some slack for a busy machine.
    expect(slow.ms).toBeLessThan(TIMEOUT_MS * 5);
    await client.close();
  });
});
