/**
 * deploy/nginx.conf as an operator would use it: Debian's nginx, started by the test (no daemon, its
 * own config, pid, logs and temp files in a temp directory, on free ports), in front of two Parley
 * nodes (the production build) in cluster mode on Redis and one fresh PostgreSQL database.
 *
 * The site file is used as it is except for what every operator changes — the upstream servers, the
 * listen ports, the certificate (self-signed, made with openssl) — plus one plain-HTTP copy of its TLS
 * server block for the clients that cannot be handed a CA (socket.io 0.9 and the SDK's fetch). Through
 * it: socket.io 4.x RTCS clients over polling from many client addresses (so both nodes get some, and
 * each client's polls must stick to its node) and over WebSocket, a 0.9 client over xhr-polling, and
 * the chat SDK; publications and messages go in at either node's own API.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { io as ioV4, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../packages/sdk/src/index.ts';
import { connect09 } from './legacy09-client.ts';
import { seedChat, sendText } from './support/chat-seed.ts';
import { freePort, startNode, type NodeProcess } from './support/node-process.ts';
import { accessUrl, api, connected, subscribe, waitFor, type AnyClient } from './support/rtcs-clients.ts';
import { createTestDatabase, IN_CI, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.ts';

const run = promisify(execFile);
const SITE = readFileSync(new URL('../deploy/nginx.conf', import.meta.url), 'utf8');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const APP = { id: 'edge', key: 'nginx-cluster-key-0123' };
const MAX_POLLING_CLIENTS = 32;

/** nginx is a service like PostgreSQL: under CI its absence fails the test, elsewhere it skips it. */
function nginxAvailable(): boolean {
  if (NGINX) return true;
  if (IN_CI) throw new Error('nginx is required under CI and is not installed (apt-get install -y nginx)');
  console.warn('skipping the nginx cluster test: nginx is not installed');
  return false;
}

/** Replaces what `pattern` matches, insisting on `count` matches: a drift of deploy/nginx.conf fails here. */
function replaceExactly(text: string, pattern: RegExp, count: number, by: (match: string, index: number) => string): string {
  let n = 0;
  const out = text.replace(pattern, (m) => by(m, n++));
  if (n !== count) throw new Error(`deploy/nginx.conf: expected ${count} match(es) of ${pattern}, found ${n}`);
  return out;
}

/** The `server { … }` block of the site that holds `marker`, by brace matching. */
function serverBlock(site: string, marker: string): string {
  const at = site.indexOf(marker);
  const start = site.lastIndexOf('\nserver {', at) + 1;
  let depth = 0;
  for (let i = site.indexOf('{', start); i < site.length; i++) {
    if (site[i] === '{') depth++;
    if (site[i] === '}' && --depth === 0) return site.slice(start, i + 1);
  }
  throw new Error('unbalanced braces in deploy/nginx.conf');
}

interface Ports {
  redirect: number;
  tls: number;
  plain: number;
}

function siteForTest(nodes: readonly NodeProcess[], ports: Ports, cert: string, key: string): string {
  let site = replaceExactly(SITE, /^\s*server 127\.0\.0\.1:\d+;.*$/gm, 2, (_m, i) => `    server 127.0.0.1:${nodes[i]!.port};`);
  site = replaceExactly(site, /^\s*listen \[::\]:\d+.*$/gm, 2, () => '');
  site = replaceExactly(site, /^\s*listen 80;$/gm, 1, () => `    listen 127.0.0.1:${ports.redirect};`);
  site = replaceExactly(site, /^\s*listen 443 ssl http2;$/gm, 1, () => `    listen 127.0.0.1:${ports.tls} ssl http2;`);
  site = replaceExactly(site, /^\s*ssl_certificate\s+\S+;/gm, 1, () => `    ssl_certificate ${cert};`);
  site = replaceExactly(site, /^\s*ssl_certificate_key\s+\S+;/gm, 1, () => `    ssl_certificate_key ${key};`);
  // The same server block without TLS, for clients that cannot be given a CA.
  const plain = serverBlock(site, 'ssl_certificate')
    .replace(/^\s*listen .*$/m, `    listen 127.0.0.1:${ports.plain};`)
    .replace(/^\s*ssl_.*$/gm, '');
  return `${site}\n${plain}\n`;
}

function mainConfig(dir: string): string {
  return [
    'daemon off;',
    'worker_processes 1;',
    // Workers of a root master run as nobody, who cannot enter the test's private temp directory.
    process.getuid?.() === 0 ? 'user root;' : '',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log info;`,
    'events { worker_connections 1024; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
    `  include ${dir}/parley.conf;`,
    '}',
  ].join('\n');
}

let dir = '';
let cert = '';
let nginx: ChildProcess | undefined;
let nginxLog = '';
let nodes: NodeProcess[] = [];
let db: { url: string; drop(): Promise<void> } | undefined;
let ports: Ports;
let ready = false;
const clients: AnyClient[] = [];
const cleanups: Array<() => void> = [];

const tlsUrl = () => `https://127.0.0.1:${ports.tls}`;
const plainUrl = () => `http://127.0.0.1:${ports.plain}`;
const nodeApi = (i: number) => ({ url: nodes[i]!.url, apiKey: APP.key, appId: APP.id });

/** A socket.io 4.x client through nginx over TLS, from a chosen client address. */
function connect4(url: string, localAddress: string, transports?: string[]): AnyClient & { socket: Socket } {
  const agent = new Agent({ localAddress, ca: cert });
  // `agent` and `ca` reach both transports in Node (xmlhttprequest-ssl for polling, ws for WebSocket).
  const socket = ioV4(url, { forceNew: true, reconnection: false, ...(transports ? { transports } : {}), agent, ca: cert } as unknown as Parameters<typeof ioV4>[1]);
  const client = {
    generation: `4.x from ${localAddress}`,
    socket,
    on: (e: string, l: (...a: unknown[]) => void) => void socket.on(e, l),
    off: (e: string, l: (...a: unknown[]) => void) => void socket.off(e, l),
    emit: (e: string, ...a: unknown[]) => void socket.emit(e, ...a),
    close: () => void socket.close(),
  };
  clients.push(client);
  return client;
}

async function pollingSessions(i: number): Promise<number> {
  const text = await (await fetch(`${nodes[i]!.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('parley_connections{kind="rtcs",transport="polling"} '));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** GET over TLS trusting the test's certificate; or plain HTTP. */
function get(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const done = (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    };
    const req = url.startsWith('https:') ? request(url, { ca: cert }, done) : httpRequest(url, done);
    req.on('error', reject).end();
  });
}

beforeAll(async () => {
  if (!nginxAvailable() || !(await postgresAvailable()) || !(await redisAvailable())) return;
  dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, t));
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  ports = { redirect: await freePort(), tls: await freePort(), plain: await freePort() };

  db = await createTestDatabase();
  const env = {
    APP_ID: APP.id,
    APP_API_KEY: APP.key,
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_PREFIX: `nginx-${randomBytes(4).toString('hex')}`,
    PUBLIC_URL: `https://127.0.0.1:${ports.tls}`,
    TRUST_PROXY: 'loopback',
    DATA_DIR: join(dir, 'data'),
  };
  // One node first: it creates the schema and the app, the second finds them.
  nodes = [await startNode(env, undefined, { entry: 'build' })];
  nodes.push(await startNode(env, undefined, { entry: 'build' }));

  writeFileSync(join(dir, 'parley.conf'), siteForTest(nodes, ports, join(dir, 'cert.pem'), join(dir, 'key.pem')));
  writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir));
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
  await run(NGINX!, ['-t', ...args]).catch((err: { stderr?: string }) => {
    throw new Error(`nginx -t refused the configuration:\n${err.stderr ?? String(err)}`);
  });
  nginx = spawn(NGINX!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stdout!.on('data', (d: Buffer) => (nginxLog += d.toString()));
  nginx.stderr!.on('data', (d: Buffer) => (nginxLog += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await get(`${tlsUrl()}/health`).then((r) => r.status === 200, () => false))) {
    if (nginx.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start:\n${nginxLog}${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  ready = true;
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const c of cleanups) c();
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx!.once('exit', resolve));
    nginx.kill('SIGTERM');
    await exited;
  }
  await Promise.all(nodes.map((n) => n.kill()));
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nginx in front of two Parley nodes (deploy/nginx.conf)', () => {
  it('keeps each polling client on one node while spreading clients over both, and delivers from either node', async (ctx) => {
    if (!ready) return ctx.skip();
    const polling: AnyClient[] = [];
    // Client addresses 127.0.0.2, .3, …: the upstream hash sends some to each node (bounded attempts).
    for (let i = 2; polling.length < MAX_POLLING_CLIENTS; i++) {
      const client = connect4(await accessUrl(nodeApi(0) as never, `poll${i}`), `127.0.0.${i}`, ['polling']);
      await connected(client);
      // Handshake, namespace connect, polls and this emit are separate HTTP requests: all must reach
      // the node holding the session for the answer to come back.
      expect((await subscribe(client, 'lobby')).type).toBe('subscribe_success');
      polling.push(client);
      if (polling.length >= 2 && (await pollingSessions(0)) > 0 && (await pollingSessions(1)) > 0) break;
    }
    const [a, b] = [await pollingSessions(0), await pollingSessions(1)];
    expect(a, 'node 1 got no polling client').toBeGreaterThan(0);
    expect(b, 'node 2 got no polling client').toBeGreaterThan(0);
    expect(a + b).toBe(polling.length);

    for (const [i, event] of [[0, 'from_node_1'], [1, 'from_node_2']] as const) {
      const all = Promise.all(polling.map((c) => waitFor<{ n: number }>(c, event)));
      expect((await api(nodeApi(i), 'POST', `/v2/event/${APP.id}/channel`, { channels: ['lobby'], event, data: { n: i } })).status).toBe(200);
      expect((await all).map((d) => d.n)).toEqual(polling.map(() => i));
    }
  });

  it('upgrades socket.io to WebSocket through TLS, and serves WebSocket-only clients', async (ctx) => {
    if (!ready) return ctx.skip();
    const upgrading = connect4(await accessUrl(nodeApi(1) as never, 'upgrader'), '127.0.0.100');
    await connected(upgrading);
    if (upgrading.socket.io.engine.transport.name !== 'websocket') {
      await new Promise((resolve) => upgrading.socket.io.engine.once('upgrade', resolve));
    }
    expect(upgrading.socket.io.engine.transport.name).toBe('websocket');
    const direct = connect4(await accessUrl(nodeApi(0) as never, 'ws-only'), '127.0.0.101', ['websocket']);
    await connected(direct);
    for (const c of [upgrading, direct]) expect((await subscribe(c, 'ws_room')).type).toBe('subscribe_success');
    const got = Promise.all([upgrading, direct].map((c) => waitFor<string>(c, 'tick')));
    await api(nodeApi(1), 'POST', `/v2/event/${APP.id}/channel`, { channels: ['ws_room'], event: 'tick', data: 'over websocket' });
    expect(await got).toEqual(['over websocket', 'over websocket']);
  });

  it('serves the socket.io 0.9 client over xhr-polling on /socket.io/1/', async (ctx) => {
    if (!ready) return ctx.skip();
    // The access URL points at PUBLIC_URL (the TLS server); its signature covers app, ts and grant, not
    // the host, so the plain-HTTP copy of the server block serves the same URL.
    const url = (await accessUrl(nodeApi(0) as never, 'old-client')).replace(tlsUrl(), plainUrl());
    const old = connect09(url, 'xhr-polling');
    clients.push(old);
    await connected(old, 10_000);
    expect((await subscribe(old, 'legacy_room')).type).toBe('subscribe_success');
    const got = waitFor<{ hello: string }>(old, 'news', () => true, 10_000);
    await api(nodeApi(1), 'POST', `/v2/event/${APP.id}/channel`, { channels: ['legacy_room'], event: 'news', data: { hello: '0.9' } });
    expect(await got).toEqual({ hello: '0.9' });
  });

  it('carries the chat SDK: a message sent at one node reaches the SDK through nginx', async (ctx) => {
    if (!ready) return ctx.skip();
    const { tokens } = await seedChat(nodes[0]!.url, APP.id, APP.key, { users: ['ana', 'ben'], channels: { edge_room: ['ana', 'ben'] } });
    const sdk = new Client({ app_id: APP.id, url: plainUrl(), session_token: tokens.ben!, reconnect: { attempts: 0 } });
    cleanups.push(() => sdk.disconnectUser());
    const received = new Promise<{ content: unknown; channel: string }>((resolve) => sdk.on('group:message_send', (message, channel) => resolve({ content: message.content, channel: channel.channel_id })));
    await sdk.connectUser({ user_id: 'ben' });
    await sendText(nodes[1]!.url, APP.id, APP.key, 'edge_room', 'ana', '안녕하세요');
    expect(await received).toEqual({ content: '안녕하세요', channel: 'edge_room' });
    const { messages } = await sdk.groupChannel.getMessageList('edge_room', { mode: 'prev', limit: 5 });
    expect(messages.map((m) => m.content)).toContain('안녕하세요');
  });

  it('redirects plain HTTP to HTTPS and hands Parley its request id', async (ctx) => {
    if (!ready) return ctx.skip();
    const redirect = await get(`http://127.0.0.1:${ports.redirect}/health`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://127.0.0.1/health');
    const health = await get(`${tlsUrl()}/health`);
    expect(health.status).toBe(200);
    // nginx's $request_id (32 hex digits) became the request's id in Parley, and came back.
    expect(health.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect((await get(`${tlsUrl()}/sdk/parley.min.js`)).body).toContain('GitpleLive');
  });
});
