/**
 * Everything an operator changes through the console, each through the same service as the public API
 * (the chat services with the app's backend as caller, AppService, the realtime node), then written to
 * the audit log. Nothing here re-implements a rule: refusals are the services' own (ChatError, AppError).
 */
import { CHANNEL_ID_PATTERN, isMemberListed, type AdminAppCreate, type ApplicationSettings, type ApplicationSettingsChanges, type AdminAppUpdate, type ChatBan, type ChatChannel, type ChatChannelList, type ChatMessage, type ChatMute, type ChatWebhookDelivery } from '@parley/protocol';
import { presentChatSettings, type App, type AppChanges, type AppService } from '../apps/app.service.ts';
import type { Chat } from '../chat/chat.ts';
import { ChatError } from '../chat/errors.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import type { Actor, AuditLog } from './audit-log.ts';

/** A refusal of the console's own (no such app, not a presence channel, …), with its HTTP status. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a publish through the Service API answered (status and body, passed on as they are). */
export interface PublishAnswer {
  status: number;
  body: unknown;
}

export interface AdminActionsDeps {
  apps: AppService;
  chat: Chat;
  node: RealtimeNode;
  audit: AuditLog;
  /** Publishes through the Service API itself (`POST /v2/event/{app}/channel`), so that its rules apply. */
  publish(app: App, body: unknown): Promise<PublishAnswer>;
}

export interface BanRequest {
  user_id: string;
  seconds: number;
  reason?: string;
}

/** The longest disconnect reason a client is told. */
export const DISCONNECT_REASON_MAX = 200;

/** A lookup that found nothing (a chat refusal) is no result; anything else is a failure. */
const notFoundAsNone = (err: unknown): undefined => {
  if (err instanceof ChatError) return undefined;
  throw err;
};

const changesOf = (input: AdminAppUpdate): AppChanges => {
  const changes: AppChanges = {};
  if (input.webauth_url !== undefined) changes.webauthUrl = input.webauth_url || null;
  if (input.webhook_url !== undefined) changes.webhookUrl = input.webhook_url || null;
  if (input.webhook_events !== undefined) changes.webhookEvents = [...new Set(input.webhook_events)];
  return changes;
};

export class AdminActions {
  constructor(private readonly deps: AdminActionsDeps) {}

  /** The app, or a 404. */
  async app(id: string): Promise<App> {
    const app = await this.deps.apps.get(id);
    if (!app) throw new AdminError(404, `app ${id} does not exist`);
    return app;
  }

  listApps(): Promise<App[]> {
    return this.deps.apps.list();
  }

  /** Channels whose name contains `query`, led on the first page by the one whose id it is. */
  async searchChannels(appId: string, query: string | undefined, limit: number | undefined, next: string | undefined): Promise<ChatChannelList> {
    const { channels } = this.deps.chat;
    const [list, exact] = await Promise.all([
      channels.list(appId, { name: query, limit, next }),
      query !== undefined && next === undefined && CHANNEL_ID_PATTERN.test(query) ? channels.get(appId, query, {}).catch(notFoundAsNone) : undefined,
    ]);
    if (exact && !list.channels.some((c) => c.channel_id === exact.channel_id)) list.channels.unshift(exact);
    return list;
  }

  async createApp(actor: Actor, input: AdminAppCreate): Promise<App> {
    if (await this.deps.apps.get(input.id)) throw new AdminError(409, `app ${input.id} already exists`);
    const app = await this.deps.apps.create(input.id, changesOf(input));
    await this.deps.audit.record(actor, { action: 'app_create', app: app.id, target: app.id, detail: { ...input } });
    return app;
  }

  async updateApp(actor: Actor, id: string, input: AdminAppUpdate): Promise<App> {
    await this.app(id);
    const app = await this.deps.apps.update(id, changesOf(input));
    await this.deps.audit.record(actor, { action: 'app_update', app: id, target: id, detail: { ...input } });
    return app;
  }

  /** The app's chat settings, as `GET /v1/application/settings` answers them. */
  async chatSettings(id: string): Promise<ApplicationSettings> {
    const app = await this.app(id);
    // An app made before the settings existed gets its webhook secret on first read, as through /v1.
    return presentChatSettings(app.chat.webhookSecret === '' ? await this.deps.apps.updateChatSettings(id, {}) : app);
  }

  /** Changes the word filter or chat webhooks, through the same service as the server API (audited, the secret never). */
  async updateChatSettings(actor: Actor, id: string, changes: ApplicationSettingsChanges): Promise<ApplicationSettings> {
    await this.app(id);
    const app = await this.deps.apps.updateChatSettings(id, changes);
    await this.deps.audit.record(actor, { action: 'app_chat_settings', app: id, target: id, detail: { ...changes } });
    return presentChatSettings(app);
  }

  /** Sends a failed chat webhook delivery again, under the same delivery id (audited). */
  async retryWebhookDelivery(actor: Actor, appId: string, deliveryId: string): Promise<ChatWebhookDelivery> {
    await this.app(appId);
    const delivery = await this.deps.chat.webhookDeliveries.retry(appId, deliveryId);
    await this.deps.audit.record(actor, { action: 'chat_webhook_retry', app: appId, target: deliveryId, detail: { event: delivery.event, channel_id: delivery.channel_id } });
    return delivery;
  }

  async rotateKey(actor: Actor, id: string): Promise<App> {
    await this.app(id);
    const app = await this.deps.apps.rotateKey(id);
    await this.deps.audit.record(actor, { action: 'app_rotate_key', app: id, target: id });
    return app;
  }

  async deleteMessage(actor: Actor, appId: string, channelId: string, messageId: number): Promise<ChatMessage> {
    const message = await this.deps.chat.messages.delete(appId, channelId, messageId);
    await this.deps.audit.record(actor, { action: 'message_delete', app: appId, target: `${channelId}/${messageId}`, detail: { user_id: message.user.user_id } });
    return message;
  }

  async freeze(actor: Actor, appId: string, channelId: string, freeze: boolean): Promise<ChatChannel> {
    const channel = await this.deps.chat.channels.freeze(appId, channelId, freeze);
    await this.deps.audit.record(actor, { action: freeze ? 'channel_freeze' : 'channel_unfreeze', app: appId, target: channelId });
    return channel;
  }

  async ban(actor: Actor, appId: string, channelId: string, input: BanRequest): Promise<ChatBan> {
    const ban = await this.deps.chat.membership.ban(appId, channelId, { user_id: input.user_id, seconds: input.seconds, reason: input.reason });
    await this.deps.audit.record(actor, { action: 'user_ban', app: appId, target: `${channelId}/${input.user_id}`, detail: { seconds: ban.seconds, reason: ban.reason } });
    return ban;
  }

  async mute(actor: Actor, appId: string, channelId: string, input: { user_id: string; seconds: number; description?: string }): Promise<ChatMute> {
    const mute = await this.deps.chat.mutes.mute(appId, channelId, input);
    await this.deps.audit.record(actor, { action: 'user_mute', app: appId, target: `${channelId}/${input.user_id}`, detail: { seconds: mute.seconds, description: mute.description } });
    return mute;
  }

  async unmute(actor: Actor, appId: string, channelId: string, userId: string): Promise<ChatMute> {
    const mute = await this.deps.chat.mutes.unmute(appId, channelId, userId);
    await this.deps.audit.record(actor, { action: 'user_unmute', app: appId, target: `${channelId}/${userId}` });
    return mute;
  }

  async unban(actor: Actor, appId: string, channelId: string, userId: string): Promise<ChatBan> {
    const ban = await this.deps.chat.membership.unban(appId, channelId, userId);
    await this.deps.audit.record(actor, { action: 'user_unban', app: appId, target: `${channelId}/${userId}` });
    return ban;
  }

  async revokeTokens(actor: Actor, appId: string, userId: string): Promise<{ user_id: string; revoked_at: number }> {
    const revoked = await this.deps.chat.users.revokeTokens(appId, userId);
    await this.deps.audit.record(actor, { action: 'user_revoke_tokens', app: appId, target: userId });
    return revoked;
  }

  /** Ends one session of a presence_/member_ channel, on whichever node holds it, telling it `reason`. */
  async disconnect(actor: Actor, appId: string, channel: string, session: string, reason: string): Promise<{ session: string; user: string }> {
    if (!isMemberListed(channel)) throw new AdminError(400, 'channel: only presence_ and member_ channels list their sessions');
    const user = (await this.deps.node.members(appId, channel))[session];
    if (user === undefined) throw new AdminError(404, `session ${session} is not in channel ${channel}`);
    await this.deps.node.control(appId, channel, { op: 'close', reason, session });
    await this.deps.audit.record(actor, { action: 'session_disconnect', app: appId, target: session, detail: { channel, user, reason } });
    return { session, user };
  }

  /** A test event, published through the Service API; its answer is passed on, and only an accepted one is audited. */
  async publish(actor: Actor, appId: string, body: { channels: string[]; event: string; data: unknown }): Promise<PublishAnswer> {
    const answer = await this.deps.publish(await this.app(appId), body);
    if (answer.status === 200) await this.deps.audit.record(actor, { action: 'event_publish', app: appId, target: body.channels.join(','), detail: { event: body.event } });
    return answer;
  }
}
