/**
 * The activity tap: what the realtime layer tells the operator console's debug stream (connects,
 * disconnects, subscribes, unsubscribes, publishes, WebAuth answers, webhook deliveries). The node and
 * the hook clients call it at each of those points; the admin module implements it (admin/activity-feed.ts).
 *
 * Watching must cost nothing when no console is open: each method returns at once unless a console
 * somewhere in the cluster watches the app (one map lookup, no object built), and call sites pass only
 * values they already hold. A watched app's activity travels between nodes on the broker, under the
 * pseudo-app ADMIN_BUS (no real app id may start with `#`), which the node hands to `received`.
 */
import type { WebhookBody } from '@parley/protocol';
import type { Publication } from './broker.ts';
import type { HookResult } from './hooks-client.ts';
import type { Session } from './session.ts';

/** The broker's app id of the console's own traffic: watch announcements, activity, node figures. */
export const ADMIN_BUS = '#admin';

export interface RealtimeActivity {
  /** True while some console watches `appId`. */
  watching(appId: string): boolean;
  session(type: 'connect' | 'disconnect', session: Session): void;
  channel(type: 'subscribe' | 'unsubscribe', session: Session, channel: string): void;
  /** A publication the Service API accepted (the payload is previewed, never kept). */
  published(appId: string, channels: readonly string[], event: string, data: unknown): void;
  webauth(appId: string, user: string, channel: string, result: HookResult): void;
  /** A webhook call in flight: its outcome is reported when `call` settles, if the app is watched. */
  webhook(appId: string, body: WebhookBody, call: Promise<HookResult>): void;
  /** A publication on ADMIN_BUS reached this node. */
  received(m: Publication): void;
}

export const NO_ACTIVITY: RealtimeActivity = {
  watching: () => false,
  session() {},
  channel() {},
  published() {},
  webauth() {},
  webhook() {},
  received() {},
};
