import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { Admission } from './admission.ts';
import { Hub } from './hub.ts';
import { HubPresence, type PresenceStore } from './presence.ts';

const LIMITS = { accessUrlMaxSessions: 2, userMaxSessions: 3, ipMaxSessions: 2, handshakesPerIpPerS: 10 };
const admission = (presence: PresenceStore = new HubPresence(new Hub()), limits = LIMITS) => new Admission(limits, presence, silentLogger());

describe('Admission', () => {
  it('lets bursts of four times the handshake rate through per address, then refills', () => {
    const a = admission();
    const at = 1_000;
    const answers = Array.from({ length: 41 }, () => a.handshake('10.0.0.1', at));
    expect(answers.filter((r) => r === undefined)).toHaveLength(40);
    expect(answers[40]).toMatch(/too many connection attempts/);
    expect(a.handshake('10.0.0.2', at)).toBeUndefined();
    expect(a.handshake('10.0.0.1', at + 200)).toBeUndefined();
  });

  it('refuses handshakes from an address holding its maximum of connections, until one closes', () => {
    const a = admission();
    a.connected('10.0.0.1');
    a.connected('10.0.0.1');
    expect(a.handshake('10.0.0.1')).toMatch(/too many connections/);
    a.disconnected('10.0.0.1');
    expect(a.handshake('10.0.0.1')).toBeUndefined();
    expect(a.handshake('10.0.0.1')).toBeUndefined();
  });

  it('caps places per access URL and per user, and frees them on release', async () => {
    const a = admission();
    const url = { appId: 'app', user: 'u', signature: 'sig-1' };
    const t1 = await a.claim(url);
    await a.claim(url);
    await expect(a.claim(url)).rejects.toThrow(/access URL is already used by 2 sessions/);
    await a.claim({ ...url, signature: 'sig-2' });
    // The user's fourth session is refused, and the URL place it took on the way is given back.
    await expect(a.claim({ ...url, signature: 'sig-3' })).rejects.toThrow(/too many sessions/);
    t1.release();
    await a.claim({ ...url, signature: 'sig-3' });
    await expect(a.claim({ ...url, appId: 'other' })).resolves.toBeDefined();
  });

  it('admits when the presence store cannot answer (Redis down)', async () => {
    const broken = new HubPresence(new Hub());
    broken.claim = () => Promise.reject(new Error('redis down'));
    await expect(admission(broken).claim({ appId: 'app', user: 'u', signature: 's' })).resolves.toBeDefined();
  });
});
