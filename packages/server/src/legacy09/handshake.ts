/**
 * The 0.9 handshake, `GET /socket.io/1/?<access URL query>&t=…`: verifies the access parameters like
 * every other transport, creates the socket and answers `sid:heartbeat:close:transports`. A refusal is
 * a 403 with the reason (or, for a JSONP handshake, `io.j[N](new Error("reason"))`).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Admission } from '../realtime/admission.ts';
import { AccessError, type AccessParams } from '../realtime/access-url.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import { jsonpCall, jsString, sendText } from './http-io.ts';
import { handshakeSeconds, type Legacy09Timing } from './options.ts';
import type { VerifiedClient } from './session-bridge.ts';

/** Listed in the order clients should try them: the client keeps the server's order. */
export const TRANSPORTS = ['websocket', 'xhr-polling', 'jsonp-polling'] as const;

export interface HandshakeDeps {
  node: RealtimeNode;
  log: Logger;
  timing: Legacy09Timing;
  admission: Admission;
  /** The client's address (TRUST_PROXY applied). */
  address: string;
  /** Registers a verified client; returns its new sid. */
  createSocket(client: VerifiedClient): string;
}

/** The query as access parameters: the trailing `t` (the client appends another) and `jsonp` dropped. */
export function accessParams(query: URLSearchParams): AccessParams {
  const params: AccessParams = {};
  for (const key of new Set(query.keys())) {
    if (key === 't' || key === 'jsonp') continue;
    const values = query.getAll(key);
    // A repeated parameter stays an array, which verification refuses as malformed.
    // Defined, not assigned: `?__proto__=a&__proto__=b` must be a key like any other, not replace the prototype.
    Object.defineProperty(params, key, { value: values.length === 1 ? values[0] : values, enumerable: true, writable: true, configurable: true });
  }
  return params;
}

/** A fresh sid: 20 URL-safe characters, like 0.9's, and never a socket.io v4 id. */
export function newSid(): string {
  return randomBytes(15).toString('base64url');
}

export async function handshake(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, cors: OutgoingHttpHeaders, deps: HandshakeDeps): Promise<void> {
  const jsonpIndex = query.get('jsonp');
  const jsonp = jsonpIndex !== null && /^\d{1,9}$/.test(jsonpIndex) ? jsonpIndex : undefined;
  const refuse = (status: number, reason: string) => {
    if (jsonp) sendText(res, 200, jsonpCall(jsonp, `new Error(${jsString(reason)})`), cors, 'application/javascript; charset=UTF-8');
    else sendText(res, status, reason, cors);
  };

  const limited = deps.admission.handshake(deps.address);
  if (limited !== undefined) {
    refuse(429, limited);
    return;
  }
  let client: VerifiedClient;
  try {
    const access = await deps.node.verifyConnection(accessParams(query));
    const ticket = await deps.admission.claim({ appId: access.app.id, user: access.grant.user, signature: access.signature });
    client = { app: access.app, grant: access.grant, ticket, origin: String(req.headers.origin ?? '') };
  } catch (err) {
    if (err instanceof AccessError) {
      refuse(403, err.message);
    } else {
      deps.log.error({ err }, 'legacy09: handshake verification failed');
      refuse(500, 'handshake error');
    }
    return;
  }
  const sid = deps.createSocket(client);
  const { heartbeatTimeoutMs, closeTimeoutMs } = deps.timing;
  const body = `${sid}:${handshakeSeconds(heartbeatTimeoutMs)}:${handshakeSeconds(closeTimeoutMs)}:${TRANSPORTS.join(',')}`;
  if (jsonp) sendText(res, 200, jsonpCall(jsonp, jsString(body)), cors, 'application/javascript; charset=UTF-8');
  else sendText(res, 200, body, cors);
}
