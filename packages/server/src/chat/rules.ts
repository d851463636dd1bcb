/**
 * Field rules of the chat API (DESIGN.md): ids, names, URLs, meta maps, page sizes and cursors. Each
 * check throws a 1001 ChatError whose message names the field.
 */
import { CHANNEL_ID_PATTERN, CHAT_LIMITS, USER_ID_PATTERN, type ChatMeta } from '@parley/protocol';
import { invalid } from './errors.ts';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

export function checkUserId(id: unknown, field = 'user_id'): string {
  if (typeof id !== 'string' || !USER_ID_PATTERN.test(id)) {
    throw invalid(`${field} must be 1-${CHAT_LIMITS.userIdMax} characters of A-Z, a-z, 0-9 and _ . @ + : -`);
  }
  return id;
}

export function checkChannelId(id: unknown, field = 'channel_id'): string {
  if (typeof id !== 'string' || !CHANNEL_ID_PATTERN.test(id)) {
    throw invalid(`${field} must be ${CHAT_LIMITS.channelIdMin}-${CHAT_LIMITS.channelIdMax} characters of a-z, 0-9 and _`);
  }
  return id;
}

export function checkText(value: string, field: string, min: number, max: number): string {
  if (value.length < min || value.length > max) throw invalid(`${field} must be ${min}-${max} characters`);
  return value;
}

/**
 * Validates a meta map and returns a copy built with Object.fromEntries, whose keys are always own data
 * properties: `__proto__` or `constructor` are stored as ordinary keys and never touch a prototype.
 */
export function checkMeta(meta: unknown, field = 'meta'): ChatMeta {
  if (meta === undefined || meta === null) return {};
  if (typeof meta !== 'object' || Array.isArray(meta)) throw invalid(`${field} must be an object of strings`);
  const entries = Object.entries(meta);
  if (entries.length > CHAT_LIMITS.metaPairsMax) throw invalid(`${field} must have at most ${CHAT_LIMITS.metaPairsMax} keys`);
  for (const [key, value] of entries) {
    if (key === '' || bytes(key) > CHAT_LIMITS.metaKeyMaxBytes) throw invalid(`${field} keys must be 1-${CHAT_LIMITS.metaKeyMaxBytes} bytes`);
    if (typeof value !== 'string') throw invalid(`${field}.${key} must be a string`);
    if (bytes(value) > CHAT_LIMITS.metaValueMaxBytes) throw invalid(`${field}.${key} must be at most ${CHAT_LIMITS.metaValueMaxBytes} bytes`);
  }
  return Object.fromEntries(entries) as ChatMeta;
}

/** Merges `changes` into `meta` and checks the result still fits the limits. */
export function mergeMeta(meta: ChatMeta, changes: ChatMeta, field = 'meta'): ChatMeta {
  return checkMeta(Object.fromEntries([...Object.entries(meta), ...Object.entries(changes)]), field);
}

export function removeMetaKeys(meta: ChatMeta, keys: readonly string[] | undefined): ChatMeta {
  if (!keys) return {};
  const drop = new Set(keys);
  return Object.fromEntries(Object.entries(meta).filter(([k]) => !drop.has(k))) as ChatMeta;
}

/** Parses a stored meta column; a damaged value reads as empty rather than failing the request. */
export function parseMeta(text: string): ChatMeta {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as ChatMeta) : {};
  } catch {
    return {};
  }
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return CHAT_LIMITS.pageDefault;
  if (!Number.isInteger(limit) || limit < 1 || limit > CHAT_LIMITS.pageMax) throw invalid(`limit must be between 1 and ${CHAT_LIMITS.pageMax}`);
  return limit;
}

/** Cursors are the base64url of the last key of the previous page: opaque to clients, cheap to check. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (!/^[A-Za-z0-9_-]{1,1200}$/.test(cursor)) throw invalid('next must be a cursor returned by a previous page');
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  // Never produced by a page (keys are ids); PostgreSQL cannot even compare text holding U+0000.
  if (key.includes('\u0000')) throw invalid('next must be a cursor returned by a previous page');
  return key;
}

/** Pages fetched with limit + 1 rows: trims the extra one and derives the next cursor from the last kept. */
export function page<T>(rows: T[], limit: number, key: (row: T) => string): { items: T[]; next: string | null } {
  if (rows.length <= limit) return { items: rows, next: null };
  const items = rows.slice(0, limit);
  return { items, next: encodeCursor(key(items[items.length - 1]!)) };
}
