/**
 * Chat tokens: JWT HS256 `{user_id, iat, exp, kind, inc}` with iat and exp in unix **ms** (DESIGN.md),
 * signed with the app's own token secret. `kind` tells a session token (issued by the app's server,
 * exchangeable) from an sdk token (the exchange's answer, not exchangeable again); `inc` is the user's
 * incarnation, so a user deleted and created again never accepts the tokens of its earlier life.
 * Revocation is a per-user instant: tokens issued at or before it fail.
 */
import { jwtVerify, SignJWT } from 'jose';
import type { App } from '../apps/app.service.ts';

export type TokenKind = 'session' | 'sdk';

export interface TokenClaims {
  user_id: string;
  /** Unix ms. */
  iat: number;
  /** Unix ms. */
  exp: number;
  kind: TokenKind;
  /** The incarnation of the user the token was issued to (chat_users.incarnation). */
  inc: string;
}

export class TokenError extends Error {
  /** True when the token was good but is past its expiry: answered 4002, not 4001, so a client knows to renew it. */
  constructor(message: string, readonly expired = false) {
    super(message);
  }
}

const key = (app: App): Uint8Array => new TextEncoder().encode(app.tokenSecret);

/**
 * Signs a token with these claims.
 * @example const token = await issueToken(app, { user_id: 'alice', iat: Date.now(), exp: Date.now() + 3_600_000, kind: 'session', inc: user.incarnation });
 */
export async function issueToken(app: App, claims: TokenClaims): Promise<string> {
  // The claims are set by hand: jose's setIssuedAt/setExpirationTime would write seconds.
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key(app));
}

/**
 * Checks signature, algorithm, claims and expiry (in ms); throws TokenError with the reason. The caller
 * checks the user, its incarnation and the revocation instant. Tokens without `kind` and `inc` (issued
 * before they existed) are refused: nothing could tell an sdk token among them from a session token.
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
  const { user_id, iat, exp, kind, inc } = payload;
  if (typeof user_id !== 'string' || typeof iat !== 'number' || typeof exp !== 'number' || (kind !== 'session' && kind !== 'sdk') || typeof inc !== 'string') {
    throw new TokenError('invalid token claims');
  }
  if (exp <= now) throw new TokenError('token expired', true);
  return { user_id, iat, exp, kind, inc };
}
