/** Channel kinds of the RTCS contract, decided by the name's prefix. */
export type ChannelKind = 'public' | 'private' | 'member' | 'presence';

/** Prefixes that mark a channel as needing authorisation (granted at access or by WebAuth). */
export const CHANNEL_PREFIXES = {
  private: 'private_',
  member: 'member_',
  presence: 'presence_',
} as const;

/** Longest channel name, in UTF-8 bytes. Names are ASCII so bytes and characters agree. */
export const CHANNEL_NAME_MAX_BYTES = 200;

const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** The rule channelNameProblem checks, in the words of the API documents. */
export const CHANNEL_NAME_RULE =
  `1-${CHANNEL_NAME_MAX_BYTES} characters of A-Z, a-z, 0-9, _ and -; the prefixes ${Object.values(CHANNEL_PREFIXES).join(', ')} ` +
  'make a channel that needs authorisation (granted at access or by WebAuth), and a bare prefix names no channel';

/**
 * The kind of a channel from its name.
 * @example channelKind('presence_room1') // 'presence'
 */
export function channelKind(name: string): ChannelKind {
  if (name.startsWith(CHANNEL_PREFIXES.private)) return 'private';
  if (name.startsWith(CHANNEL_PREFIXES.member)) return 'member';
  if (name.startsWith(CHANNEL_PREFIXES.presence)) return 'presence';
  return 'public';
}

/** True for the kinds whose member list can be queried (sessions/count APIs, subscribe_success members). */
export function isMemberListed(name: string): boolean {
  const kind = channelKind(name);
  return kind === 'member' || kind === 'presence';
}

/** True for the kinds a client may only join when granted at access or allowed by WebAuth. */
export function needsAuthorisation(name: string): boolean {
  return channelKind(name) !== 'public';
}

/**
 * Why a channel name is invalid, or undefined when it is valid.
 * A name is 1–200 characters of `[A-Za-z0-9_-]`; a bare prefix (`private_`) names no channel.
 */
export function channelNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'channel name must be a string';
  if (name.length === 0) return 'channel name must not be empty';
  if (name.length > CHANNEL_NAME_MAX_BYTES) return `channel name must be at most ${CHANNEL_NAME_MAX_BYTES} bytes`;
  if (!CHANNEL_NAME_PATTERN.test(name)) return 'channel name may only contain A-Z, a-z, 0-9, _ and -';
  for (const prefix of Object.values(CHANNEL_PREFIXES)) {
    if (name === prefix) return `channel name must not be the bare prefix ${prefix}`;
  }
  return undefined;
}
