import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Packet } from './codec.ts';
import { LegacySocket, type OutboundPacket, type SocketHandler, type TransportLink, type TransportName } from './socket.ts';

const TIMING = { heartbeatTimeoutMs: 1000, closeTimeoutMs: 2000, heartbeatIntervalMs: 300, pollingDurationMs: 500, namespaceGraceMs: 100 };

/** A transport that records what it was given; `once` behaves like a poll (detaches after a write). */
class FakeLink implements TransportLink {
  written: string[][] = [];
  closed = false;
  open = true;
  constructor(
    readonly name: TransportName,
    private readonly socket: () => LegacySocket,
    private readonly once = false,
    readonly writeMaxBytes = Number.POSITIVE_INFINITY,
  ) {}
  writable() {
    return this.open && !this.closed;
  }
  write(packets: readonly OutboundPacket[]) {
    this.written.push(packets.map((p) => p.text));
    if (this.once) {
      this.open = false;
      this.socket().detach(this);
    }
  }
  pending() {
    return { packets: 0, bytes: 0 };
  }
  close() {
    this.closed = true;
  }
}

function setup() {
  const events: string[] = [];
  const packets: Packet[] = [];
  const handler: SocketHandler = {
    connected: () => events.push('connected'),
    packet: (_s, p) => packets.push(p),
    malformed: (_s, reason) => events.push(`malformed:${reason}`),
    closed: (_s, reason) => events.push(`closed:${reason}`),
  };
  const destroyed: string[] = [];
  const socket = new LegacySocket('sid1', TIMING, handler, (s) => destroyed.push(s.sid));
  const ws = () => new FakeLink('websocket', () => socket);
  const poll = (writeMaxBytes?: number) => new FakeLink('xhr-polling', () => socket, true, writeMaxBytes);
  return { socket, events, packets, destroyed, ws, poll };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LegacySocket', () => {
  it('sends 1:: first on its first transport, then what was queued, and heartbeats every interval', () => {
    const { socket, events, ws } = setup();
    socket.send('5:::{"name":"early"}');
    const link = ws();
    socket.attach(link);
    expect(events).toEqual(['connected']);
    expect(link.written).toEqual([['1::', '5:::{"name":"early"}']]);
    socket.receive(['2::']);
    vi.advanceTimersByTime(TIMING.heartbeatIntervalMs);
    expect(link.written.at(-1)).toEqual(['2::']);
  });

  it('buffers while no transport is attached and flushes on the next one', () => {
    const { socket, poll } = setup();
    const first = poll();
    socket.attach(first);
    expect(first.written).toEqual([['1::']]);
    socket.send('a');
    socket.send('한');
    expect(socket.backlog()).toEqual({ packets: 2, bytes: 4 });
    const second = poll();
    socket.attach(second);
    expect(second.written).toEqual([['a', '한']]);
    expect(socket.backlog()).toEqual({ packets: 0, bytes: 0 });
  });

  it('answers one poll with at most its byte cap, in order, and keeps the rest for the next poll', () => {
    const { socket, poll } = setup();
    socket.attach(poll());
    const big = 'x'.repeat(400);
    for (const tag of ['1', '2', '3', '4', '5']) socket.send(`${tag}${big}`);
    socket.send('y'.repeat(2000));
    const answers: string[][] = [];
    while (socket.backlog().packets > 0) {
      const link = poll(1000);
      socket.attach(link);
      answers.push(link.written.flat());
    }
    // Two 401-byte packets fit under 1000 bytes, a third does not; a packet over the cap goes alone.
    expect(answers.map((a) => a.map((p) => p[0]))).toEqual([['1', '2'], ['3', '4'], ['5'], ['y']]);
  });

  it('ends after the close timeout without a transport, and not before', () => {
    const { socket, events, destroyed, poll } = setup();
    socket.attach(poll());
    // POSTs keep the client alive (heartbeat timeout) but are no transport: the close timeout runs.
    for (let t = 0; t < TIMING.closeTimeoutMs - 500; t += 500) {
      vi.advanceTimersByTime(500);
      socket.receive(['2::']);
    }
    vi.advanceTimersByTime(490);
    expect(destroyed).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(events).toContain('closed:close timeout');
    expect(destroyed).toEqual(['sid1']);
    expect(socket.state).toBe('closed');
  });

  it('ends a client silent for the heartbeat timeout, whatever the transport', () => {
    const { socket, events, ws } = setup();
    const link = ws();
    socket.attach(link);
    vi.advanceTimersByTime(TIMING.heartbeatTimeoutMs - 100);
    socket.receive(['2::']);
    vi.advanceTimersByTime(TIMING.heartbeatTimeoutMs - 100);
    expect(socket.state).toBe('open');
    vi.advanceTimersByTime(200);
    expect(events).toContain('closed:heartbeat timeout');
    expect(link.closed).toBe(true);
  });

  it('expires a handshake no transport follows', () => {
    const { socket, destroyed } = setup();
    vi.advanceTimersByTime(TIMING.closeTimeoutMs + 1);
    expect(destroyed).toEqual(['sid1']);
    expect(socket.state).toBe('closed');
  });

  it('closing with flush hands the last packets to the next poll, then forgets the sid', () => {
    const { socket, events, destroyed, poll } = setup();
    socket.attach(poll());
    socket.send('5:::{"name":"error","args":["bye"]}');
    socket.send('0::');
    socket.close('kicked', true);
    expect(events).toContain('closed:kicked');
    expect(socket.state).toBe('closing');
    socket.send('ignored: the session is over');
    const last = poll();
    socket.attach(last);
    expect(last.written).toEqual([['5:::{"name":"error","args":["bye"]}', '0::']]);
    expect(destroyed).toEqual(['sid1']);
  });

  it('a newer transport replaces the previous one', () => {
    const { socket, poll, ws } = setup();
    const held = new FakeLink('xhr-polling', () => socket, true);
    socket.attach(poll());
    socket.attach(held);
    const upgraded = ws();
    socket.attach(upgraded);
    expect(held.closed).toBe(true);
    socket.send('x');
    expect(upgraded.written.at(-1)).toEqual(['x']);
  });

  it('reports malformed packets and keeps going with the rest', () => {
    const { socket, events, packets, ws } = setup();
    socket.attach(ws());
    socket.receive(['junk', '5:::{"name":"a"}', '5:::{', '2::']);
    expect(events.filter((e) => e.startsWith('malformed'))).toHaveLength(2);
    expect(packets.map((p) => p.type)).toEqual(['event', 'heartbeat']);
  });

  it('stops reading the rest of a body once a packet closes the socket', () => {
    const seen: string[] = [];
    const socket: LegacySocket = new LegacySocket(
      'sid2',
      TIMING,
      {
        connected: () => {},
        malformed: () => {},
        closed: () => {},
        packet: (s, p) => {
          seen.push(p.type);
          if (p.type === 'disconnect') s.close('client disconnected', false);
        },
      },
      () => {},
    );
    socket.attach(new FakeLink('websocket', () => socket));
    socket.receive(['2::', '0::', '2::', '5:::{"name":"late"}']);
    expect(seen).toEqual(['heartbeat', 'disconnect']);
    expect(socket.state).toBe('closed');
  });
});
