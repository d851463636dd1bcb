/**
 * What each error of the two HTTP API families means, with its HTTP status: the tables of DESIGN.md,
 * kept here once so that the OpenAPI document, docs/api.md (checked by test/docs-error-codes.test.ts)
 * and the server agree. Plain values: the demo page and the SDK need only chat.ts's codes.
 */
import { CHAT_ERROR_CODES, type ChatErrorName } from './chat.ts';
import { PUBLISH_DATA_LIMIT_TEXT } from './rtcs.ts';

export interface ChatErrorEntry {
  status: number;
  meaning: string;
}

/** Every chat error code by name (the `satisfies` makes a code without a row fail to compile). */
export const CHAT_ERROR_TABLE = {
  unauthorized: { status: 401, meaning: 'unauthorized: missing or wrong credentials, a bad or revoked token, or an unknown app' },
  tokenExpired: { status: 401, meaning: 'token expired (renew it: the SDK does by itself)' },
  unknownApp: { status: 401, meaning: 'unknown application (reserved: an unknown app is answered with 4001, so app ids cannot be probed)' },
  invalidParameter: { status: 400, meaning: 'invalid or missing parameter (the message names the field); also a malformed or too large body' },
  resourceNotFound: { status: 400, meaning: 'resource not found (404 for an unknown endpoint or file)' },
  channelNotFound: { status: 400, meaning: 'channel not found' },
  userNotFound: { status: 400, meaning: 'user not found' },
  messageNotFound: { status: 400, meaning: 'message not found' },
  alreadyJoined: { status: 400, meaning: 'already joined' },
  duplicateId: { status: 400, meaning: 'duplicate id' },
  notJoined: { status: 400, meaning: 'not joined' },
  frozen: { status: 400, meaning: 'the channel is frozen' },
  membersLimit: { status: 400, meaning: 'members limit' },
  managersLimit: { status: 400, meaning: 'managers limit' },
  fileSizeLimit: { status: 400, meaning: 'file size limit' },
  notManager: { status: 400, meaning: 'not a manager' },
  managersCannotBanEachOther: { status: 400, meaning: 'managers cannot ban each other' },
  cannotBanYourself: { status: 400, meaning: 'a manager cannot ban itself' },
  banned: { status: 400, meaning: 'banned from the channel' },
  wordFiltered: { status: 400, meaning: "message refused by the app's word filter" },
  muted: { status: 400, meaning: 'muted in this channel' },
  blocked: { status: 400, meaning: 'blocked by the recipient' },
  noPermission: { status: 403, meaning: 'no permission (also: a private channel the caller is not a member of, a file URL without a valid signature)' },
  tooManyRequests: { status: 429, meaning: 'too many requests' },
  unknown: { status: 500, meaning: 'unknown server error (never leaks internals); 503 while the server shuts down' },
} as const satisfies Record<ChatErrorName, ChatErrorEntry>;

/** The RTCS Service API's statuses; its error body's `code` repeats the status. */
export const RTCS_ERROR_TABLE = [
  { status: 400, meaning: 'invalid request: a field is missing or breaks its rule (the message names it), a reserved event name, a non-presence channel queried' },
  { status: 401, meaning: 'unauthorized: x-nhn-apikey missing, or an unknown app or a wrong key (answered alike)' },
  { status: 413, meaning: `request entity too large: published data must be smaller than ${PUBLISH_DATA_LIMIT_TEXT}` },
  { status: 414, meaning: 'a path parameter is longer than the router accepts' },
  { status: 429, meaning: 'too many requests' },
  { status: 500, meaning: 'server error (never leaks internals)' },
  { status: 503, meaning: 'service temporarily unavailable: the cluster bus is down, or the server is shutting down' },
] as const satisfies ReadonlyArray<{ status: number; meaning: string }>;

/** The chat code table in Markdown, as the ChatError schema's description and docs/api.md show it. */
export function chatErrorCodeTable(): string {
  const names = Object.keys(CHAT_ERROR_TABLE) as ChatErrorName[];
  const rows = names.map((name) => `| ${CHAT_ERROR_TABLE[name].status} | ${CHAT_ERROR_CODES[name]} | \`${name}\` | ${CHAT_ERROR_TABLE[name].meaning} |`);
  return ['| HTTP | code | name | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The RTCS status table in Markdown, as the RtcsError schema's description and docs/api.md show it. */
export function rtcsErrorCodeTable(): string {
  return ['| HTTP = `code` | meaning |', '|---|---|', ...RTCS_ERROR_TABLE.map((row) => `| ${row.status} | ${row.meaning} |`)].join('\n');
}
