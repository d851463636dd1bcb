/**
 * Reading a client's `rtcs:channel` payload with the ChannelCommand schema: a valid command, or the
 * error answer it gets (the name rule in channelNameProblem's words).
 */
import { Value } from '@sinclair/typebox/value';
import { channelNameProblem } from './channels.ts';
import { ChannelCommand, type ChannelResult } from './rtcs-schemas.ts';

/** The error answer to a payload: `unsubscribe_error` for an unsubscribe, else `subscribe_error`, echoing its name. */
export function commandRefusal(payload: unknown, message: string): ChannelResult {
  const p: { command?: unknown; name?: unknown } = payload && typeof payload === 'object' ? payload : {};
  return { type: p.command === 'unsubscribe' ? 'unsubscribe_error' : 'subscribe_error', name: typeof p.name === 'string' ? p.name : '', message };
}

/** @example readChannelCommand({ command: 'subscribe', name: 'room1' }) // { command: { command: 'subscribe', name: 'room1' } } */
export function readChannelCommand(payload: unknown): { command: ChannelCommand } | { refusal: ChannelResult } {
  const p: { command?: unknown; name?: unknown } = payload && typeof payload === 'object' ? payload : {};
  if (!Value.Check(ChannelCommand.properties.command, p.command)) {
    return { refusal: commandRefusal(payload, 'command must be "subscribe" or "unsubscribe"') };
  }
  const problem = channelNameProblem(p.name);
  if (problem !== undefined || !Value.Check(ChannelCommand, payload)) return { refusal: commandRefusal(payload, problem ?? 'channel name must be a string') };
  return { command: payload };
}
