import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessError, signAccessUrl, verifyAccess } from './access-url.ts';

const app = { id: 'app1', apiKey: 'secret-key' };
const now = 1_700_000_000_000;
const grant = { user: 'u1', channels: ['private_a'], via: 'browser' };

function params(url: string): Record<string, unknown> {
  return Object.fromEntries(new URL(url).searchParams);
}

describe('access URLs', () => {
  it('signs app:ts:d with HMAC-SHA256 of the api key, in hex', () => {
    const p = params(signAccessUrl('http://h:1', app, grant, now)) as Record<string, string>;
    expect(p.ts).toBe('1700000000');
    expect(p.t).toBe(String(now));
    expect(p.s).toBe(createHmac('sha256', app.apiKey).update(`app1:${p.ts}:${p.d}`).digest('hex'));
    expect(verifyAccess(p, app, 60, now)).toEqual(grant);
  });

  it('ignores t, even repeated', () => {
    const p = params(signAccessUrl('http://h:1', app, grant, now));
    expect(verifyAccess({ ...p, t: ['1', '2'] }, app, 60, now)).toEqual(grant);
  });

  it('refuses tampering, another key, expiry, the future and malformed parameters', () => {
    const p = params(signAccessUrl('http://h:1', app, grant, now)) as Record<string, string>;
    const otherD = Buffer.from(JSON.stringify({ ...grant, channels: ['private_b'] })).toString('base64url');
    expect(() => verifyAccess({ ...p, d: otherD }, app, 60, now)).toThrow(/signature/);
    expect(() => verifyAccess({ ...p, ts: String(Number(p.ts) + 1) }, app, 60, now)).toThrow(/signature/);
    expect(() => verifyAccess(p, { ...app, apiKey: 'other' }, 60, now)).toThrow(AccessError);
    expect(() => verifyAccess(p, app, 60, now + 61_000)).toThrow(/expired/);
    expect(verifyAccess(p, app, 60, now + 60_000)).toEqual(grant);
    expect(() => verifyAccess(p, app, 60, now - 3_600_000)).toThrow(/future/);
    expect(() => verifyAccess({ ...p, s: undefined }, app, 60, now)).toThrow(/lacks the s/);
    expect(() => verifyAccess({ ...p, ts: ['1', '2'] }, app, 60, now)).toThrow(/malformed ts/);
    expect(() => verifyAccess({ ...p, ts: 'abc' }, app, 60, now)).toThrow(/malformed ts/);
  });

  it('refuses a correctly signed but malformed grant', () => {
    const ts = String(now / 1000);
    const d = Buffer.from('not json').toString('base64url');
    const s = createHmac('sha256', app.apiKey).update(`app1:${ts}:${d}`).digest('hex');
    expect(() => verifyAccess({ app: 'app1', ts, s, d }, app, 60, now)).toThrow(/malformed d/);
  });
});
