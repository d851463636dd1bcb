/**
 * The OpenAPI document at /openapi.json is valid OpenAPI 3 and lists every route the server registers,
 * each operation with its security requirement, its request body where it takes one, its real success
 * status, a response schema, the error envelope and an example; and the documented examples, sent as
 * they are, get the documented status and an answer of the documented schema.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { ChatChannel, ChatMessage, ChatToken, ChatUser, PublishResponse, AccessResponse } from '@parley/protocol';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { OpenAPI } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import serverPackage from '../packages/server/package.json' with { type: 'json' };
import { registeredRoutes } from '../packages/server/src/http/http-server.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

interface Media {
  schema?: { $ref?: string; allOf?: Array<{ $ref?: string }> };
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { description?: string }>; securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
}

let tp: TestParley;
let doc: Doc;
beforeAll(async () => {
  tp = await startParley();
  doc = (await (await fetch(`${tp.url}/openapi.json`)).json()) as Doc;
});
afterAll(async () => {
  await tp.stop();
});

/** `/v2/event/:appkey/channel` → `/v2/event/{appkey}/channel`, as OpenAPI writes paths. */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const documentedRoutes = () =>
  registeredRoutes(tp.parley.http).filter((r) => !r.hidden && r.method !== 'HEAD' && r.method !== 'OPTIONS' && !r.url.startsWith('/docs'));
const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op })));

/** The operations whose success is 201 (DESIGN.md: creates and sends); every other one answers 200. */
const CREATED = new Set([
  'POST /v1/users',
  'POST /v1/group/channels',
  'POST /v1/sdk/group/channels',
  'POST /v1/group/channels/{channel_id}/messages',
  'POST /v1/sdk/group/channels/{channel_id}/messages',
  'POST /v1/sdk/reports',
  'POST /v1/exports',
  'POST /admin/api/apps',
  'POST /admin/api/apps/{app}/channels/{channel}/bans',
  'POST /admin/api/apps/{app}/channels/{channel}/mutes',
]);
const isSend = (key: string) => key.startsWith('POST ') && key.endsWith('/messages');
const hasExample = (media: Media | undefined) => media !== undefined && (media.example !== undefined || Object.keys(media.examples ?? {}).length > 0);

describe('/openapi.json', () => {
  it('validates and documents every registered route', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    // validate() dereferences in place, so it gets a copy.
    await SwaggerParser.validate(structuredClone(doc) as unknown as OpenAPI.Document);

    const undocumented: string[] = [];
    const routes = documentedRoutes();
    expect(routes.length).toBeGreaterThan(8);
    for (const { method, url } of routes) {
      const path = toOpenApiPath(url);
      if (!doc.paths[path]?.[method.toLowerCase()]) undocumented.push(`${method} ${path}`);
    }
    expect(undocumented).toEqual([]);
  });

  it('/docs shows it in parts that together hold every operation once', async () => {
    const parts = await Promise.all(['/docs/json', '/docs/parts/client.json', '/docs/parts/admin.json'].map(async (path) => (await (await fetch(`${tp.url}${path}`)).json()) as Doc));
    const keysOf = (d: Doc) => Object.entries(d.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    const all = keysOf(doc).sort();
    expect(parts.flatMap(keysOf).sort()).toEqual(all);
    expect(keysOf(parts[1]!).every((k) => k.includes(' /v1/sdk/'))).toBe(true);
    expect(keysOf(parts[2]!).every((k) => k.includes(' /admin/api/'))).toBe(true);
  });

  it('is titled Parley with the package version and declares a security scheme per credential', () => {
    expect(doc.info).toMatchObject({ title: 'Parley', version: serverPackage.version });
    const schemes = doc.components.securitySchemes;
    expect(schemes.rtcsApiKey).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-nhn-apikey' }));
    expect(schemes.appId).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'APP_ID' }));
    expect(schemes.appApiKey).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'APP_API_KEY' }));
    expect(schemes.userId).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'USER_ID' }));
    expect(schemes.bearerToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it('names each operation its credentials', () => {
    const wrong: string[] = [];
    for (const { key, path, op } of operations()) {
      const names = (op.security ?? [undefined]).map((r) => (r ? Object.keys(r).sort().join('+') : 'missing'));
      const expected = path.startsWith('/v1/sdk/')
        ? ['appId+bearerToken+userId']
        : path.startsWith('/v1/files/') || /^\/v1\/exports\/[^/]+\/file$/.test(path) || path === '/dev/token' || path === '/health' || path === '/ready'
          ? []
          : path.startsWith('/v1/')
            ? ['appApiKey+appId']
            : path === '/metrics'
              ? ['', 'metricsToken']
              : path.startsWith('/admin/api/')
                ? ['adminToken']
                : ['rtcsApiKey'];
      if (JSON.stringify(op.security === undefined ? ['missing'] : names) !== JSON.stringify(expected)) wrong.push(`${key}: ${names.join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('carries a request body on every operation that takes one, and a send takes JSON or multipart', () => {
    const wrong: string[] = [];
    for (const { method, url, bodySchema } of documentedRoutes()) {
      const key = `${method} ${toOpenApiPath(url)}`;
      const content = doc.paths[toOpenApiPath(url)]?.[method.toLowerCase()]?.requestBody?.content;
      if (isSend(key)) {
        if (!content?.['application/json']?.schema || !content['multipart/form-data']?.schema) wrong.push(`${key}: not JSON + multipart`);
      } else if (bodySchema !== (content?.['application/json']?.schema !== undefined)) wrong.push(`${key}: body schema ${bodySchema}, documented ${content !== undefined}`);
    }
    expect(wrong).toEqual([]);
    // The bodies that exist: e.g. a publish, a user creation and a ban are documented with their fields.
    expect(doc.paths['/v2/event/{appkey}/channel']?.post?.requestBody?.content['application/json']?.schema).toMatchObject({ required: ['channels', 'event', 'data'] });
  });

  it('gives each operation its real success status, a response schema, the error envelope and an example', () => {
    const wrong: string[] = [];
    for (const { key, path, op } of operations()) {
      const success = Object.keys(op.responses).filter((s) => s.startsWith('2')).sort();
      const expected = key === 'POST /v1/group/channels' ? ['200', '201'] : CREATED.has(key) ? ['201'] : ['200'];
      if (JSON.stringify(success) !== JSON.stringify(expected)) wrong.push(`${key}: success ${success.join(',')}, expected ${expected.join(',')}`);
      const main = op.responses[expected.at(-1)!]?.content;
      const media = main ? Object.values(main)[0] : undefined;
      if (!media?.schema) wrong.push(`${key}: no response schema`);
      if (!hasExample(media) && !hasExample(op.requestBody?.content['application/json'])) wrong.push(`${key}: no example`);
      if (path !== '/health' && path !== '/ready' && path !== '/metrics') {
        const envelope = path.startsWith('/v1/') || path === '/dev/token' ? 'ChatError' : path.startsWith('/admin/api/') ? 'AdminError' : 'RtcsError';
        for (const range of ['4XX', '5XX']) {
          const ref = op.responses[range]?.content?.['application/json']?.schema?.allOf?.[0]?.$ref;
          if (ref !== `#/components/schemas/${envelope}`) wrong.push(`${key}: ${range} is ${ref ?? 'missing'}, not ${envelope}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // The envelopes are components whose descriptions carry the code tables.
    expect(doc.components.schemas.ChatError?.description).toMatch(/\| 400 \| 1009 \| `frozen` \|/);
    expect(doc.components.schemas.RtcsError?.description).toMatch(/\| 413 \|/);
  });

  it('answers the documented examples, sent as they are, with the documented status and schema', async () => {
    const example = (path: string, method: string) => {
      const media = doc.paths[path]?.[method]?.requestBody?.content['application/json'];
      return media?.example;
    };
    const call = async (method: string, path: string, url: string, headers: Record<string, string>, schema: TSchema) => {
      const res = await fetch(`${tp.url}${url}`, { method: method.toUpperCase(), headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(example(path, method)) });
      const body: unknown = await res.json();
      const documented = Object.keys(doc.paths[path]![method]!.responses).filter((s) => s.startsWith('2'));
      expect(documented, `${method} ${path}`).toContain(String(res.status));
      expect(Value.Errors(schema, body).First(), `${method} ${path}: ${JSON.stringify(body)}`).toBeUndefined();
      return body;
    };
    const platform = { APP_ID: tp.appId, APP_API_KEY: tp.apiKey };
    await call('post', '/v1/users', '/v1/users', platform, ChatUser);
    await fetch(`${tp.url}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json', ...platform }, body: JSON.stringify({ user_id: 'bob', name: 'Bob' }) });
    await call('post', '/v1/group/channels', '/v1/group/channels', platform, ChatChannel);
    await call('post', '/v1/group/channels/{channel_id}/messages', '/v1/group/channels/alice_bob/messages', platform, ChatMessage);
    const token = (await call('post', '/v1/users/{user_id}/token', '/v1/users/alice/token', platform, ChatToken)) as ChatToken;
    const sdk = { APP_ID: tp.appId, USER_ID: 'alice', authorization: `Bearer ${token.token}` };
    await call('post', '/v1/sdk/group/channels/{channel_id}/messages', '/v1/sdk/group/channels/alice_bob/messages', sdk, ChatMessage);
    const rtcs = { 'x-nhn-apikey': tp.apiKey };
    await call('post', '/v2/auth/{appkey}/access', `/v2/auth/${tp.appId}/access`, rtcs, AccessResponse);
    await call('post', '/v2/event/{appkey}/channel', `/v2/event/${tp.appId}/channel`, rtcs, PublishResponse);
  });
});
