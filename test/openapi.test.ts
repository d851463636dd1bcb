/** The OpenAPI document at /openapi.json is valid OpenAPI 3 and lists every route the server registers. */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPI } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../packages/server/src/http/http-server.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
beforeAll(async () => {
  tp = await startParley();
});
afterAll(async () => {
  await tp.stop();
});

/** `/v2/event/:appkey/channel` → `/v2/event/{appkey}/channel`, as OpenAPI writes paths. */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('/openapi.json', () => {
  it('validates and documents every registered route', async () => {
    const doc = (await (await fetch(`${tp.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    // validate() dereferences in place, so it gets a copy.
    await SwaggerParser.validate(structuredClone(doc) as unknown as OpenAPI.Document);

    const undocumented: string[] = [];
    const routes = registeredRoutes(tp.parley.http).filter((r) => !r.hidden && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(8);
    for (const { method, url } of routes) {
      if (url.startsWith('/docs')) continue; // the documentation UI's own pages and assets
      const path = toOpenApiPath(url);
      if (!doc.paths[path]?.[method.toLowerCase()]) undocumented.push(`${method} ${path}`);
    }
    expect(undocumented).toEqual([]);
  });
});
