/** Dev tokens exist only for the generated demo app, on a server listening on loopback. */
import { describe, expect, it } from 'vitest';
import type { App } from '../apps/app.service.ts';
import { devTokenApp, isLoopbackHost } from './dev.routes.ts';

const demo = { id: 'demo' } as App;

describe('dev tokens', () => {
  it('are on only when the bootstrap generated the demo app', () => {
    expect(devTokenApp({}, { app: demo, generatedKey: true }, '127.0.0.1')).toBe(demo);
    expect(devTokenApp({}, { app: demo, generatedKey: false }, '127.0.0.1')).toBe(demo); // generated on an earlier start
    expect(devTokenApp({ id: 'demo' }, { app: demo, generatedKey: false }, '127.0.0.1')).toBeUndefined();
    expect(devTokenApp({ apiKey: 'k' }, { app: demo, generatedKey: false }, '127.0.0.1')).toBeUndefined();
    expect(devTokenApp({}, { app: { id: 'other' } as App, generatedKey: false }, '127.0.0.1')).toBeUndefined();
    expect(devTokenApp({}, { app: undefined, generatedKey: false }, '127.0.0.1')).toBeUndefined();
  });

  it('are on only when the server listens on a loopback address', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'fe80::1', 'example.com', 'localhost.example.com', '']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    expect(devTokenApp({}, { app: demo, generatedKey: true }, '0.0.0.0')).toBeUndefined();
  });
});
