import { decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { App } from '../apps/app.service.ts';
import { issueToken, verifyToken } from './tokens.ts';

const app = { id: 'a', tokenSecret: 'secret-of-app-a-0123456789' } as App;
const other = { id: 'b', tokenSecret: 'secret-of-app-b-0123456789' } as App;

describe('session tokens', () => {
  it('are HS256 JWTs with iat and exp in milliseconds', async () => {
    const token = await issueToken(app, 'alice', 1_700_000_000_000, 1_700_000_060_000);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256' });
    await expect(verifyToken(app, token, 1_700_000_000_001)).resolves.toEqual({ user_id: 'alice', iat: 1_700_000_000_000, exp: 1_700_000_060_000 });
  });

  it('expire by the millisecond and verify only with their own app secret', async () => {
    const token = await issueToken(app, 'alice', 1000, 2000);
    await expect(verifyToken(app, token, 2000)).rejects.toThrow('token expired');
    await expect(verifyToken(other, token, 1500)).rejects.toThrow('invalid token');
    await expect(verifyToken(app, `${token}x`, 1500)).rejects.toThrow('invalid token');
  });

  it('refuse other algorithms and missing claims', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"user_id":"a","iat":1,"exp":9e15}').toString('base64url')}.`;
    await expect(verifyToken(app, none, 2)).rejects.toThrow('invalid token');
    const noUser = await new SignJWT({ iat: 1, exp: 9e15 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(app.tokenSecret));
    await expect(verifyToken(app, noUser, 2)).rejects.toThrow('invalid token claims');
  });
});
