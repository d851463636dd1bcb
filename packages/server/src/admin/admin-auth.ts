/**
 * Authentication of `/admin/api`: `Authorization: Bearer <admin token>` on every route, checked before
 * the body is read. A client address that presents wrong tokens FAILURES_MAX times within FAILURE_WINDOW_MS
 * is answered 429 until the window ends, unchecked: a wrong token costs a scrypt, and guessing must not
 * turn into a way to keep the server busy. The operator's name (the console's sign-in asks for it) comes
 * in ADMIN_OPERATOR_HEADER and goes to the audit log with the address.
 */
import { ADMIN_OPERATOR_HEADER } from '@parley/protocol';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AdminError } from './admin-actions.ts';
import type { AdminTokens } from './admin-token.ts';
import type { Actor } from './audit-log.ts';

export const FAILURES_MAX = 20;
export const FAILURE_WINDOW_MS = 60_000;
/** Addresses tracked at once; past it the oldest window is forgotten. */
const TRACKED_MAX = 10_000;
const OPERATOR_MAX = 64;

/** Wrong tokens per client address in the current window. */
export class AuthFailures {
  private readonly windows = new Map<string, { count: number; until: number }>();

  blocked(ip: string, now = Date.now()): boolean {
    const w = this.windows.get(ip);
    if (w && w.until <= now) this.windows.delete(ip);
    return w !== undefined && w.until > now && w.count >= FAILURES_MAX;
  }

  failed(ip: string, now = Date.now()): void {
    let w = this.windows.get(ip);
    if (!w || w.until <= now) {
      this.windows.delete(ip);
      if (this.windows.size >= TRACKED_MAX) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(ip, (w = { count: 0, until: now + FAILURE_WINDOW_MS }));
    }
    w.count++;
  }
}

const actors = new WeakMap<FastifyRequest, Actor>();

/** The operator of an authenticated admin request. */
export function actorOf(req: FastifyRequest): Actor {
  const actor = actors.get(req);
  if (!actor) throw new AdminError(401, 'unauthorized');
  return actor;
}

/**
 * The name as the console sent it (percent-encoded: header values are bytes, names need not be ASCII),
 * without control characters and bounded, for the audit log; `admin` when there is none.
 */
function operatorName(raw: string | string[] | undefined): string {
  let value = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  try {
    value = decodeURIComponent(value);
  } catch {
    // Not percent-encoding: kept as it came.
  }
  const clean = value.replace(/\p{Cc}|\p{Cf}/gu, '').trim().slice(0, OPERATOR_MAX);
  return clean === '' ? 'admin' : clean;
}

export function adminAuth(tokens: AdminTokens, failures: AuthFailures): onRequestAsyncHookHandler {
  return async (req, reply) => {
    if (failures.blocked(req.ip)) {
      void reply.header('retry-after', Math.ceil(FAILURE_WINDOW_MS / 1000));
      throw new AdminError(429, 'too many wrong admin tokens from this address: try again later');
    }
    const token = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined || !(await tokens.verify(token))) {
      failures.failed(req.ip);
      void reply.header('www-authenticate', 'Bearer realm="parley-admin"');
      throw new AdminError(401, 'unauthorized: Authorization: Bearer <admin token> is missing or wrong');
    }
    actors.set(req, { name: operatorName(req.headers[ADMIN_OPERATOR_HEADER]), ip: req.ip });
  };
}
