/**
 * A cap on concurrent TCP connections per client IP for the whole Node server — Fastify, socket.io and
 * the 0.9 handler share it —, counted at its 'connection' event. A connection over the cap is destroyed
 * before Node sets up a parser for it, so refusing costs next to nothing. Connections from the reverse
 * proxies TRUST_PROXY names are not capped: each carries many clients (TRUST_PROXY=true trusts every
 * peer, so nothing is capped).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../realtime/client-ip.ts';

/**
 * Installs the cap on `server`; `max` 0 leaves it off.
 * @example capConnectionsPerIp(fastify.server, 1000, ['loopback'])
 */
export function capConnectionsPerIp(server: Server, max: number, trustProxy: TrustProxy): void {
  if (max <= 0 || trustProxy === true) return;
  const trusted = trustProxy === false ? () => false : proxyAddr.compile([...trustProxy]);
  const open = new Map<string, number>();
  // Prepended: runs before the HTTP server's own listener.
  server.prependListener('connection', (socket: Socket) => {
    const ip = socket.remoteAddress;
    if (ip === undefined || trusted(ip, 0)) return;
    const count = (open.get(ip) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(ip, count);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
    });
  });
}
