/**
 * Channels the server subscribes sessions to by itself, never reachable from the RTCS API: their names
 * start with `#`, which no RTCS channel name may contain (`[A-Za-z0-9_-]`). A chat connection lives on
 * its user's personal channel and on one channel per chat channel the user belongs to (as Centrifugo's
 * user channels do); chat events are publications to them, membership changes move sessions between
 * them through control messages.
 */

/** Every session of `userId` (in its app): control messages and events meant for that user. */
export const userChannel = (userId: string): string => `#user:${userId}`;

/** Every connected member of the chat channel `channelId`. */
export const groupChannel = (channelId: string): string => `#group:${channelId}`;

export const isInternalChannel = (channel: string): boolean => channel.charCodeAt(0) === 0x23; // '#'

/**
 * Whether the presence store records a channel's subscribers: every RTCS channel (exists, sessions,
 * count) and users' personal channels (who is online), but not the per-chat-channel ones — a user in
 * hundreds of chat channels would otherwise cost hundreds of writes at each connect and heartbeat.
 */
export const tracksPresence = (channel: string): boolean => !channel.startsWith('#group:');
