/**
 * The admin token: the one credential of the operator console and its API. ADMIN_TOKEN sets it; without
 * it the first start generates one, stores only its scrypt hash and reports the token once (main.ts
 * prints it), and `parley admin rotate-token` replaces it. Checks are constant-time. Servers re-read
 * the stored hash every CACHE_TTL_MS, so a rotation made by the CLI takes effect within seconds; a token
 * that checked out is remembered (by its SHA-256, against that hash) so that scrypt runs once per token,
 * not once per request.
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Storage } from '../storage/database.ts';
import { randomSecret, safeEqual } from '../secrets.ts';

const SECRET_NAME = 'admin_token';
const CACHE_TTL_MS = 5_000;
/** scrypt cost: about 16 MiB and a few tens of ms per check, in libuv's pool. */
const SCRYPT: ScryptOptions & { N: number; r: number; p: number } = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
/** Longer presented tokens are refused unchecked (generated ones have 43 characters). */
export const ADMIN_TOKEN_MAX_LENGTH = 512;
const VERIFIED_MAX = 16;

function scrypt(secret: string, salt: Buffer, options: ScryptOptions & { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(secret, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$key` (base64url), as stored. */
export async function hashAdminToken(token: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(token, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `token` is the one `stored` was made from; false for anything malformed. */
export async function adminTokenMatches(token: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem };
  if (![options.N, options.r, options.p].every((x) => Number.isInteger(x) && x > 0)) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(token, Buffer.from(salt, 'base64url'), options);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

const digest = (token: string): string => createHash('sha256').update(token).digest('base64url');

export class AdminTokens {
  private stored: { hash: string | undefined; at: number } | undefined;
  /** Digest of a token that matched → the hash it matched. */
  private readonly verified = new Map<string, string>();

  constructor(
    private readonly storage: Storage,
    /** ADMIN_TOKEN: when set, the one token, and nothing is stored. */
    private readonly configured?: string,
  ) {}

  /** True when ADMIN_TOKEN sets the token (a stored one, and rotation, do not apply). */
  get fromEnvironment(): boolean {
    return this.configured !== undefined;
  }

  /**
   * At start: with no ADMIN_TOKEN and no stored hash, generates a token and stores its hash; answers the
   * token so that it can be shown once. Nodes starting together store one hash: the others answer nothing.
   */
  async ensure(): Promise<string | undefined> {
    if (this.configured !== undefined || (await this.readHash()) !== undefined) return undefined;
    const token = randomSecret(32);
    const result = await this.storage.db
      .insertInto('admin_secrets')
      .values({ name: SECRET_NAME, hash: await hashAdminToken(token), updated_at: Date.now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    this.stored = undefined;
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? token : undefined;
  }

  /** Replaces the stored token with a new random one and answers it (`parley admin rotate-token`). */
  async rotate(): Promise<string> {
    const token = randomSecret(32);
    const row = { name: SECRET_NAME, hash: await hashAdminToken(token), updated_at: Date.now() };
    await this.storage.db
      .insertInto('admin_secrets')
      .values(row)
      .onConflict((oc) => oc.column('name').doUpdateSet({ hash: row.hash, updated_at: row.updated_at }))
      .execute();
    this.stored = undefined;
    this.verified.clear();
    return token;
  }

  /** Whether `presented` is the admin token, in constant time. */
  async verify(presented: string): Promise<boolean> {
    if (presented === '' || presented.length > ADMIN_TOKEN_MAX_LENGTH) return false;
    if (this.configured !== undefined) return safeEqual(presented, this.configured);
    const hash = await this.readHash();
    if (hash === undefined) return false;
    const key = digest(presented);
    if (this.verified.get(key) === hash) return true;
    if (!(await adminTokenMatches(presented, hash))) return false;
    if (this.verified.size >= VERIFIED_MAX) this.verified.clear();
    this.verified.set(key, hash);
    return true;
  }

  private async readHash(): Promise<string | undefined> {
    if (this.stored && Date.now() - this.stored.at < CACHE_TTL_MS) return this.stored.hash;
    const row = await this.storage.db.selectFrom('admin_secrets').select('hash').where('name', '=', SECRET_NAME).executeTakeFirst();
    this.stored = { hash: row?.hash, at: Date.now() };
    return row?.hash;
  }
}
