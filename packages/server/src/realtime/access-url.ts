/**
 * Signed access URLs of the RTCS contract: `{PUBLIC_URL}/socket.io/1/?app&ts&s&d&t`, where `d` is the
 * base64url JSON grant and `s` the hex HMAC-SHA256 of `app:ts:d` under the app's API key.
 */
import { createHmac } from 'node:crypto';
import { channelNameProblem, RTCS_LIMITS, type AccessGrant } from '@parley/protocol';
import { safeEqual } from '../secrets.ts';

/** Allowed clock skew for a `ts` from the future (another node's clock). */
const FUTURE_SKEW_S = 300;

export class AccessError extends Error {}

/**
 * The one refusal for an access URL whose app or signature does not check out: an unknown app and a
 * wrong signature read alike, so that refusals do not tell which app ids exist.
 */
export const ACCESS_URL_NOT_VALID = 'access URL signature does not match (tampered, signed with another key, or for an app this server does not have)';

/** The parameters a client presents, from the URL query, the handshake query or `connectParams`. */
export type AccessParams = Record<string, unknown>;

function signature(apiKey: string, app: string, ts: string, d: string): string {
  return createHmac('sha256', apiKey).update(`${app}:${ts}:${d}`).digest('hex');
}

/** Builds the URL handed to a client; `nowMs` also yields the trailing `t` that RTCS URLs carry. */
export function signAccessUrl(publicUrl: string, app: { id: string; apiKey: string }, grant: AccessGrant, nowMs: number): string {
  const ts = String(Math.floor(nowMs / 1000));
  const d = Buffer.from(JSON.stringify(grant)).toString('base64url');
  const s = signature(app.apiKey, app.id, ts, d);
  const query = new URLSearchParams({ app: app.id, ts, s, d, t: String(nowMs) });
  return `${publicUrl}/socket.io/1/?${query.toString()}`;
}

function single(params: AccessParams, name: string): string {
  const value = params[name];
  if (typeof value === 'string' && value !== '') return value;
  if (value === undefined || value === '') throw new AccessError(`access URL lacks the ${name} parameter`);
  throw new AccessError(`access URL has a malformed ${name} parameter`);
}

/** The app id the client claims, before anything is verified. */
export function claimedApp(params: AccessParams): string {
  return single(params, 'app');
}

function parseGrant(d: string): AccessGrant {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(d, 'base64url').toString('utf8'));
  } catch {
    throw new AccessError('access URL has a malformed d parameter');
  }
  const g = raw as Partial<AccessGrant> | null;
  if (!g || typeof g !== 'object' || typeof g.user !== 'string' || typeof g.via !== 'string' || !Array.isArray(g.channels)) {
    throw new AccessError('access URL has a malformed d parameter');
  }
  if (Buffer.byteLength(g.user) > RTCS_LIMITS.userMaxBytes || g.channels.some((c) => channelNameProblem(c) !== undefined)) {
    throw new AccessError('access URL has a malformed d parameter');
  }
  return { user: g.user, via: g.via, channels: g.channels as string[] };
}

/**
 * Verifies a client's access parameters against the app's key. `t` is ignored (0.9 clients append a
 * second one). Throws AccessError with the reason the client is told.
 */
export function verifyAccess(params: AccessParams, app: { id: string; apiKey: string }, ttlS: number, nowMs: number): AccessGrant {
  const ts = single(params, 'ts');
  const s = single(params, 's');
  const d = single(params, 'd');
  if (!/^\d{1,12}$/.test(ts)) throw new AccessError('access URL has a malformed ts parameter');
  if (!safeEqual(signature(app.apiKey, app.id, ts, d), s.toLowerCase())) throw new AccessError(ACCESS_URL_NOT_VALID);
  const nowS = Math.floor(nowMs / 1000);
  const issued = Number(ts);
  if (issued > nowS + FUTURE_SKEW_S) throw new AccessError('access URL is issued in the future');
  if (nowS > issued + ttlS) throw new AccessError('access URL has expired; request a new one');
  return parseGrant(d);
}
