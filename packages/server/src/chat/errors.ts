/**
 * Typed failures of the chat services. Each carries the code and HTTP status of DESIGN.md's table, and
 * a message that names the offending field or resource; the HTTP layer turns it into the error body.
 */
import { CHAT_ERROR_CODES, type ChatErrorCode } from '@parley/protocol';

export class ChatError extends Error {
  constructor(
    readonly code: ChatErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

const C = CHAT_ERROR_CODES;

/** 1001: a parameter is missing or invalid; `message` starts with the field's name. */
export const invalid = (message: string): ChatError => new ChatError(C.invalidParameter, 400, message);
export const channelNotFound = (id: string): ChatError => new ChatError(C.channelNotFound, 400, `channel ${id} not found`);
export const userNotFound = (id: string): ChatError => new ChatError(C.userNotFound, 400, `user ${id} not found`);
export const messageNotFound = (id: number): ChatError => new ChatError(C.messageNotFound, 400, `message ${id} not found`);
export const resourceNotFound = (what: string): ChatError => new ChatError(C.resourceNotFound, 400, `${what} not found`);
export const alreadyJoined = (user: string): ChatError => new ChatError(C.alreadyJoined, 400, `user ${user} already joined the channel`);
export const duplicate = (what: string): ChatError => new ChatError(C.duplicateId, 400, `${what} already exists`);
export const notJoined = (user: string): ChatError => new ChatError(C.notJoined, 400, `user ${user} is not a member of the channel`);
export const frozen = (id: string): ChatError => new ChatError(C.frozen, 400, `channel ${id} is frozen`);
export const membersLimit = (max: number): ChatError => new ChatError(C.membersLimit, 400, `members: at most ${max} members`);
export const managersLimit = (max: number): ChatError => new ChatError(C.managersLimit, 400, `managers: at most ${max} managers`);
export const fileTooLarge = (max: number): ChatError => new ChatError(C.fileSizeLimit, 400, `file must be at most ${max} bytes`);
export const notManager = (user: string): ChatError => new ChatError(C.notManager, 400, `user ${user} is not a manager of the channel`);
export const managersCannotBan = (): ChatError => new ChatError(C.managersCannotBanEachOther, 400, 'user_id: managers cannot ban each other');
export const cannotBanYourself = (): ChatError => new ChatError(C.cannotBanYourself, 400, 'user_id: a manager cannot ban itself');
export const banned = (user: string): ChatError => new ChatError(C.banned, 400, `user ${user} is banned from the channel`);
/** 1020: the app's word filter (block mode) refused the message's text. */
export const wordFiltered = (): ChatError => new ChatError(C.wordFiltered, 400, "content: refused by the app's word filter");
/** 1021: muted in this channel (a member who reads but may not send). */
export const muted = (user: string): ChatError => new ChatError(C.muted, 400, `user ${user} is muted in the channel`);
/** 1022: the other member of a 1:1 channel blocked the sender. */
export const blocked = (): ChatError => new ChatError(C.blocked, 400, 'blocked by the recipient');
export const unauthorized = (message: string): ChatError => new ChatError(C.unauthorized, 401, message);
export const tokenExpired = (): ChatError => new ChatError(C.tokenExpired, 401, 'token expired');
/** 3001: authenticated, but not allowed (also: a private channel the caller is not a member of). */
export const noPermission = (message: string): ChatError => new ChatError(C.noPermission, 403, message);
