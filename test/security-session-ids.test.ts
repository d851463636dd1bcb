/**
 * Finding 1, session takeover through leaked session ids. A co-member of a `presence_` channel learns
 * every other member's session id (subscribe_success.members, member_join.info.session), as does whoever
 * sees the sessions API or the webhooks. That id must be a public one — 22 characters of base64url,
 * unrelated to any transport id — so that replaying it against the 0.9 transports (xhr-polling GET and
 * POST, websocket) and engine.io (EIO3 and EIO4 polling, websocket upgrade) yields nothing of the
 * victim's: `7:::1+0` from 0.9, HTTP 400 from engine.io. Throughout, the victims — 0.9 over xhr-polling
 * and over websocket, 2.x and 4.x over polling — keep their connections and receive their `private_`
 * publications made afterwards exactly once; the attacker receives none of them.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelCommand09, connect09, framed09, httpText, RawWebSocket09, transportUrl, type Client09 } from './legacy09-client.ts';
import { encodePolling, engineUrl, sioPacket, type EioVersion } from './support/engineio-raw.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import { accessUrl, api, collect, connectClient, connected, publish, subscribe, transportIds, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const PUBLIC_ID = /^[A-Za-z0-9_-]{22}$/;
const NOT_HANDSHAKEN = '7:::1+0';

let receiver: HookReceiver;
let tp: TestParley;
const open: AnyClient[] = [];
const raws: Array<{ close(): void }> = [];

beforeAll(async () => {
  receiver = await startHookReceiver();
  // Short 0.9 polls, so that an attacker's GET held on a live socket comes back within the test.
  tp = await startParley({ env: { APP_WEBHOOK_URL: `${receiver.url}/hook` }, legacy09: { pollingDurationMs: 1000 } });
});
afterAll(async () => {
  for (const r of raws) r.close();
  for (const c of open) c.close();
  await tp?.stop();
  await receiver?.close();
});

interface Victim {
  name: string;
  user: string;
  client: AnyClient;
  /** Granted at access, so nobody else can subscribe to it. */
  privateChannel: string;
  transportIds(): string[];
  /** The id the attacker saw in member_join. */
  shownId: string;
  disconnects: number;
  /** What this victim received on `secret`. */
  secrets: Array<{ marker: string }>;
}

interface Scene {
  room: string;
  attacker: AnyClient;
  attackerUrl: string;
  victims: Victim[];
  /** Everything the attacker's hand-made requests got back. */
  attackerSaw: string[];
  /** Frames of the attacker's sockets, still growing while they stay open. */
  attackerFrames: string[][];
}

const KINDS = [
  { name: '0.9 xhr-polling', connect: (url: string) => connect09(url, 'xhr-polling') },
  { name: '0.9 websocket', connect: (url: string) => connect09(url, 'websocket') },
  { name: '2.x polling', connect: (url: string) => connectClient('2.x', url, ['polling']) },
  { name: '4.x polling', connect: (url: string) => connectClient('4.x', url, ['polling']) },
] as const;

function idsOf(client: AnyClient): string[] {
  const sid = (client as Partial<Client09>).nsp?.socket.sessionid;
  return sid ? [sid] : transportIds(client);
}

let scenes = 0;

/** An attacker in a presence channel, then four victims of every kind joining it. */
async function scene(): Promise<Scene> {
  const tag = `s${++scenes}`;
  const room = `presence_room_${tag}`;
  const attackerUrl = await accessUrl(tp, `mallory-${tag}`, [room]);
  const attacker = connectClient('4.x', attackerUrl, ['websocket']);
  open.push(attacker);
  const notices = collect<ChannelResultMsg>(attacker, 'rtcs:channel');
  await connected(attacker);
  await expect.poll(() => notices.some((n) => n.type === 'subscribe_success')).toBe(true);

  const victims = await Promise.all(
    KINDS.map(async (kind, i) => {
      const user = `victim${i}-${tag}`;
      const privateChannel = `private_v${i}_${tag}`;
      const client = kind.connect(await accessUrl(tp, user, [room, privateChannel]));
      open.push(client);
      const results = collect<ChannelResultMsg>(client, 'rtcs:channel');
      const secrets = collect<{ marker: string }>(client, 'secret');
      await connected(client);
      await expect.poll(() => results.filter((r) => r.type === 'subscribe_success').length, { timeout: 5000 }).toBe(2);
      const victim: Victim = { name: kind.name, user, client, privateChannel, transportIds: () => idsOf(client), shownId: '', disconnects: 0, secrets };
      client.on('disconnect', () => victim.disconnects++);
      return victim;
    }),
  );
  await expect.poll(() => notices.filter((n) => n.type === 'member_join').length, { timeout: 5000 }).toBe(victims.length);
  for (const v of victims) v.shownId = notices.find((n) => n.type === 'member_join' && n.info?.user === v.user)!.info!.session;
  return { room, attacker, attackerUrl, victims, attackerSaw: [], attackerFrames: [] };
}

/** The shown id and, for an id with a `#` (how EIO3 socket ids read), the part after it. */
function candidates(id: string): string[] {
  const out = [id];
  if (id.includes('#')) out.push(id.slice(id.indexOf('#') + 1));
  return out;
}

/**
 * The victims are undisturbed: still connected, each gets a `private_` publication made now exactly
 * once, and nothing the attacker holds saw any of them.
 */
async function victimsUndisturbed(s: Scene): Promise<void> {
  const markers = new Map<Victim, string>();
  for (const v of s.victims) {
    const marker = `secret-${randomBytes(6).toString('hex')}`;
    markers.set(v, marker);
    expect((await publish(tp, [v.privateChannel], 'secret', { marker })).status).toBe(200);
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && s.victims.some((v) => !v.secrets.some((x) => x.marker === markers.get(v)))) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 300)); // room for a repeat to show
  const state = s.victims.map((v) => ({
    victim: v.name,
    disconnects: v.disconnects,
    session: tp.parley.hub.allSessions().filter((x) => x.user === v.user).length,
    received: v.secrets.filter((x) => x.marker === markers.get(v)).length,
  }));
  expect(state, 'victims after the attack').toEqual(s.victims.map((v) => ({ victim: v.name, disconnects: 0, session: 1, received: 1 })));
  const leaked = [...s.attackerSaw, ...s.attackerFrames.flat()].filter((text) => text.includes('secret'));
  expect(leaked, 'what the attacker got of the victims').toEqual([]);
}

describe('session ids that leave the server', () => {
  it('are one public id per session everywhere (members, member_join, sessions API, webhooks): 22 characters of base64url, unrelated to any transport id', async () => {
    const s = await scene();
    // The attacker asks again: an already-subscribed channel answers subscribe_success with its members.
    const members = (await subscribe(s.attacker, s.room)).members ?? {};
    const sessions = (await api(tp, 'GET', `/v2/channel/${tp.appId}/sessions?channel=${s.room}`)).body as Record<string, string>;
    const hooked = (v: Victim, type: string) => receiver.received.filter((h) => h.body.type === type && h.body.user === v.user).map((h) => String(h.body.session));
    await expect.poll(() => s.victims.every((v) => hooked(v, 'connect').length === 1 && hooked(v, 'subscribe').length === 2), { timeout: 5000 }).toBe(true);

    for (const v of s.victims) {
      const byMembers = Object.keys(members).filter((id) => members[id] === v.user);
      const bySessions = Object.keys(sessions).filter((id) => sessions[id] === v.user);
      const seen = new Set([v.shownId, ...byMembers, ...bySessions, ...hooked(v, 'connect'), ...hooked(v, 'subscribe')]);
      const transport = v.transportIds();
      expect(transport.length, `${v.name}: the client knows its transport ids`).toBeGreaterThan(0);
      const related = [...seen].filter((id) => transport.some((t) => t === id || t.includes(id) || id.includes(t)));
      expect(related, `${v.name}: visible ids that equal, contain or are contained in its transport ids ${JSON.stringify(transport)}`).toEqual([]);
      expect([...seen], `${v.name}: one id in members, member_join, sessions and webhooks`).toHaveLength(1);
      expect(v.shownId, `${v.name}: public id`).toMatch(PUBLIC_ID);
    }
    expect(new Set(s.victims.map((v) => v.shownId)).size).toBe(s.victims.length);
  });
});

describe('replaying a shown id against the 0.9 transports', () => {
  it('GET /socket.io/1/xhr-polling/<id> answers 7:::1+0 and reads nothing of the victim', async () => {
    const s = await scene();
    const got: Array<{ target: string; status: number; text: string }> = [];
    for (const v of s.victims) {
      for (const id of candidates(v.shownId)) {
        const answer = httpText(transportUrl(s.attackerUrl, 'xhr-polling', encodeURIComponent(id)), { signal: AbortSignal.timeout(4000) });
        // Published while the attacker's poll is held: a poll that took over the socket gets it.
        await new Promise((r) => setTimeout(r, 150));
        await publish(tp, [v.privateChannel], 'secret', { marker: 'during the GET attack' });
        const r = await answer;
        s.attackerSaw.push(r.text);
        got.push({ target: `${v.name} ${id}`, status: r.status, text: r.text.slice(0, 120) });
      }
    }
    expect(got).toEqual(got.map((g) => ({ ...g, status: 200, text: NOT_HANDSHAKEN })));
    await victimsUndisturbed(s);
  });

  it('POST /socket.io/1/xhr-polling/<id> answers 7:::1+0 and acts for nobody', async () => {
    const s = await scene();
    const got: Array<{ target: string; status: number; text: string }> = [];
    for (const v of s.victims) {
      for (const id of candidates(v.shownId)) {
        // As the victim: leave its private channel (and its presence room).
        const body = framed09([channelCommand09('unsubscribe', v.privateChannel), channelCommand09('unsubscribe', s.room)]);
        const r = await httpText(transportUrl(s.attackerUrl, 'xhr-polling', encodeURIComponent(id)), { method: 'POST', body, signal: AbortSignal.timeout(4000) });
        got.push({ target: `${v.name} ${id}`, status: r.status, text: r.text.slice(0, 120) });
      }
    }
    expect(got).toEqual(got.map((g) => ({ ...g, status: 200, text: NOT_HANDSHAKEN })));
    await victimsUndisturbed(s);
  });

  it('a websocket on /socket.io/1/websocket/<id> gets 7:::1+0 and is closed', async () => {
    const s = await scene();
    const got: Array<{ target: string; first: string; closed: boolean }> = [];
    for (const v of s.victims) {
      for (const id of candidates(v.shownId)) {
        let first: string;
        let closed = false;
        try {
          const ws = await RawWebSocket09.open(transportUrl(s.attackerUrl, 'websocket', encodeURIComponent(id)));
          raws.push(ws);
          s.attackerFrames.push(ws.frames);
          await publish(tp, [v.privateChannel], 'secret', { marker: 'during the websocket attack' });
          first = await ws.frame(() => true, 2000).catch(() => '(no frame)');
          closed = await ws.closed(2000).then(
            () => true,
            () => false,
          );
        } catch (err) {
          first = String(err);
        }
        got.push({ target: `${v.name} ${id}`, first: first.slice(0, 120), closed });
      }
    }
    expect(got).toEqual(got.map((g) => ({ ...g, first: NOT_HANDSHAKEN, closed: true })));
    await victimsUndisturbed(s);
  });
});

describe('replaying a shown id against engine.io (EIO3 and EIO4 polling)', () => {
  /** engine.io URLs naming `id` as the sid: verbatim, after a `#`, and raw (unencoded) in the query. */
  function engineTargets(s: Scene, v: Victim, eio: EioVersion): Array<{ label: string; url: string }> {
    const out = candidates(v.shownId).map((id) => ({ label: `${v.name} EIO${eio} sid=${id}`, url: engineUrl(s.attackerUrl, eio, 'polling', { sid: id }) }));
    out.push({ label: `${v.name} EIO${eio} raw sid=${v.shownId}`, url: `${engineUrl(s.attackerUrl, eio, 'polling')}&sid=${v.shownId}` });
    return out;
  }

  /** As the victim: leave its private channel, on the namespace its kind of client uses. */
  function hostileBody(v: Victim, eio: EioVersion): string {
    const packet = sioPacket(2, '/socket.io/1/', ['rtcs:channel', { command: 'unsubscribe', name: v.privateChannel }]);
    return encodePolling(eio, [packet]);
  }

  it('a POST with sid=<id> is refused with HTTP 400 and injects nothing', async () => {
    const s = await scene();
    const got: Array<{ target: string; status: number }> = [];
    for (const v of s.victims) {
      for (const eio of [3, 4] as const) {
        for (const t of engineTargets(s, v, eio)) {
          // The body in the victim's own protocol: a 2.x victim's transport parses EIO3 whatever the URL says.
          for (const bodyEio of [3, 4] as const) {
            const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: hostileBody(v, bodyEio), signal: AbortSignal.timeout(4000) });
            s.attackerSaw.push(await res.text());
            got.push({ target: `${t.label} body EIO${bodyEio}`, status: res.status });
          }
        }
      }
    }
    expect(got).toEqual(got.map((g) => ({ ...g, status: 400 })));
    await victimsUndisturbed(s);
  });

  it('a GET with sid=<id> is refused with HTTP 400 and neither reads from nor breaks the victim', async () => {
    const s = await scene();
    const got: Array<{ target: string; status: number }> = [];
    for (const v of s.victims) {
      for (const eio of [3, 4] as const) {
        for (const t of engineTargets(s, v, eio)) {
          const answer = fetch(t.url, { signal: AbortSignal.timeout(4000) }).then(async (res) => ({ status: res.status, text: await res.text() }));
          await new Promise((r) => setTimeout(r, 100));
          await publish(tp, [v.privateChannel], 'secret', { marker: 'during the GET attack' });
          const r = await answer.catch((err: unknown) => ({ status: 0, text: String(err) }));
          s.attackerSaw.push(r.text);
          got.push({ target: t.label, status: r.status });
        }
      }
    }
    expect(got).toEqual(got.map((g) => ({ ...g, status: 400 })));
    await victimsUndisturbed(s);
  });

  it('a websocket upgrade with sid=<id> is refused and takes nothing over', async () => {
    const s = await scene();
    const got: Array<{ target: string; outcome: string }> = [];
    for (const v of s.victims) {
      for (const eio of [3, 4] as const) {
        for (const id of candidates(v.shownId)) {
          const ws = new WebSocket(engineUrl(s.attackerUrl, eio, 'websocket', { sid: id }));
          raws.push({ close: () => ws.terminate() });
          ws.on('error', () => {});
          const frames: string[] = [];
          s.attackerFrames.push(frames);
          // An upgrade that is let through: probe and switch over, as engine.io clients upgrade.
          ws.on('message', (m) => {
            const text = m.toString();
            frames.push(text);
            if (text === '3probe') ws.send('5');
          });
          const outcome = await new Promise<string>((resolve) => {
            ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
            ws.once('open', () => {
              ws.send('2probe');
              resolve('upgraded');
            });
            ws.once('error', (err) => resolve(`error ${err.message}`));
          });
          got.push({ target: `${v.name} EIO${eio} sid=${id}`, outcome });
        }
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual(got.map((g) => ({ ...g, outcome: 'refused 400' })));
    await victimsUndisturbed(s);
  });
});
