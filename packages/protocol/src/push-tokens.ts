/**
 * Push hand-off (DESIGN.md, "Push hand-off"): the tokens a user registers per device, and the `push`
 * chat webhook event that lists a message's offline recipients with their tokens for the app's backend
 * to send through FCM, APNs or Web Push.
 */
import { Type, type Static } from '@sinclair/typebox';

export const PUSH_TOKEN_TYPES = ['fcm', 'apns', 'web'] as const;
export type PushTokenType = (typeof PUSH_TOKEN_TYPES)[number];

export const PUSH_TOKEN_LIMITS = {
  /** Tokens one user may hold (its devices). */
  perUser: 20,
  tokenMaxChars: 4096,
} as const;

const tokenType = Type.Union(
  PUSH_TOKEN_TYPES.map((t) => Type.Literal(t)),
  { description: '`fcm` (Firebase Cloud Messaging), `apns` (Apple Push Notification service) or `web` (Web Push)' },
);
const token = Type.String({ minLength: 1, maxLength: PUSH_TOKEN_LIMITS.tokenMaxChars, description: `the device's token, 1-${PUSH_TOKEN_LIMITS.tokenMaxChars} characters` });

export const PushTokenBody = Type.Object({ type: tokenType, token }, { additionalProperties: false });
export type PushTokenRequest = Static<typeof PushTokenBody>;

export const PushTokenParams = Type.Object({ token });

export const ChatPushToken = Type.Object({ type: tokenType, token, created_at: Type.Integer({ description: 'registered at (unix ms)' }) });
export type ChatPushToken = Static<typeof ChatPushToken>;

export const ChatPushTokenList = Type.Object({ tokens: Type.Array(ChatPushToken, { description: `oldest first, at most ${PUSH_TOKEN_LIMITS.perUser}` }) });
export type ChatPushTokenList = Static<typeof ChatPushTokenList>;

/** A recipient of a `push` event: a member with no live chat connection, and its tokens. */
export interface PushRecipient {
  user_id: string;
  tokens: Array<{ type: PushTokenType; token: string }>;
}
