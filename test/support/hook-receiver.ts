/**
 * A real HTTP server on 127.0.0.1 that plays the app's own server for WebAuth and webhooks: it records
 * every request and answers as the test says (status, delay).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, unknown>;
}

export interface HookReceiver {
  url: string;
  received: ReceivedHook[];
  /** Decides the answer to each request: status and an optional delay. */
  respond: (hook: ReceivedHook) => { status: number; delayMs?: number };
  close(): Promise<void>;
}

export async function startHookReceiver(): Promise<HookReceiver> {
  const receiver: HookReceiver = {
    url: '',
    received: [],
    respond: () => ({ status: 200 }),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // recorded as raw
      }
      const hook: ReceivedHook = { path: req.url ?? '', headers: req.headers, raw, body };
      receiver.received.push(hook);
      const { status, delayMs = 0 } = receiver.respond(hook);
      const timer = setTimeout(() => res.writeHead(status).end(), delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
