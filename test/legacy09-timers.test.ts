/**
 * The 0.9 timers with short settings: heartbeats keep a real client alive past the heartbeat timeout,
 * a silent client is dropped, a dropped transport's session lives on for the close timeout buffering
 * packets, long polls end with `8::`, unused handshakes expire, and shutdown ends every 0.9 client.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accessUrl, connectClient, connected, publish, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';
import { publicIdOf, sessionOf } from './support/sessions.ts';
import { connect09, handshake09, httpText, RawWebSocket09, rawWsSession, transportUrl, type Transport09 } from './legacy09-client.ts';

const TIMING = { heartbeatIntervalMs: 300, heartbeatTimeoutMs: 1000, closeTimeoutMs: 1000, pollingDurationMs: 150, namespaceGraceMs: 200 };

let tp: TestParley;
const open: Array<{ close(): void }> = [];

beforeAll(async () => {
  tp = await startParley({ legacy09: TIMING });
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
  await tp.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function watcher(user: string, channel: string): Promise<AnyClient> {
  const c = connectClient('4.x', await accessUrl(tp, user, [channel]));
  open.push(c);
  const ok = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type === 'subscribe_success');
  await connected(c);
  await ok;
  return c;
}

/** A raw websocket session that joined the RTCS namespace, its access URL granting `channels`. */
async function rawSession(user: string, channels: string[]): Promise<{ sid: string; url: string; ws: RawWebSocket09 }> {
  const url = await accessUrl(tp, user, channels);
  const { sid, ws } = await rawWsSession(url);
  open.push(ws);
  for (const name of channels) await ws.frame((f) => f.includes('subscribe_success') && f.includes(`"${name}"`));
  return { sid, url, ws };
}

describe.each<Transport09>(['websocket', 'xhr-polling'])('socket.io-client 0.9.17 over %s with short timers', (transport) => {
  it('stays connected well past the heartbeat timeout by answering heartbeats', async () => {
    expect(TIMING.heartbeatTimeoutMs).toBeLessThan(2500);
    const c = connect09(await accessUrl(tp, `hb-${transport}`, [`hb_${transport}`]), transport);
    open.push(c);
    await connected(c);
    // Count the heartbeats the client's transport receives (the client answers each one itself).
    const t = c.nsp.socket.transport as unknown as { onPacket(p: { type: string }): unknown };
    let heartbeats = 0;
    const onPacket = t.onPacket.bind(t);
    t.onPacket = (p) => {
      if (p.type === 'heartbeat') heartbeats++;
      return onPacket(p);
    };
    let disconnected = false;
    c.on('disconnect', () => (disconnected = true));

    await sleep(2500);
    expect(heartbeats).toBeGreaterThanOrEqual(5);
    expect(disconnected).toBe(false);
    expect(sessionOf(tp, c.nsp.socket.sessionid!)).toBeDefined();
    const got = waitFor(c, 'still');
    await publish(tp, [`hb_${transport}`], 'still', { here: '여기' });
    expect(await got).toEqual({ here: '여기' });
  });
});

describe('server-side timers', () => {
  it('drops a client that stops answering heartbeats after the heartbeat timeout', async () => {
    const w = await watcher('hb-watch', 'presence_silent');
    const joined = waitFor<ChannelResultMsg>(w, 'rtcs:channel', (d) => d.type === 'member_join');
    const { sid, ws } = await rawSession('silent', ['presence_silent']);
    await joined;
    const id = publicIdOf(tp, sid);
    const quietSince = Date.now();
    const left = await waitFor<ChannelResultMsg>(w, 'rtcs:channel', (d) => d.type === 'member_leave', 4000);
    const elapsed = Date.now() - quietSince;
    expect(left.info).toEqual({ session: id, user: 'silent' });
    expect(elapsed).toBeGreaterThanOrEqual(TIMING.heartbeatTimeoutMs - 100);
    expect(elapsed).toBeLessThan(TIMING.heartbeatTimeoutMs + 1000);
    // It was sent heartbeats it never answered, then the server closed the websocket.
    expect(ws.frames.filter((f) => f === '2::').length).toBeGreaterThanOrEqual(2);
    await ws.closed();
  });

  it('keeps a session whose websocket dropped for the close timeout, buffering what it is sent', async () => {
    const w = await watcher('buf-watch', 'presence_buf');
    const { sid, url, ws } = await rawSession('buffered', ['presence_buf', 'buf_room']);
    ws.close();
    await ws.closed();
    await publish(tp, ['buf_room'], 'kept', { t: '버퍼에 있던 메시지' });
    await sleep(TIMING.closeTimeoutMs / 2);
    const id = publicIdOf(tp, sid);

    // A transport for the same sid within the close timeout gets what was buffered.
    const again = await RawWebSocket09.open(transportUrl(url, 'websocket', sid));
    open.push(again);
    expect(await again.frame((f) => f.includes('"kept"'))).toBe('5::/socket.io/1/:{"name":"kept","args":[{"t":"버퍼에 있던 메시지"}]}');
    again.send('2::');

    // Dropped again and not replaced: the session ends after the close timeout.
    const left = waitFor<ChannelResultMsg>(w, 'rtcs:channel', (d) => d.type === 'member_leave', 4000);
    const droppedAt = Date.now();
    again.close();
    expect((await left).info).toEqual({ session: id, user: 'buffered' });
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(TIMING.closeTimeoutMs - 100);
    expect(sessionOf(tp, sid)).toBeUndefined();
  });

  it('answers a long poll with nothing to say 8:: after the polling duration', async () => {
    const url = await accessUrl(tp, 'noop');
    const { sid } = await handshake09(url);
    const poll = transportUrl(url, 'xhr-polling', sid);
    expect((await httpText(poll)).text).toBe('1::');
    const started = Date.now();
    expect((await httpText(poll)).text).toBe('8::');
    const held = Date.now() - started;
    expect(held).toBeGreaterThanOrEqual(TIMING.pollingDurationMs - 20);
    expect(held).toBeLessThan(TIMING.heartbeatIntervalMs + 200);
  });

  it('forgets a handshake that no transport follows within the close timeout', async () => {
    const url = await accessUrl(tp, 'unused');
    const { sid } = await handshake09(url);
    await sleep(TIMING.closeTimeoutMs + 300);
    expect((await httpText(transportUrl(url, 'xhr-polling', sid))).text).toBe('7:::1+0');
  });
});

describe('shutdown', () => {
  it('ends 0.9 clients on both transports and stops promptly', async () => {
    const own = await startParley({ legacy09: TIMING });
    let stopped = false;
    try {
      const clients = await Promise.all(
        (['websocket', 'xhr-polling'] as const).map(async (t) => {
          const url = await accessUrl(own, `bye-${t}`, ['presence_bye']);
          const c = connect09(url, t);
          open.push(c);
          await connected(c);
          return c;
        }),
      );
      const reasons = clients.map((c) => waitFor<string>(c, 'error'));
      const gone = clients.map((c) => waitFor(c, 'disconnect', () => true, 4000));
      const started = Date.now();
      await own.stop();
      stopped = true;
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await Promise.all(reasons)).toEqual(['server is shutting down', 'server is shutting down']);
      await Promise.all(gone);
      expect(own.parley.hub.sessionCount).toBe(0);
    } finally {
      if (!stopped) await own.stop();
    }
  });
});
