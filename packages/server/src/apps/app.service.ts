/**
 * Applications: each has its own API key, token secret, WebAuth and webhook settings, and sees only its
 * own sessions, channels and data. Lookups are cached briefly because every request and connection
 * needs one; changes made by another process (the CLI, another node) show within CACHE_TTL_MS.
 */
import {
  APP_SETTINGS_LIMITS,
  CHAT_WEBHOOK_EVENTS,
  WEBHOOK_TYPES,
  WORD_FILTER_MODES,
  type ApplicationSettings,
  type ApplicationSettingsChanges,
  type ChatWebhookEvent,
  type WebhookType,
  type WordFilterMode,
} from '@parley/protocol';
import { sql } from 'kysely';
import type { Storage } from '../storage/database.ts';
import type { AppTable } from '../storage/schema.ts';
import { randomSecret, safeEqual } from '../secrets.ts';
import { hookUrlProblem, hookUrlsProblem } from './hook-url.ts';

export interface App {
  id: string;
  apiKey: string;
  tokenSecret: string;
  webauthUrl: string | null;
  webhookUrl: string | null;
  webhookEvents: ReadonlySet<WebhookType>;
  chat: AppChatSettings;
  createdAt: number;
  updatedAt: number;
}

/** What the chat face reads of an app on every send (the word filter) and every event (chat webhooks). */
export interface AppChatSettings {
  wordFilter: { words: readonly string[]; mode: WordFilterMode };
  webhookUrl: string | null;
  webhookEvents: ReadonlySet<ChatWebhookEvent>;
  webhookSecret: string;
}

export interface AppChanges {
  apiKey?: string;
  webauthUrl?: string | null;
  webhookUrl?: string | null;
  webhookEvents?: WebhookType[];
}

const CACHE_TTL_MS = 5_000;
const APP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class AppError extends Error {}

/** Refuses a WebAuth or webhook URL that is set and breaks hook-url.ts's rule. */
function checkHookUrls(changes: AppChanges): void {
  const problem = hookUrlsProblem(changes);
  if (problem) throw new AppError(problem);
}

/** The app id is taken (possibly by another node creating it at the same moment). */
export class AppExistsError extends AppError {}

const isChatWebhookEvent = (name: string): name is ChatWebhookEvent => (CHAT_WEBHOOK_EVENTS as readonly string[]).includes(name);
const isWordFilterMode = (mode: string): mode is WordFilterMode => (WORD_FILTER_MODES as readonly string[]).includes(mode);

function parseWords(raw: string): string[] {
  try {
    const words: unknown = JSON.parse(raw);
    return Array.isArray(words) ? words.filter((w): w is string => typeof w === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Why a word filter cannot be set, or undefined: words are trimmed, kept case-insensitively once, and
 * must be 1-wordMaxChars characters, at most wordsMax of them.
 */
function normalizedWords(words: readonly string[]): string[] | string {
  const L = APP_SETTINGS_LIMITS;
  const seen = new Map<string, string>();
  for (const raw of words) {
    const word = raw.trim();
    if (word.length === 0 || [...word].length > L.wordMaxChars) return `word_filter.words: each word must be 1-${L.wordMaxChars} characters`;
    if (!seen.has(word.toLowerCase())) seen.set(word.toLowerCase(), word);
  }
  if (seen.size > L.wordsMax) return `word_filter.words: at most ${L.wordsMax} words`;
  return [...seen.values()];
}

function toApp(row: AppTable): App {
  return {
    id: row.id,
    apiKey: row.api_key,
    tokenSecret: row.token_secret,
    webauthUrl: row.webauth_url,
    webhookUrl: row.webhook_url,
    webhookEvents: new Set(row.webhook_events.split(',').filter(Boolean) as WebhookType[]),
    chat: {
      wordFilter: { words: parseWords(row.word_filter_words), mode: isWordFilterMode(row.word_filter_mode) ? row.word_filter_mode : 'mask' },
      webhookUrl: row.chat_webhook_url,
      webhookEvents: new Set(row.chat_webhook_events.split(',').filter(isChatWebhookEvent)),
      webhookSecret: row.chat_webhook_secret,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class AppService {
  private readonly cache = new Map<string, { app: App | undefined; at: number }>();

  constructor(private readonly storage: Storage) {}

  /** The app, or undefined when no such app exists. */
  async get(id: string): Promise<App | undefined> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.app;
    if (!APP_ID_PATTERN.test(id)) return undefined;
    const row = await this.storage.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
    const app = row ? toApp(row) : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, { app, at: Date.now() });
    return app;
  }

  /** The app when `key` is its API key; undefined for an unknown app or a wrong key alike. */
  async authenticate(id: string, key: string | undefined): Promise<App | undefined> {
    const app = await this.get(id);
    if (!app || key === undefined) return undefined;
    return safeEqual(app.apiKey, key) ? app : undefined;
  }

  async list(): Promise<App[]> {
    const rows = await this.storage.db.selectFrom('apps').selectAll().orderBy('id').execute();
    return rows.map(toApp);
  }

  async create(id: string, changes: AppChanges = {}): Promise<App> {
    if (!APP_ID_PATTERN.test(id)) throw new AppError('app id must be 1-64 characters of A-Z, a-z, 0-9, _ and -');
    checkHookUrls(changes);
    const now = Date.now();
    const row: AppTable = {
      id,
      api_key: changes.apiKey ?? randomSecret(),
      token_secret: randomSecret(32),
      webauth_url: changes.webauthUrl ?? null,
      webhook_url: changes.webhookUrl ?? null,
      webhook_events: (changes.webhookEvents ?? [...WEBHOOK_TYPES]).join(','),
      word_filter_words: '[]',
      word_filter_mode: 'mask',
      chat_webhook_url: null,
      chat_webhook_events: CHAT_WEBHOOK_EVENTS.join(','),
      chat_webhook_secret: randomSecret(32),
      created_at: now,
      updated_at: now,
    };
    // ON CONFLICT instead of a read-then-insert: nodes starting together race to create the same app.
    const result = await this.storage.db
      .insertInto('apps')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    this.cache.delete(id);
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) throw new AppExistsError(`app ${id} already exists`);
    return toApp(row);
  }

  async update(id: string, changes: AppChanges): Promise<App> {
    checkHookUrls(changes);
    const values: Partial<AppTable> = { updated_at: Date.now() };
    if (changes.apiKey !== undefined) values.api_key = changes.apiKey;
    if (changes.webauthUrl !== undefined) values.webauth_url = changes.webauthUrl;
    if (changes.webhookUrl !== undefined) values.webhook_url = changes.webhookUrl;
    if (changes.webhookEvents !== undefined) values.webhook_events = changes.webhookEvents.join(',');
    const result = await this.storage.db.updateTable('apps').set(values).where('id', '=', id).executeTakeFirst();
    this.cache.delete(id);
    if (Number(result.numUpdatedRows) === 0) throw new AppError(`app ${id} does not exist`);
    const app = await this.get(id);
    if (!app) throw new AppError(`app ${id} does not exist`);
    return app;
  }

  /**
   * Changes an app's chat settings (PUT /v1/application/settings); throws AppError naming the field.
   * An app made before migration 0008 has no webhook secret: its first call (a GET included, which
   * passes no changes) makes one; `rotate_chat_webhook_secret` replaces it.
   */
  async updateChatSettings(id: string, changes: ApplicationSettingsChanges): Promise<App> {
    const current = await this.get(id);
    if (!current) throw new AppError(`app ${id} does not exist`);
    const values: Partial<AppTable> = { updated_at: Date.now() };
    if (changes.word_filter !== undefined) {
      const words = normalizedWords(changes.word_filter.words);
      if (typeof words === 'string') throw new AppError(words);
      values.word_filter_words = JSON.stringify(words);
      values.word_filter_mode = changes.word_filter.mode;
    }
    if (changes.chat_webhook_url !== undefined) {
      const url = changes.chat_webhook_url === '' ? null : changes.chat_webhook_url;
      const problem = url ? hookUrlProblem(url) : undefined;
      if (problem) throw new AppError(`chat_webhook_url ${problem}`);
      values.chat_webhook_url = url;
    }
    if (changes.chat_webhook_events !== undefined) values.chat_webhook_events = [...new Set(changes.chat_webhook_events)].join(',');
    if (changes.rotate_chat_webhook_secret === true || current.chat.webhookSecret === '') values.chat_webhook_secret = randomSecret(32);
    await this.storage.db.updateTable('apps').set(values).where('id', '=', id).executeTakeFirst();
    this.cache.delete(id);
    const app = await this.get(id);
    if (!app) throw new AppError(`app ${id} does not exist`);
    return app;
  }

  /** Replaces the API key; access URLs signed with the old key stop verifying. */
  async rotateKey(id: string): Promise<App> {
    return this.update(id, { apiKey: randomSecret() });
  }

  /**
   * Removes the app and everything stored for it: each table with an `app_id` column (found in the
   * schema, so tables added later are covered), in one transaction. Uploaded files, no longer referred
   * to, go with the next start's orphan sweep.
   */
  async delete(id: string): Promise<void> {
    const tables = (await this.storage.db.introspection.getTables()).filter((t) => t.columns.some((c) => c.name === 'app_id')).map((t) => t.name);
    const deleted = await this.storage.db.transaction().execute(async (trx) => {
      for (const table of tables) await sql`delete from ${sql.table(table)} where app_id = ${id}`.execute(trx);
      return trx.deleteFrom('apps').where('id', '=', id).executeTakeFirst();
    });
    this.cache.delete(id);
    if (Number(deleted.numDeletedRows) === 0) throw new AppError(`app ${id} does not exist`);
  }

  async count(): Promise<number> {
    const row = await this.storage.db.selectFrom('apps').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/** An app's chat settings as the server API answers them. */
export function presentChatSettings(app: App): ApplicationSettings {
  return {
    app_id: app.id,
    word_filter: { words: [...app.chat.wordFilter.words], mode: app.chat.wordFilter.mode },
    chat_webhook_url: app.chat.webhookUrl,
    chat_webhook_events: [...app.chat.webhookEvents],
    chat_webhook_secret: app.chat.webhookSecret,
    updated_at: app.updatedAt,
  };
}
