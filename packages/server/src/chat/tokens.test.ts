import { decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { App } from '../apps/app.service.ts';
import { issueToken, verifyToken, type TokenClaims } from './tokens.ts';

const app = { id: 'a', tokenSecret: 'secret-of-app-a-0123456789' } as App;
const other = { id: 'b', tokenSecret: 'secret-of-app-b-0123456789' } as App;
const claims = (iat: number, exp: number): TokenClaims => ({ user_id: 'alice', iat, exp, kind: 'session', inc: 'i1' });
const signed = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(app.tokenSecret));

describe('chat tokens', () => {
  it('are HS256 JWTs with iat and exp in milliseconds, their kind and the user’s incarnation', async () => {
    const token = await issueToken(app, claims(1_700_000_000_000, 1_700_000_060_000));
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256' });
    await expect(verifyToken(app, token, 1_700_000_000_001)).resolves.toEqual({ user_id: 'alice', iat: 1_700_000_000_000, exp: 1_700_000_060_000, kind: 'session', inc: 'i1' });
    const sdk = await issueToken(app, { ...claims(1, 9e15), kind: 'sdk' });
    await expect(verifyToken(app, sdk, 2)).resolves.toMatchObject({ kind: 'sdk' });
  });

  it('expire by the millisecond and verify only with their own app secret', async () => {
    const token = await issueToken(app, claims(1000, 2000));
    await expect(verifyToken(app, token, 2000)).rejects.toThrow('token expired');
    await expect(verifyToken(other, token, 1500)).rejects.toThrow('invalid token');
    await expect(verifyToken(app, `${token}x`, 1500)).rejects.toThrow('invalid token');
  });

  it('refuse other algorithms and missing or unknown claims', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"user_id":"a","iat":1,"exp":9e15,"kind":"session","inc":""}').toString('base64url')}.`;
    await expect(verifyToken(app, none, 2)).rejects.toThrow('invalid token');
    await expect(verifyToken(app, await signed({ iat: 1, exp: 9e15, kind: 'session', inc: '' }), 2)).rejects.toThrow('invalid token claims');
    // Tokens of the version before kinds and incarnations: refused, an sdk token among them could not be told apart.
    await expect(verifyToken(app, await signed({ user_id: 'a', iat: 1, exp: 9e15 }), 2)).rejects.toThrow('invalid token claims');
    await expect(verifyToken(app, await signed({ user_id: 'a', iat: 1, exp: 9e15, kind: 'admin', inc: '' }), 2)).rejects.toThrow('invalid token claims');
  });
});
