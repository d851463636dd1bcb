/**
 * What the client API (`/v1/sdk`) needs from the chat layer, as one narrow port: the routes check
 * access and validate, this port does the work through the chat services. Results are the JSON views
 * the Platform API returns, passed through unchanged.
 */
import type { App } from '../apps/app.service.ts';

/** A JSON view (user, channel, message, list page …) as the chat services render it. */
export type View = object;

export interface Page {
  limit?: number;
  next?: string;
}

/** What the caller is in a channel; `exists: false` means no such channel. */
export interface ChannelRole {
  exists: boolean;
  member: boolean;
  manager: boolean;
  banned: boolean;
  frozen: boolean;
}

export interface UploadedFile {
  filename: string;
  mimetype: string;
  data: Buffer;
}

export interface ChatSdkBackend {
  /** True when `token` is a valid, unrevoked session or SDK token of `userId` in the app. */
  verifyToken(app: App, userId: string, token: string): Promise<boolean>;
  issueSdkToken(app: App, userId: string): Promise<{ token: string; expires_at: number }>;

  getUser(app: App, userId: string): Promise<View>;
  updateUser(app: App, userId: string, changes: { name?: string; profile_url?: string }): Promise<View>;
  setUserMeta(app: App, userId: string, meta: Record<string, string>): Promise<View>;
  deleteUserMeta(app: App, userId: string, keys: string[] | undefined): Promise<View>;

  role(app: App, channelId: string, userId: string): Promise<ChannelRole>;
  listChannels(app: App, query: Record<string, unknown>, joinedBy: string | undefined): Promise<View>;
  getChannel(app: App, channelId: string, query: Record<string, unknown>): Promise<View>;
  createChannel(app: App, input: Record<string, unknown>): Promise<View>;
  updateChannel(app: App, channelId: string, changes: Record<string, unknown>): Promise<View>;
  deleteChannel(app: App, channelId: string): Promise<void>;
  join(app: App, channelId: string, userId: string): Promise<View>;
  leave(app: App, channelId: string, userId: string): Promise<View>;
  members(app: App, channelId: string, page: Page): Promise<View>;
  onlineMembers(app: App, channelId: string): Promise<View>;
  addManager(app: App, channelId: string, userId: string): Promise<View>;
  removeManager(app: App, channelId: string, userId: string): Promise<View>;

  sendText(app: App, channelId: string, userId: string, content: string, meta: Record<string, string> | undefined): Promise<View>;
  sendFile(app: App, channelId: string, userId: string, file: UploadedFile, meta: Record<string, string> | undefined): Promise<View>;
  listMessages(app: App, channelId: string, query: Record<string, unknown>): Promise<View>;
  /** The sender's user id, or undefined when no such message. */
  messageSender(app: App, channelId: string, messageId: number): Promise<string | undefined>;
  deleteMessage(app: App, channelId: string, messageId: number): Promise<void>;
  setMessageMeta(app: App, channelId: string, messageId: number, meta: Record<string, string>): Promise<View>;
  deleteMessageMeta(app: App, channelId: string, messageId: number, keys: string[] | undefined): Promise<View>;
  read(app: App, channelId: string, userId: string): Promise<View>;
  delivered(app: App, channelId: string, userId: string): Promise<View>;

  freeze(app: App, channelId: string, freeze: boolean): Promise<View>;
  ban(app: App, channelId: string, ban: { user_id: string; seconds: number; reason?: string }): Promise<View>;
  unban(app: App, channelId: string, userId: string): Promise<void>;
  bannedList(app: App, channelId: string, page: Page): Promise<View>;
}
