import { describe, expect, it } from 'vitest';
import { MessageSequencer } from './message-sequencer.ts';

const msg = (channel_id: string, message_id: number) => ({ channel_id, message_id });

function sequencer() {
  const out: string[] = [];
  const seq = new MessageSequencer<{ channel_id: string; message_id: number }, string>((m, c) => out.push(`${c}:${m.message_id}`));
  return { seq, out };
}

describe('MessageSequencer', () => {
  it('delivers live messages once, dropping repeats and older ids', () => {
    const { seq, out } = sequencer();
    for (const id of [1, 2, 2, 1, 3]) seq.live(msg('a', id), 'a');
    seq.live(msg('b', 1), 'b');
    expect(out).toEqual(['a:1', 'a:2', 'a:3', 'b:1']);
  });

  it('a floor is where catch-up starts, not a dedupe bound', () => {
    const { seq, out } = sequencer();
    seq.setFloor('a', 5);
    expect(seq.resumePoint('a')).toBe(5);
    seq.live(msg('a', 5), 'a'); // sent after the socket joined, before the floor was read
    expect(out).toEqual(['a:5']);
    expect(seq.resumePoint('a')).toBe(5);
    seq.setFloor('a', 9); // ignored once something was delivered
    expect(seq.resumePoint('a')).toBe(5);
  });

  it('holds live events during catch-up and releases fetched then held, in order, without repeats', () => {
    const { seq, out } = sequencer();
    seq.live(msg('a', 1), 'a');
    seq.hold('a');
    seq.live(msg('a', 4), 'a');
    seq.live(msg('a', 5), 'a');
    expect(out).toEqual(['a:1']);
    seq.release('a', [msg('a', 4), msg('a', 2), msg('a', 3)], 'a');
    expect(out).toEqual(['a:1', 'a:2', 'a:3', 'a:4', 'a:5']);
    seq.live(msg('a', 5), 'a');
    expect(out).toHaveLength(5);
  });

  it('forgets channels the user left', () => {
    const { seq } = sequencer();
    seq.live(msg('a', 1), 'a');
    seq.setFloor('b', 3);
    expect(seq.knownChannels().sort()).toEqual(['a', 'b']);
    seq.forget('a');
    expect(seq.knownChannels()).toEqual(['b']);
  });
});
