/**
 * A server that cannot start says why in one line — the part, its address, the cause — and exits
 * non-zero, without a stack trace unless LOG_LEVEL=debug: per dependency (PostgreSQL and Redis on a
 * port nothing listens on, an unusable data directory, a port in use) and for a bad setting.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runNodeToExit, type NodeRun } from './support/node-process.ts';

let dataDir: string;
let busy: Server;
let busyPort = 0;
const runs = new Map<string, Promise<NodeRun>>();

/** The one line a failed start prints (stdout may carry log lines from before the failure). */
function lines(run: NodeRun): string[] {
  return run.stderr.split('\n').filter(Boolean);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'parley-startup-'));
  writeFileSync(join(dataDir, 'a-file'), '');
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
  const dead = await freePort(); // nothing listens there once freePort has closed it
  const base = { DATA_DIR: dataDir, APP_ID: 'demo', APP_API_KEY: 'startup-key-0123456789' };
  const taken = new Set([dead, busyPort]);
  const port = async (): Promise<string> => {
    let p = await freePort();
    while (taken.has(p)) p = await freePort();
    taken.add(p);
    return String(p);
  };
  // Started together: each is a separate server process that should end by itself within seconds.
  const cases: Record<string, Record<string, string>> = {
    postgres: { ...base, PORT: await port(), DATABASE_URL: `postgres://parley:hunter2@127.0.0.1:${dead}/parley` },
    redis: { ...base, PORT: await port(), REDIS_URL: `redis://127.0.0.1:${dead}` },
    proc: { ...base, PORT: await port(), DATA_DIR: '/proc/parley' },
    file: { ...base, PORT: await port(), DATA_DIR: join(dataDir, 'a-file') },
    port: { ...base, PORT: String(busyPort) },
    debug: { ...base, PORT: await port(), DATA_DIR: '/proc/parley', LOG_LEVEL: 'debug' },
    cors: { ...base, PORT: await port(), CORS_ORIGINS: 'https://app.example.com,app.example.com' },
  };
  // Each its own data directory: servers starting side by side on one SQLite file would race to migrate it.
  for (const [name, env] of Object.entries(cases)) runs.set(name, runNodeToExit({ ...env, DATA_DIR: env.DATA_DIR === dataDir ? join(dataDir, name) : env.DATA_DIR! }, 25_000));
  await Promise.all(runs.values());
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

async function failed(name: string, code = 1): Promise<string> {
  const run = await runs.get(name)!;
  expect(run.code, `${name}: ${run.stderr}${run.stdout}`).toBe(code);
  expect(lines(run), run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return lines(run)[0]!;
}

describe('start-up errors', () => {
  it('PostgreSQL unreachable: its address (no password) and the cause', async () => {
    const line = await failed('postgres');
    expect(line).toMatch(/^parley: cannot start: PostgreSQL at 127\.0\.0\.1:\d+\/parley: connection refused, nothing listens there \(ECONNREFUSED\)$/);
    expect(line).not.toMatch(/hunter2/);
  });

  it('Redis unreachable: its address and the cause', async () => {
    expect(await failed('redis')).toMatch(/^parley: cannot start: Redis at 127\.0\.0\.1:\d+: connection refused, nothing listens there \(ECONNREFUSED\)$/);
  });

  it('an impossible data directory fails at once instead of spinning', async () => {
    expect(await failed('proc')).toBe('parley: cannot start: data directory at /proc/parley: no such file or directory (ENOENT)');
    expect(await failed('file')).toMatch(/^parley: cannot start: data directory at .*\/a-file: exists and is not a directory$/);
  });

  it('a port in use: the address and what to do', async () => {
    expect(await failed('port')).toBe(`parley: cannot start: HTTP port at 127.0.0.1:${busyPort}: address already in use by another process (choose another PORT) (EADDRINUSE)`);
  });

  it('LOG_LEVEL=debug adds the stack trace', async () => {
    const run = await runs.get('debug')!;
    expect(run.code).toBe(1);
    expect(lines(run)[0]).toBe('parley: cannot start: data directory at /proc/parley: no such file or directory (ENOENT)');
    expect(run.stderr).toMatch(/^\s+at .*data-dir\.ts/m);
  });

  it('a CORS_ORIGINS entry that is not an origin is refused as configuration (exit 2)', async () => {
    expect(await failed('cors', 2)).toMatch(/^parley: invalid configuration: CORS_ORIGINS: app\.example\.com is not an origin/);
  });
});
