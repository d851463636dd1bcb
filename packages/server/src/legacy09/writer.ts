/**
 * The SessionWriter of 0.9 sessions: a publication's JSON is serialised once, framed once per endpoint
 * (`5::<endpoint>:{"name":…,"args":[data]}`, its UTF-8 size measured once too), and the same string
 * queued on each target socket. A socket whose backlog reached the outbound limits is dropped as a
 * slow consumer instead.
 */
import type { RealtimeObserver } from '../realtime/observer.ts';
import { overOutboundLimits, slowConsumerReason, type OutboundLimits } from '../realtime/outbound-limits.ts';
import type { Payload } from '../realtime/payload.ts';
import type { Session, SessionWriter } from '../realtime/session.ts';
import { eventJsonOfArgs, eventPacketFromJson } from './codec.ts';
import type { SessionBridge } from './session-bridge.ts';

export function legacyWriter(bridges: ReadonlyMap<string, SessionBridge>, limits: OutboundLimits, observer: RealtimeObserver): SessionWriter {
  return {
    deliver(sessions: readonly Session[], event: string, payload: Payload) {
      let json: string | undefined;
      // Nearly every session of one server shares an endpoint; a small map covers the rest.
      const byEndpoint = new Map<string, { packet: string; bytes: number }>();
      for (const session of sessions) {
        const bridge = bridges.get(session.transportId);
        if (!bridge || bridge.socket.state !== 'open') continue;
        const backlog = bridge.socket.backlog();
        if (overOutboundLimits(backlog, limits)) {
          observer.dropped('slow_consumer');
          session.close(slowConsumerReason(backlog, limits), 'drop');
          continue;
        }
        const endpoint = bridge.endpoint ?? '';
        let framed = byEndpoint.get(endpoint);
        if (framed === undefined) {
          json ??= eventJsonOfArgs(event, payload.json);
          const packet = eventPacketFromJson(endpoint, json);
          framed = { packet, bytes: Buffer.byteLength(packet) };
          byEndpoint.set(endpoint, framed);
        }
        bridge.socket.send(framed.packet, framed.bytes);
      }
    },
  };
}
