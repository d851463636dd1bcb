import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelNameProblem } from './channels.ts';
import { commandRefusal, readChannelCommand } from './rtcs-commands.ts';

/** How the node answered commands before they were read with the schema: the reading must not change. */
function previousReading(payload: unknown) {
  const p = (payload && typeof payload === 'object' ? payload : {}) as { command?: unknown; name?: unknown };
  const name = typeof p.name === 'string' ? p.name : '';
  if (p.command !== 'subscribe' && p.command !== 'unsubscribe') return { refusal: { type: 'subscribe_error', name, message: 'command must be "subscribe" or "unsubscribe"' } };
  const problem = channelNameProblem(p.name);
  if (problem) return { refusal: { type: `${p.command}_error`, name, message: problem } };
  return { command: payload };
}

describe('readChannelCommand', () => {
  it('reads a command and refuses bad ones in the name rule’s words', () => {
    expect(readChannelCommand({ command: 'subscribe', name: 'room1' })).toEqual({ command: { command: 'subscribe', name: 'room1' } });
    expect(readChannelCommand({ command: 'unsubscribe', name: 'a b' })).toEqual({
      refusal: { type: 'unsubscribe_error', name: 'a b', message: 'channel name may only contain A-Z, a-z, 0-9, _ and -' },
    });
    expect(readChannelCommand('subscribe')).toEqual({ refusal: { type: 'subscribe_error', name: '', message: 'command must be "subscribe" or "unsubscribe"' } });
    expect(readChannelCommand({ command: 'subscribe', name: 7 })).toEqual({ refusal: { type: 'subscribe_error', name: '', message: 'channel name must be a string' } });
  });

  it('answers every payload as the node did before', () => {
    const name = fc.oneof(fc.constantFrom('room1', 'private_', 'presence_x', '', 'x'.repeat(201), 'a.b'), fc.string(), fc.integer(), fc.constant(undefined));
    const command = fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'Subscribe', ''), fc.anything());
    const payload = fc.oneof(fc.record({ command, name }, { requiredKeys: [] }), fc.anything());
    fc.assert(
      fc.property(payload, (p) => {
        expect(readChannelCommand(p)).toEqual(previousReading(p));
      }),
      { numRuns: 2000 },
    );
  });

  it('echoes the name and the kind of command in a refusal', () => {
    expect(commandRefusal({ command: 'unsubscribe', name: 'room1' }, 'busy')).toEqual({ type: 'unsubscribe_error', name: 'room1', message: 'busy' });
    expect(commandRefusal(null, 'busy')).toEqual({ type: 'subscribe_error', name: '', message: 'busy' });
  });
});
