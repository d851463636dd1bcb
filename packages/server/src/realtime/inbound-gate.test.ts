import { describe, expect, it } from 'vitest';
import { InboundGate } from './inbound-gate.ts';

const LIMITS = { eventsPerSecond: 10, eventsBurst: 5, floodDisconnectAfter: 3 };

describe('InboundGate', () => {
  it('admits the burst, refuses beyond it, and cuts once after the refusal limit', () => {
    let cuts = 0;
    const gate = new InboundGate(LIMITS, () => cuts++, 0);
    expect(Array.from({ length: 5 }, () => gate.admit(0))).toEqual([true, true, true, true, true]);
    expect([gate.admit(0), gate.admit(0), gate.admit(0)]).toEqual([false, false, false]);
    expect(cuts).toBe(1);
    expect(gate.flooded).toBe(true);
    expect(gate.admit(10_000)).toBe(false);
    expect(cuts).toBe(1);
  });

  it('forgets refusals over time: occasional overshoots never add up to a cut', () => {
    let cuts = 0;
    const gate = new InboundGate(LIMITS, () => cuts++, 0);
    let t = 0;
    // Every 10 s a burst one packet over what the bucket holds: one refusal each time, for an hour.
    for (let round = 0; round < 360; round++, t += 10_000) for (let i = 0; i < LIMITS.eventsBurst + 1; i++) gate.admit(t);
    expect(cuts).toBe(0);
  });
});
