/**
 * The admin token: generated at the first start without ADMIN_TOKEN (reported once, stored only as a
 * scrypt hash), kept across restarts, replaced by `parley admin rotate-token` (the old one refused, the
 * new one taken by a running server within seconds); ADMIN_TOKEN wins over a stored one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { silentLogger } from '../packages/server/src/logger.ts';
import { createParley, type Parley } from '../packages/server/src/server.ts';
import { startNode } from './support/node-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'parley-admin-token-'));
const running: Parley[] = [];

async function start(env: Record<string, string> = {}): Promise<Parley> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, APP_ID: 'tokenapp', APP_API_KEY: 'token-app-key-0123456789', LOG_LEVEL: 'silent', ...env });
  const parley = await createParley(config, { log: silentLogger() });
  await parley.listen();
  running.push(parley);
  return parley;
}

async function stop(parley: Parley): Promise<void> {
  running.splice(running.indexOf(parley), 1);
  await parley.close();
}

const session = (parley: Parley, token: string) => fetch(`${parley.url}/admin/api/session`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

async function rotate(env: Record<string, string> = {}): Promise<{ code: number; token: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['admin', 'rotate-token'], { DATA_DIR: dataDir, ...env }, (s) => (out += s), (s) => (err += s));
  return { code, token: /ADMIN_TOKEN=(\S+)/.exec(out)?.[1] ?? '', err };
}

afterAll(async () => {
  await Promise.all(running.map((p) => p.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('admin token', () => {
  let generated = '';

  it('is generated at the first start, stored only as a scrypt hash, and works', async () => {
    const parley = await start();
    generated = parley.admin.generatedToken ?? '';
    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await parley.storage.db.selectFrom('admin_secrets').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(rows[0]!.hash).not.toContain(generated);
    expect(await session(parley, generated)).toBe(200);
    expect(await session(parley, `${generated}x`)).toBe(401);
    expect(await session(parley, '')).toBe(401);
    await stop(parley);
  });

  it('is not generated again by the next start, and the first one keeps working', async () => {
    const parley = await start();
    expect(parley.admin.generatedToken).toBeUndefined();
    expect(await session(parley, generated)).toBe(200);
    await stop(parley);
  });

  it('is replaced by `parley admin rotate-token`: a running server refuses the old one within seconds', async () => {
    const parley = await start();
    expect(await session(parley, generated)).toBe(200);
    const rotated = await rotate();
    expect(rotated.code).toBe(0);
    expect(rotated.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated.token).not.toBe(generated);
    await expect.poll(() => session(parley, generated), { timeout: 8000, interval: 250 }).toBe(401);
    expect(await session(parley, rotated.token)).toBe(200);
    generated = rotated.token;
    await stop(parley);
  });

  it('ADMIN_TOKEN wins over the stored one; rotating says so', async () => {
    const parley = await start({ ADMIN_TOKEN: 'from-the-environment-0123' });
    expect(parley.admin.generatedToken).toBeUndefined();
    expect(await session(parley, 'from-the-environment-0123')).toBe(200);
    expect(await session(parley, generated)).toBe(401);
    const rotated = await rotate({ ADMIN_TOKEN: 'from-the-environment-0123' });
    expect(rotated.err).toMatch(/ADMIN_TOKEN is set/);
    await stop(parley);
  });

  it('`npm start` prints a generated token once, and never again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-admin-print-'));
    try {
      const first = await startNode({ DATA_DIR: dir, LOG_FORMAT: 'pretty' });
      await first.kill();
      const printed = /ADMIN_TOKEN=(\S+)/.exec(first.output())?.[1];
      expect(printed, first.output()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(first.output()).toMatch(/\/admin\)/);
      const second = await startNode({ DATA_DIR: dir, LOG_FORMAT: 'pretty' });
      const status = await fetch(`${second.url}/admin/api/session`, { headers: { authorization: `Bearer ${printed}` } }).then((r) => r.status);
      await second.kill();
      expect(status).toBe(200);
      expect(second.output()).not.toMatch(/ADMIN_TOKEN=/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a short ADMIN_TOKEN at start, and rotation without a database', async () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN must have 16 to 512 characters/);
    let err = '';
    const code = await runCli(['admin', 'rotate-token'], { DATA_DIR: join(dataDir, 'nothing-here') }, () => undefined, (s) => (err += s));
    expect(code).toBe(1);
    expect(err).toMatch(/no Parley database/);
  });
});
