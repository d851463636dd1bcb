import type { ActivityEvent, ActivityFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { ConsoleStream, STREAM_QUEUE_MAX } from './console-stream.ts';

const event = (i: number): ActivityEvent => ({ at: i, type: 'publish', node: 'n', event: 'e', channels: ['c'], data: 'x'.repeat(150) });
const frames = (text: string): ActivityFrame[] => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ActivityFrame);

describe('ConsoleStream', () => {
  it('writes what it is given while the reader keeps up', async () => {
    let ended = 0;
    const stream = new ConsoleStream('app', { type: 'hello', app: 'app', node: 'n', sampleRatePerS: 200 }, () => ended++);
    let text = '';
    stream.output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.push({ node: 'n', events: [event(1), event(2)], dropped: 3 });
    stream.end('bye');
    await new Promise((r) => setImmediate(r));
    expect(frames(text)).toEqual([
      { type: 'hello', app: 'app', node: 'n', sampleRatePerS: 200 },
      { type: 'activity', events: [event(1), event(2)], dropped: { source: 3, console: 0 } },
      { type: 'end', reason: 'bye' },
    ]);
    expect(ended).toBe(1);
  });

  it('keeps at most STREAM_QUEUE_MAX events for a reader that does not read, and says how many it dropped', async () => {
    const stream = new ConsoleStream('app', { type: 'hello', app: 'app', node: 'n', sampleRatePerS: 200 }, () => {});
    const pushed = 20_000;
    for (let i = 0; i < pushed / 100; i++) stream.push({ node: 'n', events: Array.from({ length: 100 }, (_, j) => event(i * 100 + j)), dropped: 0 });
    // Nobody read: the PassThrough holds about its high-water mark, the queue at most its maximum.
    expect(stream.output.readableLength).toBeLessThan(256 * 1024);
    let text = '';
    stream.output.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await new Promise((r) => setTimeout(r, 50));
    stream.end('done');
    await new Promise((r) => setImmediate(r));
    const activity = frames(text).filter((f): f is Extract<ActivityFrame, { type: 'activity' }> => f.type === 'activity');
    const delivered = activity.reduce((n, f) => n + f.events.length, 0);
    const dropped = activity.reduce((n, f) => n + f.dropped.console, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(delivered + dropped).toBe(pushed);
    // What was delivered came in order, without holes beyond the drops.
    const ats = activity.flatMap((f) => f.events.map((e) => e.at));
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
    expect(delivered).toBeLessThan(pushed - STREAM_QUEUE_MAX);
  });
});
