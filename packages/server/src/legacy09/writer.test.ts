import { afterEach, describe, expect, it, vi } from 'vitest';
import { Payload } from '../realtime/payload.ts';
import { Session, type SessionWriter } from '../realtime/session.ts';
import type { SessionBridge } from './session-bridge.ts';
import { legacyWriter } from './writer.ts';

/** Just enough of a bridge for the writer: an endpoint and a socket that records what it is sent. */
function fakeBridge(endpoint: string | undefined, packets = 0, bytes = 0) {
  const sent: string[] = [];
  const bridge = { endpoint, socket: { state: 'open', backlog: () => ({ packets, bytes }), send: (p: string) => sent.push(p) } };
  return { bridge: bridge as unknown as SessionBridge, sent };
}

function session(id: string, writer: SessionWriter, close: (reason: string) => void = () => {}): Session {
  return new Session({ kind: 'rtcs', id: `public-${id}`, transportId: id, appId: 'a', user: id, via: 'browser', origin: '', transport: 'legacy09-websocket', granted: [], writer, close });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('legacyWriter', () => {
  it('serialises a publication’s arguments once and frames it once per endpoint', () => {
    const bridges = new Map<string, SessionBridge>();
    const a = fakeBridge('/socket.io/1/');
    const b = fakeBridge('/socket.io/1/');
    const c = fakeBridge('');
    bridges.set('a', a.bridge).set('b', b.bridge).set('c', c.bridge);
    const observer = { published: vi.fn(), delivered: vi.fn(), dropped: vi.fn() };
    const writer = legacyWriter(bridges, { outboundMax: 10, outboundMaxBytes: 1000 }, observer);
    const stringify = vi.spyOn(JSON, 'stringify');

    writer.deliver([session('a', writer), session('b', writer), session('c', writer), session('gone', writer)], 'news', Payload.of([{ t: '한글' }]));

    // The arguments are serialised once for every target (the event name is quoted beside them).
    expect(stringify.mock.calls.filter(([value]) => typeof value !== 'string')).toHaveLength(1);
    expect(a.sent).toEqual(['5::/socket.io/1/:{"name":"news","args":[{"t":"한글"}]}']);
    expect(b.sent).toEqual(a.sent);
    expect(c.sent).toEqual(['5:::{"name":"news","args":[{"t":"한글"}]}']);
  });

  it('drops a session whose queue is full in messages or in bytes instead of growing it', () => {
    for (const [packets, bytes, why] of [
      [10, 0, /10 messages/],
      [1, 1000, /1000 bytes/],
    ] as const) {
      const full = fakeBridge('/socket.io/1/', packets, bytes);
      const observer = { published: vi.fn(), delivered: vi.fn(), dropped: vi.fn() };
      const writer = legacyWriter(new Map([['full', full.bridge]]), { outboundMax: 10, outboundMaxBytes: 1000 }, observer);
      const reasons: string[] = [];
      writer.deliver([session('full', writer, (r) => reasons.push(r))], 'x', Payload.of([1]));
      expect(full.sent).toEqual([]);
      expect(observer.dropped).toHaveBeenCalledWith('slow_consumer');
      expect(reasons[0]).toMatch(/slow consumer/);
      expect(reasons[0]).toMatch(why);
    }
  });
});
