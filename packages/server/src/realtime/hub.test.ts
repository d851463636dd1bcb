import { describe, expect, it } from 'vitest';
import { Hub } from './hub.ts';
import { Payload } from './payload.ts';
import { Session, type SessionWriter } from './session.ts';

interface Write {
  to: string[];
  event: string;
  data: unknown;
}

function recorder(): SessionWriter & { writes: Write[] } {
  const writes: Write[] = [];
  return { writes, deliver: (sessions, event, payload) => writes.push({ to: sessions.map((s) => s.id), event, data: payload.args[0] }) };
}

function session(id: string, appId: string, writer: SessionWriter): Session {
  return new Session({ kind: 'rtcs', id, transportId: `transport-${id}`, appId, user: `user-${id}`, via: 'browser', origin: '', transport: 'test', granted: [], writer, close: () => {} });
}

describe('Hub', () => {
  it('delivers once per session across overlapping channels, in one write per writer', () => {
    const hub = new Hub();
    const w1 = recorder();
    const w2 = recorder();
    const a = session('a', 'app', w1);
    const b = session('b', 'app', w1);
    const c = session('c', 'app', w2);
    for (const s of [a, b, c]) hub.add(s);
    hub.join(a, 'x');
    hub.join(a, 'y');
    hub.join(b, 'y');
    hub.join(c, 'x');
    expect(hub.deliver('app', ['x', 'y'], 'e', Payload.of([1]))).toBe(3);
    expect(w1.writes).toEqual([{ to: ['a', 'b'], event: 'e', data: 1 }]);
    expect(w2.writes).toEqual([{ to: ['c'], event: 'e', data: 1 }]);
  });

  it('keeps apps apart and honours the excluded session', () => {
    const hub = new Hub();
    const w = recorder();
    const mine = session('m', 'app1', w);
    const theirs = session('t', 'app2', w);
    hub.add(mine);
    hub.add(theirs);
    hub.join(mine, 'shared');
    hub.join(theirs, 'shared');
    hub.deliver('app1', ['shared'], 'e', Payload.of(['x']));
    expect(w.writes.map((x) => x.to)).toEqual([['m']]);
    expect(hub.deliver('app1', ['shared'], 'e', Payload.of(['x']), 'm')).toBe(0);
    expect(hub.members('app2', 'shared')).toEqual({ t: 'user-t' });
    expect(hub.count('app1', 'shared')).toBe(1);
  });

  it("leaves out every session of the excluded user (a typer's own typing event), on one channel or several", () => {
    const hub = new Hub();
    const w = recorder();
    const [a1, a2, b] = [session('a1', 'app', w), session('a2', 'app', w), session('b', 'app', w)];
    const twin = new Session({ kind: 'chat', id: 'a3', transportId: 't-a3', appId: 'app', user: 'user-a1', via: 'chat', origin: '', transport: 'test', granted: [], writer: w, close: () => {} });
    for (const s of [a1, a2, b, twin]) {
      hub.add(s);
      hub.join(s, 'g');
    }
    hub.join(b, 'h');
    expect(hub.deliver('app', ['g'], 'e', Payload.of([1]), undefined, undefined, 'user-a1')).toBe(2);
    expect(hub.deliver('app', ['g', 'h'], 'e', Payload.of([2]), undefined, undefined, 'user-a1')).toBe(2);
    expect(w.writes.map((x) => x.to)).toEqual([
      ['a2', 'b'],
      ['a2', 'b'],
    ]);
  });

  it('removes every subscription of a closed session and forgets empty channels', () => {
    const hub = new Hub();
    const s = session('s', 'app', recorder());
    hub.add(s);
    hub.join(s, 'a');
    expect(hub.join(s, 'a')).toBe(false);
    hub.join(s, 'b');
    expect(hub.subscriptionCount).toBe(2);
    expect(hub.remove(s).sort()).toEqual(['a', 'b']);
    expect(hub.subscriptionCount).toBe(0);
    expect(hub.sessionCount).toBe(0);
    expect(hub.leave(s, 'a')).toBe(false);
    expect(hub.deliver('app', ['a'], 'e', Payload.of([1]))).toBe(0);
  });
});
