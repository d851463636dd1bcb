/**
 * What an operator sees on stdout: lines arrive within a second (nothing held in a buffer), the start
 * banner names the URL, the demo page, /docs, the storage and cluster mode and how to list app keys;
 * LOG_FORMAT=pretty is text for people; LOG_REQUESTS=true adds a line per request with its id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNode, type NodeProcess } from './support/node-process.ts';

const dirs: string[] = [];
const nodes: NodeProcess[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.kill()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<NodeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-logs-'));
  dirs.push(dir);
  const node = await startNode({ DATA_DIR: dir, LOG_LEVEL: 'info', APP_ID: 'demo', APP_API_KEY: 'logs-key-0123456789', ...env });
  nodes.push(node);
  return node;
}

function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Waits at most a second for a line to show: longer means it sat in a buffer. */
async function withinASecond<T>(find: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 1000;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('the line did not reach stdout within a second');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('logs', () => {
  it('JSON by default: the start banner is on stdout while the server runs, not at exit', async () => {
    const node = await start({});
    const banner = await withinASecond(() => jsonLines(node.output()).find((l) => String(l.msg).startsWith('Parley listening on')));
    expect(banner).toMatchObject({
      level: 30,
      url: node.url,
      demoPage: `${node.url}/`,
      apiDocs: `${node.url}/docs`,
      cluster: 'single node (set REDIS_URL for cluster mode)',
      appKeys: 'npm run parley -- apps list',
    });
    expect(banner.storage).toMatch(/^SQLite \/.*\/parley\.sqlite$/);
  });

  it('LOG_REQUESTS=true: one line per request, with the id the client sent', async () => {
    const node = await start({ LOG_REQUESTS: 'true' });
    const res = await fetch(`${node.url}/health`, { headers: { 'x-request-id': 'probe-42' } });
    expect(res.headers.get('x-request-id')).toBe('probe-42');
    const line = await withinASecond(() => jsonLines(node.output()).find((l) => l.reqId === 'probe-42'));
    expect(line).toMatchObject({ msg: 'request completed', method: 'GET', url: '/health', status: 200 });
    expect(jsonLines(node.output()).filter((l) => l.reqId === 'probe-42')).toHaveLength(1);
  });

  it('LOG_FORMAT=pretty: text for people, the banner as a block', async () => {
    const node = await start({ LOG_FORMAT: 'pretty' });
    await withinASecond(() => (node.output().includes('app keys') ? true : undefined));
    const out = node.output();
    expect(out).not.toMatch(/^\{"level"/m);
    expect(out).toMatch(new RegExp(`^Parley \\d+\\.\\d+\\.\\d+ listening on ${node.url}$`, 'm'));
    expect(out).toMatch(new RegExp(`^  API docs   ${node.url}/docs$`, 'm'));
    expect(out).toMatch(/^ {2}storage {4}SQLite \//m);
    expect(out).toMatch(/^ {2}app keys {3}npm run parley -- apps list$/m);
    expect(out).toMatch(/WARN.*demo app|INFO/); // pino-pretty's level names
  });
});
