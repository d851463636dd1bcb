/** Dev tokens exist only for the generated demo app. */
import { describe, expect, it } from 'vitest';
import type { App } from '../apps/app.service.ts';
import { devTokenApp } from './dev.routes.ts';

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
});
