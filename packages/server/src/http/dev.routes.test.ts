/** Dev tokens exist only for the generated demo app. */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { App } from '../apps/app.service.ts';
import { devRoutes, devTokenApp } from './dev.routes.ts';
import { validatorCompiler } from './validation.ts';

const demo = { id: 'demo' } as App;

describe('dev tokens', () => {
  it('are on only when the bootstrap generated the demo app', () => {
    expect(devTokenApp({}, { app: demo, generatedKey: true })).toBe(demo);
    expect(devTokenApp({}, { app: demo, generatedKey: false })).toBe(demo); // generated on an earlier start
    expect(devTokenApp({ id: 'demo' }, { app: demo, generatedKey: false })).toBeUndefined();
    expect(devTokenApp({ apiKey: 'k' }, { app: demo, generatedKey: false })).toBeUndefined();
    expect(devTokenApp({}, { app: { id: 'other' } as App, generatedKey: false })).toBeUndefined();
    expect(devTokenApp({}, { app: undefined, generatedKey: false })).toBeUndefined();
  });

  it('POST /dev/token creates the user and answers a session token', async () => {
    const created: string[] = [];
    const http = Fastify();
    http.setValidatorCompiler(validatorCompiler);
    await http.register(devRoutes, {
      app: demo,
      backend: {
        ensureUser: async (_app, id) => void created.push(id),
        issueSessionToken: async (_app, id, expiresAt) => ({ token: `t-${id}`, expires_at: expiresAt }),
      },
    });
    const res = await http.inject({ method: 'POST', url: '/dev/token', payload: { user_id: 'alice' } });
    expect(res.json()).toMatchObject({ app_id: 'demo', user_id: 'alice', session_token: 't-alice' });
    expect(created).toEqual(['alice']);
    expect((await http.inject({ method: 'POST', url: '/dev/token', payload: { user_id: 'bad id!' } })).statusCode).toBe(400);
    await http.close();
  });
});
