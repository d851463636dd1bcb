import { describe, expect, it } from 'vitest';
import { InboundGate, type FloodPolicy, type FloodTarget } from './inbound-gate.ts';

const LIMITS = { eventsPerSecond: 10, eventsBurst: 5, floodDisconnectAfter: 3 };

function gate(now = 0) {
  const cuts: string[] = [];
  const policy: FloodPolicy = { limits: LIMITS, flooded: (t) => t.cutOff('flood') };
  const target: FloodTarget = { floodContext: () => ({}), cutOff: (reason) => cuts.push(reason) };
  return { gate: new InboundGate(policy, target, now), cuts };
}

describe('InboundGate', () => {
  it('admits the burst, refuses beyond it, and cuts once after the refusal limit', () => {
    const { gate: g, cuts } = gate();
    expect(Array.from({ length: 5 }, () => g.admit(0))).toEqual([true, true, true, true, true]);
    expect([g.admit(0), g.admit(0), g.admit(0)]).toEqual([false, false, false]);
    expect(cuts).toEqual(['flood']);
    expect(g.flooded).toBe(true);
    expect(g.admit(10_000)).toBe(false);
    expect(cuts).toHaveLength(1);
  });

  it('refills at the sustained rate', () => {
    const { gate: g } = gate();
    for (let i = 0; i < 5; i++) g.admit(0);
    expect(g.admit(0)).toBe(false);
    expect(g.admit(100)).toBe(true); // 10/s: one token after 100 ms
    expect(g.admit(100)).toBe(false);
  });

  it('forgets refusals over time: occasional overshoots never add up to a cut', () => {
    const { gate: g, cuts } = gate();
    // Every 10 s a burst one packet over what the bucket holds: one refusal each time, for an hour.
    for (let t = 0, round = 0; round < 360; round++, t += 10_000) for (let i = 0; i < LIMITS.eventsBurst + 1; i++) g.admit(t);
    expect(cuts).toEqual([]);
  });
});
