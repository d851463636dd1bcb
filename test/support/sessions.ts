/**
 * Finds a hub session from the transport's side (a 0.9 sid, a socket.io socket id): the hub is keyed
 * by public session ids, which on purpose have nothing to do with transport ids.
 */
import type { Session } from '../../packages/server/src/realtime/session.ts';
import type { TestParley } from './start-parley.ts';

export function sessionOf(tp: TestParley, transportId: string): Session | undefined {
  return tp.parley.hub.allSessions().find((s) => s.transportId === transportId);
}

/** The public id of the session a transport id belongs to (throws when there is none). */
export function publicIdOf(tp: TestParley, transportId: string): string {
  const session = sessionOf(tp, transportId);
  if (!session) throw new Error(`no session for transport id ${transportId}`);
  return session.id;
}
