import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { DATA_DIR: dataDir }, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('parley apps', () => {
  it('creates, lists, updates and rotates keys', async () => {
    const created = await cli('apps', 'create', 'shop', '--webhook-url', 'http://127.0.0.1:9/hook', '--webhook-events', 'connect,disconnect');
    expect(created.code).toBe(0);
    const app = JSON.parse(created.out);
    expect(app).toMatchObject({ id: 'shop', webhook_url: 'http://127.0.0.1:9/hook', webhook_events: ['connect', 'disconnect'] });
    expect(app.api_key).toMatch(/^[\w-]{20,}$/);

    const rotated = JSON.parse((await cli('apps', 'rotate-key', 'shop')).out);
    expect(rotated.api_key).not.toBe(app.api_key);

    const updated = JSON.parse((await cli('apps', 'update', 'shop', '--webhook-url', '', '--api-key', 'fixed-key')).out);
    expect(updated).toMatchObject({ webhook_url: null, api_key: 'fixed-key' });

    const list = JSON.parse((await cli('apps', 'list')).out);
    expect(list.map((a: { id: string }) => a.id)).toEqual(['shop']);
  });

  it('explains mistakes with a non-zero exit', async () => {
    expect((await cli('apps', 'create', 'shop')).err).toMatch(/already exists/);
    expect((await cli('apps', 'create', 'bad id!')).code).toBe(1);
    expect((await cli('apps', 'update', 'nobody', '--api-key', 'k')).err).toMatch(/does not exist/);
    expect((await cli('apps', 'create', 'x2', '--webhook-events', 'explode')).err).toMatch(/unknown webhook event/);
    expect((await cli('apps', 'frobnicate', 'x')).code).toBe(2);
    expect((await cli('nothing')).code).toBe(2);
    expect((await cli('apps', 'rotate-key')).err).toMatch(/needs an app id/);
  });
});
