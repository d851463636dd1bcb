/**
 * The SessionWriter of 0.9 sessions: a publication's JSON is serialised once, framed once per endpoint
 * (`5::<endpoint>:{"name":…,"args":[data]}`), and the same string queued on each target socket.
 */
import type { RealtimeObserver } from '../realtime/observer.ts';
import type { Session, SessionWriter } from '../realtime/session.ts';
import { eventJson, eventPacketFromJson } from './codec.ts';
import type { SessionBridge } from './session-bridge.ts';

export function legacyWriter(bridges: ReadonlyMap<string, SessionBridge>, outboundMax: number, observer: RealtimeObserver): SessionWriter {
  return {
    deliver(sessions: readonly Session[], event: string, data: unknown) {
      let json: string | undefined;
      // Nearly every session of one server shares an endpoint; a small map covers the rest.
      const byEndpoint = new Map<string, string>();
      for (const session of sessions) {
        const bridge = bridges.get(session.transportId);
        if (!bridge || bridge.socket.state !== 'open') continue;
        if (bridge.socket.queued() >= outboundMax) {
          observer.dropped('slow_consumer');
          session.close(`slow consumer: more than ${outboundMax} messages waiting to be read`, 'drop');
          continue;
        }
        const endpoint = bridge.endpoint ?? '';
        let packet = byEndpoint.get(endpoint);
        if (packet === undefined) {
          json ??= eventJson(event, [data]);
          packet = eventPacketFromJson(endpoint, json);
          byEndpoint.set(endpoint, packet);
        }
        bridge.socket.send(packet);
      }
    },
  };
}
