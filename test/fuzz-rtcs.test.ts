/**
 * Seeded property-based fuzzing of the RTCS face: every route with malformed JSON, wrong types, huge and
 * multi-byte strings, hostile keys; every socket event with arbitrary payloads. Never a 5xx, always the
 * `{code, message}` envelope, and a normal client is served afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessUrl, connectClient, connected, publish, subscribe, waitFor, type AnyClient } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const SEED = 20261124;
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
let tp: TestParley;

beforeAll(async () => {
  tp = await startParley({
    env: { RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0', ACCESS_URL_MAX_SESSIONS: '1000000', USER_MAX_SESSIONS: '1000000', HANDSHAKES_PER_IP_PER_S: '0' },
    realtimeLimits: { eventsPerSecond: 100_000, eventsBurst: 100_000 } });
});
afterAll(async () => {
  await tp.stop();
});

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'channels', 'user', 'event', 'data', '');
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom('../../etc/passwd', '..\\..\\win.ini', '%00', 'a\u0000b', '한글채널', 'presence_', 'private_x', 'x'.repeat(70_000)),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string()), tie('v'), { maxKeys: 5 }),
  ),
})).v;
/** Bodies that look like the real ones with any field swapped for junk, or are junk outright. */
const body = fc.oneof(
  fc.record({ user: value, channels: value, via: value }, { requiredKeys: [] }),
  fc.record({ channels: value, event: value, data: value }, { requiredKeys: [] }),
  fc.record({ channels: fc.array(text, { maxLength: 120 }), event: text, data: value }),
  value,
);
const rawBody = fc.oneof(
  body.map((b) => JSON.stringify(b) ?? 'null'),
  fc.string(),
  fc.constantFrom('{', '{"user":', '[', '{"__proto__":{"polluted":1},"user":"u"}', '{"constructor":{"prototype":{"x":1}},"channels":["a"],"event":"e","data":"d"}'),
);

async function send(method: string, path: string, raw?: string, contentType = 'application/json') {
  const res = await fetch(`${tp.url}${path}`, {
    method,
    headers: { 'x-nhn-apikey': tp.apiKey, ...(raw === undefined ? {} : { 'content-type': contentType }) },
    body: raw,
  });
  const textBody = await res.text();
  return { status: res.status, text: textBody };
}

function expectEnvelope(r: { status: number; text: string }) {
  expect(r.status, r.text).toBeLessThan(500);
  if (r.status >= 400) {
    const parsed = JSON.parse(r.text) as { code: unknown; message: unknown };
    expect(parsed.code).toBe(r.status);
    expect(typeof parsed.message).toBe('string');
    expect(r.text).not.toMatch(/at .*\.ts:\d+|node_modules|SELECT|INSERT/i);
  }
}

describe('fuzzing the RTCS Service API', () => {
  it.each([
    ['POST', `/v2/auth/APP/access`],
    ['POST', `/v2/event/APP/channel`],
    ['POST', `/tc-pusher/v2/event/APP/channel`],
  ])('%s %s answers every body without a 5xx', async (method, template) => {
    const path = template.replace('APP', tp.appId);
    await fc.assert(
      fc.asyncProperty(rawBody, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (raw, type) => {
        expectEnvelope(await send(method, path, raw, type));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('query routes answer every channel parameter without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(text, fc.constant('q'.repeat(20_000))), fc.constantFrom('/exists/APP', '/v2/channel/APP/sessions', '/v2/channel/APP/count'), async (channel, template) => {
        const path = `${template.replace('APP', tp.appId)}?channel=${encodeURIComponent(channel)}&channel=${encodeURIComponent(channel)}`;
        expectEnvelope(await send('GET', path));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('path parameters with traversal and odd characters are answered cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (appkey) => {
        expectEnvelope(await send('POST', `/v2/event/${encodeURIComponent(appkey)}/channel`, '{}'));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('fuzzing socket events', () => {
  it('any payload on any event leaves the server serving', async () => {
    const c: AnyClient = connectClient('4.x', await accessUrl(tp, 'fuzzer'));
    await connected(c);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant('rtcs:channel'), text), value, fc.array(value, { maxLength: 3 }), async (event, payload, extra) => {
        c.emit(event, payload, ...extra);
        c.emit('rtcs:channel', { command: fc.sample(fc.constantFrom('subscribe', 'unsubscribe', 'x'), 1)[0], name: payload });
      }),
      { seed: SEED, numRuns: RUNS },
    );
    c.close();
    expect(({}).constructor).toBe(Object);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();

    const normal = connectClient('4.x', await accessUrl(tp, 'normal'));
    await connected(normal);
    expect((await subscribe(normal, 'after-fuzz')).type).toBe('subscribe_success');
    const got = waitFor(normal, 'ok');
    await publish(tp, ['after-fuzz'], 'ok', { fine: true });
    expect(await got).toEqual({ fine: true });
    normal.close();
  });
});
