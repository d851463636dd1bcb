/**
 * SIGTERM during traffic against a real server process: requests in flight complete (200) or are refused
 * cleanly (503), never cut; clients are told why and reconnect by themselves to the restarted server;
 * the process exits 0 within SHUTDOWN_TIMEOUT_S.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { io } from 'socket.io-client';
import { freePort, startNode, type NodeProcess } from './support/node-process.ts';

const KEY = 'shutdown-key';
const dataDir = mkdtempSync(join(tmpdir(), 'parley-shutdown-'));
let node: NodeProcess | undefined;

afterAll(async () => {
  await node?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  it('drains on SIGTERM, exits 0 in time, and clients reconnect to the restarted server', async () => {
    const port = await freePort();
    const env = { DATA_DIR: dataDir, APP_ID: 'sd', APP_API_KEY: KEY, SHUTDOWN_TIMEOUT_S: '5', RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0' };
    node = await startNode(env, port);
    const base = node.url;
    const headers = { 'x-nhn-apikey': KEY, 'content-type': 'application/json' };
    const access = (await (await fetch(`${base}/v2/auth/sd/access`, { method: 'POST', headers, body: JSON.stringify({ user: 'stay', channels: ['private_s'] }) })).json()) as { url: string };

    const socket = io(access.url, { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500 });
    const reasons: string[] = [];
    const subscribed: string[] = [];
    socket.on('error', (r: string) => reasons.push(r));
    socket.on('rtcs:channel', (r: { type: string }) => subscribed.push(r.type));
    await expect.poll(() => subscribed.length).toBe(1);

    // Traffic: a steady stream of publishes while the signal arrives.
    const outcomes: (number | string)[] = [];
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        const r = await fetch(`${base}/v2/event/sd/channel`, { method: 'POST', headers, body: JSON.stringify({ channels: ['private_s'], event: 'e', data: {} }) }).then(
          (res) => res.status,
          (err: Error) => (err.cause as { code?: string } | undefined)?.code ?? err.message,
        );
        outcomes.push(r);
        if (typeof r === 'string') await new Promise((res) => setTimeout(res, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));

    // A request in flight when the signal arrives: headers sent, body still streaming.
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = request(`${base}/v2/event/sd/channel`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"channels":["private_s"],');
      setTimeout(() => req.end('"event":"late","data":{"ok":true}}'), 700);
    });
    await new Promise((r) => setTimeout(r, 100));

    const signalledAt = Date.now();
    const code = await node.kill('SIGTERM');
    const tookMs = Date.now() - signalledAt;
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(5000);
    expect(reasons).toContain('server is shutting down');
    expect(await inFlight).toBe(200);

    // Restart on the same port: the client reconnects by itself and is subscribed again.
    node = await startNode(env, port);
    await expect.poll(() => subscribed.length, { timeout: 10_000 }).toBe(2);
    expect(socket.connected).toBe(true);
    sending = false;
    await traffic;
    socket.close();

    // Every answered request was a clean 200 or 503 (connections opened while the listener closed may
    // be refused or reset: they were never in flight).
    const answered = outcomes.filter((o) => typeof o === 'number');
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    const connectionLevel = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']);
    expect(outcomes.filter((o) => typeof o === 'string' && !connectionLevel.has(o))).toEqual([]);
  });
});
