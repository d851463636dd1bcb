/**
 * One RTCS conformance table run against every client generation Parley serves with the access URL
 * verbatim: RTCS's own socket.io-client 0.9.17 (websocket and xhr-polling, on the legacy 0.9 handler),
 * 2.5.0 (EIO3) and 4.x (both on socket.io v4). Each case is written once, as a function of the client.
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  accessUrl,
  api,
  collect,
  connectClient,
  connected,
  publish,
  subscribe,
  waitFor,
  type AnyClient,
  type ChannelResultMsg,
} from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';
import { connect09, sio09 } from './legacy09-client.ts';

const require = createRequire(import.meta.url);

interface ClientKind {
  name: string;
  /** Short tag that keeps each kind's channels apart. */
  tag: string;
  version: () => string;
  connect(url: string): AnyClient;
}

const KINDS: ClientKind[] = [
  { name: 'socket.io-client 0.9.17 over websocket', tag: 'v09ws', version: () => sio09.version, connect: (url) => connect09(url, 'websocket') },
  { name: 'socket.io-client 0.9.17 over xhr-polling', tag: 'v09xhr', version: () => sio09.version, connect: (url) => connect09(url, 'xhr-polling') },
  {
    name: 'socket.io-client 2.5.0',
    tag: 'v2',
    version: () => (require('sio2/package.json') as { version: string }).version,
    connect: (url) => connectClient('2.x', url),
  },
  {
    name: 'socket.io-client 4.x',
    tag: 'v4',
    version: () => (require('socket.io-client/package.json') as { version: string }).version,
    connect: (url) => connectClient('4.x', url),
  },
];

let tp: TestParley;
const open: AnyClient[] = [];

beforeAll(async () => {
  tp = await startParley();
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
  await tp.stop();
});

/** Connects a client of `kind` as `user` with `channels` granted; resolves once connected. */
async function join(kind: ClientKind, user: string, channels: string[] = []): Promise<{ client: AnyClient; results: ChannelResultMsg[] }> {
  const client = kind.connect(await accessUrl(tp, user, channels));
  open.push(client);
  const results = collect<ChannelResultMsg>(client, 'rtcs:channel');
  await connected(client);
  await expect.poll(() => results.filter((r) => r.type === 'subscribe_success').length).toBe(channels.length);
  return { client, results };
}

const members = (channel: string) => api(tp, 'GET', `/v2/channel/${tp.appId}/sessions?channel=${channel}`);
const count = async (channel: string) => ((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=${channel}`)).body as { count: number }).count;

interface Case {
  name: string;
  run(kind: ClientKind): Promise<void>;
}

const CASES: Case[] = [
  {
    name: 'connects with the access URL verbatim',
    async run(kind) {
      expect(kind.version()).toMatch(/^(0\.9\.17|2\.5\.0|4\.)/);
      await join(kind, `conn-${kind.tag}`);
    },
  },
  {
    name: 'joins granted channels at connect, each confirmed by subscribe_success (with members for presence_)',
    async run(kind) {
      const user = `grant-${kind.tag}`;
      const { results } = await join(kind, user, [`private_g_${kind.tag}`, `presence_g_${kind.tag}`]);
      expect(results.map((r) => [r.type, r.name])).toEqual([
        ['subscribe_success', `private_g_${kind.tag}`],
        ['subscribe_success', `presence_g_${kind.tag}`],
      ]);
      expect(Object.values(results[1]!.members!)).toEqual([user]);
    },
  },
  {
    name: 'subscribes to a public channel',
    async run(kind) {
      const { client } = await join(kind, `pub-${kind.tag}`);
      expect(await subscribe(client, `public_${kind.tag}`)).toMatchObject({ type: 'subscribe_success', name: `public_${kind.tag}` });
    },
  },
  {
    name: 'receives a publish with Korean text, as the bare data',
    async run(kind) {
      const { client } = await join(kind, `ko-${kind.tag}`);
      await subscribe(client, `ko_${kind.tag}`);
      const got = waitFor(client, 'greeting');
      const data = { text: '안녕하세요, 실시간 세계 👋', list: ['가', '나', '다'], n: 3 };
      expect((await publish(tp, [`ko_${kind.tag}`], 'greeting', data)).status).toBe(200);
      expect(await got).toEqual(data);
    },
  },
  {
    name: 'sees presence joins and leaves of every client generation, and is seen by them',
    async run(kind) {
      const channel = `presence_x_${kind.tag}`;
      const { client: me } = await join(kind, `me-${kind.tag}`, [channel]);
      const others: AnyClient[] = [];
      for (const other of KINDS) {
        const user = `other-${other.tag}`;
        const joined = waitFor<ChannelResultMsg>(me, 'rtcs:channel', (d) => d.type === 'member_join' && d.info?.user === user);
        const { client, results } = await join(other, user, [channel]);
        expect((await joined).name).toBe(channel);
        expect(Object.values(results[0]!.members!)).toContain(`me-${kind.tag}`);
        others.push(client);
      }
      // One other client leaves: seen by me.
      const leaving = others.pop()!;
      const left = waitFor<ChannelResultMsg>(me, 'rtcs:channel', (d) => d.type === 'member_leave' && d.info?.user === `other-${KINDS.at(-1)!.tag}`);
      leaving.close();
      expect((await left).message).toBe('');
      // I leave: seen by every remaining generation.
      const seen = others.map((o) => waitFor<ChannelResultMsg>(o, 'rtcs:channel', (d) => d.type === 'member_leave' && d.info?.user === `me-${kind.tag}`));
      me.close();
      expect((await Promise.all(seen)).map((d) => d.name)).toEqual(others.map(() => channel));
    },
  },
  {
    name: 'is listed by the sessions and count APIs while connected',
    async run(kind) {
      const channel = `member_api_${kind.tag}`;
      const user = `api-${kind.tag}`;
      const { client } = await join(kind, user, [channel]);
      expect(Object.values((await members(channel)).body as Record<string, string>)).toEqual([user]);
      expect(await count(channel)).toBe(1);
      client.close();
      await expect.poll(() => count(channel)).toBe(0);
    },
  },
];

describe.each(KINDS)('$name', (kind) => {
  it.each(CASES)('$name', (c) => c.run(kind));
});
