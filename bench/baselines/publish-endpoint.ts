/**
 * The HTTP side every baseline shares: `POST /v2/event/{app}/channel {channels, event, data}` parsed with
 * node:http and JSON.parse and nothing else, so that a baseline does the same job as Parley's publish
 * API minus authentication, validation and routing; and `GET /sessions` → `{count}` (connected clients)
 * for the churn soak. The process reports its port over IPC once listening and exits when the harness
 * goes away.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReadyMessage } from '../lib/ipc.ts';

export interface PublishRequest {
  channels: string[];
  event: string;
  data: unknown;
}

export function createPublishServer(onPublish: (p: PublishRequest) => void, sessions: () => number): Server {
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/sessions') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: sessions() }));
      return;
    }
    if (req.method !== 'POST' || !req.url?.startsWith('/v2/event/')) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PublishRequest;
        onPublish(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":"baseline","app":"bench"}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
}

/** Listens on 127.0.0.1 at PORT (0 = any), reports readiness to the harness, and exits with it. */
export function listenAndReport(server: Server): void {
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const ready: ReadyMessage = { type: 'ready', port: (server.address() as AddressInfo).port };
    process.send?.(ready);
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
