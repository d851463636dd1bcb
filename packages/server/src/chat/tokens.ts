/**
 * Session tokens: JWT HS256 `{user_id, iat, exp}` with iat and exp in unix **ms** (DESIGN.md), signed
 * with the app's own token secret. Revocation is a per-user instant: tokens issued at or before it fail.
 */
import { jwtVerify, SignJWT } from 'jose';
import type { App } from '../apps/app.service.ts';

export interface TokenClaims {
  user_id: string;
  /** Unix ms. */
  iat: number;
  /** Unix ms. */
  exp: number;
}

export class TokenError extends Error {}

const key = (app: App): Uint8Array => new TextEncoder().encode(app.tokenSecret);

/**
 * Signs a session token for `userId` valid until `expiresAt` (ms).
 * @example const token = await issueToken(app, 'alice', Date.now(), Date.now() + 3_600_000);
 */
export async function issueToken(app: App, userId: string, now: number, expiresAt: number): Promise<string> {
  // The claims are set by hand: jose's setIssuedAt/setExpirationTime would write seconds.
  return new SignJWT({ user_id: userId, iat: now, exp: expiresAt }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key(app));
}

/**
 * Checks signature, algorithm and expiry (in ms); throws TokenError with the reason. The caller checks
 * the user and the revocation instant.
 */
export async function verifyToken(app: App, token: string, now: number): Promise<TokenClaims> {
  let payload: Record<string, unknown>;
  try {
    // jose's own exp/iat checks assume seconds; with ms values they would never expire, so they are
    // given an enormous tolerance and the ms checks below are the ones that count.
    ({ payload } = await jwtVerify(token, key(app), { algorithms: ['HS256'], clockTolerance: Number.MAX_SAFE_INTEGER }));
  } catch {
    throw new TokenError('invalid token');
  }
  const { user_id, iat, exp } = payload;
  if (typeof user_id !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') throw new TokenError('invalid token claims');
  if (exp <= now) throw new TokenError('token expired');
  return { user_id, iat, exp };
}
