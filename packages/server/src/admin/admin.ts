/**
 * Composition of the operator console's server side: its token, the audit log, the actions, the
 * overview and the debug streams, over the console bus and activity feed that server.ts creates before
 * the realtime node (the node reports to the feed). server.ts calls this once and mounts `routes`.
 */
import type { AdminSession } from '@parley/protocol';
import type { Logger } from 'pino';
import type { App, AppService } from '../apps/app.service.ts';
import type { Chat } from '../chat/chat.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Hub } from '../realtime/hub.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import type { Storage } from '../storage/database.ts';
import { PARLEY_VERSION } from '../version.ts';
import type { ActivityFeed } from './activity-feed.ts';
import { AdminActions, type PublishAnswer } from './admin-actions.ts';
import type { AdminRoutesDeps } from './admin.routes.ts';
import { AdminTokens } from './admin-token.ts';
import { AuditLog } from './audit-log.ts';
import type { ConsoleBus } from './console-bus.ts';
import { ConsoleStreams } from './console-streams.ts';
import { ClusterOverview } from './overview.ts';

export interface AdminDeps {
  storage: Storage;
  apps: AppService;
  chat: Chat;
  node: RealtimeNode;
  hub: Hub;
  metrics: Metrics;
  bus: ConsoleBus;
  feed: ActivityFeed;
  log: Logger;
  cluster: boolean;
  /** ADMIN_TOKEN, when set. */
  adminToken?: string;
  /** Publishes through the Service API (server.ts injects the request into the HTTP server). */
  publish(app: App, body: unknown): Promise<PublishAnswer>;
}

export interface Admin {
  routes: AdminRoutesDeps;
  tokens: AdminTokens;
  audit: AuditLog;
  /** The token generated at this start (no ADMIN_TOKEN, none stored yet): to be shown once. */
  generatedToken: string | undefined;
  /** Ends the open debug consoles (the server drains). */
  drain(): void;
  close(): void;
}

export async function createAdmin(deps: AdminDeps): Promise<Admin> {
  const { node, bus, feed } = deps;
  const tokens = new AdminTokens(deps.storage, deps.adminToken);
  const audit = new AuditLog(deps.storage);
  const session: AdminSession = { node: node.nodeId, version: PARLEY_VERSION, cluster: deps.cluster };
  const streams = new ConsoleStreams(bus, node.nodeId);
  const overview = new ClusterOverview({ bus, hub: deps.hub, metrics: deps.metrics, nodeId: node.nodeId, version: PARLEY_VERSION, cluster: deps.cluster, log: deps.log });
  const actions = new AdminActions({ apps: deps.apps, chat: deps.chat, node, audit, publish: deps.publish });
  // The chat's sends and moderation reach the debug console from its event bus: the services stay as they are.
  deps.chat.bus.on((event) => feed.chat(event));
  await bus.start();
  const generatedToken = await tokens.ensure();
  return {
    routes: { tokens, actions, audit, overview, streams, chat: deps.chat, node, session },
    tokens,
    audit,
    generatedToken,
    drain() {
      streams.closeAll('server is shutting down');
    },
    close() {
      streams.closeAll('server is shutting down');
      overview.close();
      feed.close();
      bus.close();
    },
  };
}
