/**
 * The address a request comes from, as every part of the server sees it: Fastify's routes, the
 * socket.io handshake and the 0.9 handler. Behind a reverse proxy (TRUST_PROXY) it is read from
 * `X-Forwarded-For`, trusting only the hops the operator named; otherwise it is the TCP peer, and a
 * forged header changes nothing. Per-IP limits key on this value.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/** `false`: the TCP peer; `true`: every hop is trusted (the left-most address wins); a list: those addresses or CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`). */
export type TrustProxy = boolean | readonly string[];

/**
 * A function reading a request's client address under `trust`.
 * @example const ipOf = clientAddress(['loopback']); ipOf(req) // '203.0.113.7' from nginx on 127.0.0.1
 */
export function clientAddress(trust: TrustProxy): (req: IncomingMessage) => string {
  const peer = (req: IncomingMessage): string => req.socket.remoteAddress ?? '';
  if (trust === false) return peer;
  const trusted = trust === true ? () => true : proxyAddr.compile([...trust]);
  return (req) => (req.socket.remoteAddress === undefined ? '' : proxyAddr(req, trusted));
}
