/**
 * Finding 11: publish `data` nested thousands of levels deep (5,000 levels in 10 KB) was a 500 — a
 * RangeError from the size check's JSON.stringify, and deeper still in the broker and the transports'
 * encoders. The Service API bounds the depth (64 levels) and answers 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessUrl, connectClient, connected, publish, subscribe, waitFor, type AnyClient } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
let client: AnyClient;
beforeAll(async () => {
  tp = await startParley();
  client = connectClient('4.x', await accessUrl(tp, 'deep'));
  await connected(client);
  await subscribe(client, 'deep');
});
afterAll(async () => {
  client.close();
  await tp.stop();
});

/** `levels` nested arrays around a number, as raw JSON text (no recursion on the test's side either). */
const nestedArrays = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

async function rawPublish(path: string, dataJson: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${tp.url}${path}`, {
    method: 'POST',
    headers: { 'x-nhn-apikey': tp.apiKey, 'content-type': 'application/json' },
    body: `{"channels":["deep"],"event":"e","data":${dataJson}}`,
  });
  return { status: res.status, body: await res.json() };
}

describe('publish data nesting', () => {
  it.each([
    ['arrays', nestedArrays(5000)],
    ['objects', nestedObjects(5000)],
  ])('refuses 5,000 levels of nested %s with 400 naming data, on both mounts', async (_kind, data) => {
    for (const prefix of ['', '/tc-pusher']) {
      expect(await rawPublish(`${prefix}/v2/event/${tp.appId}/channel`, data)).toEqual({ status: 400, body: { code: 400, message: expect.stringMatching(/^data .*64 levels/) } });
    }
  });

  it('refuses 65 levels and delivers 64', async () => {
    expect((await rawPublish(`/v2/event/${tp.appId}/channel`, nestedObjects(65))).status).toBe(400);
    const got = waitFor<unknown>(client, 'e');
    expect((await rawPublish(`/v2/event/${tp.appId}/channel`, nestedObjects(64))).status).toBe(200);
    let depth = 0;
    for (let v = await got; typeof v === 'object' && v !== null; v = (v as { a: unknown }).a) depth++;
    expect(depth).toBe(64);
  });

  it('answers a body nested as deep as the body limit allows with a 4xx, not a 500', async () => {
    const res = await rawPublish(`/v2/event/${tp.appId}/channel`, nestedArrays(1_000_000));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    // The server still serves.
    expect((await publish(tp, ['deep'], 'after', 'ok')).status).toBe(200);
  });
});
