/**
 * Signed, expiring URLs of stored files: `{PUBLIC_URL}/v1/files/{key}?expires={ms}&signature={sig}`,
 * sig = base64url HMAC-SHA256(k, `{key}.{expires}`) where k is derived from the app's token secret
 * (never its api key). A URL is signed whenever a message is presented to someone allowed to read it,
 * so the key alone no longer opens the file and a leaked URL stops working within the TTL.
 */
import { createHmac } from 'node:crypto';
import type { App, AppService } from '../apps/app.service.ts';
import { safeEqual } from '../secrets.ts';

/** Default lifetime of a signed file URL. */
export const FILE_URL_TTL_MS = 3_600_000;
/**
 * What one kind of signed URL is: its key label (distinguishing this use of the token secret from its
 * use for tokens and for the other kinds, so that no signature opens another kind of resource) and its
 * path. Export files (chat/export-jobs.ts) are signed the same way under a scope of their own.
 */
export interface SignedUrlScope {
  label: string;
  path(key: string): string;
}

/** Files sent in messages: `/v1/files/{key}`. */
export const FILE_URL_SCOPE: SignedUrlScope = { label: 'parley:file-url:v1', path: (key) => `/v1/files/${key}` };

const derivedKey = (app: App, label: string): Buffer => createHmac('sha256', app.tokenSecret).update(label).digest();
const sign = (k: Buffer, fileKey: string, expires: number): string => createHmac('sha256', k).update(`${fileKey}.${expires}`).digest('base64url');

export class FileUrls {
  /**
   * Expiries are rounded up to a twelfth of the TTL, so a file presented several times in a row keeps
   * one URL (browsers cache it) while each URL still lives between one and 13/12 TTLs.
   */
  private readonly step: number;

  constructor(
    private readonly apps: AppService,
    private readonly publicUrl: () => string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly scope: SignedUrlScope = FILE_URL_SCOPE,
  ) {
    this.step = Math.max(1, Math.floor(ttlMs / 12));
  }

  /**
   * The URL maker of one app's files, for presenting messages.
   * @example const url = await fileUrls.signer('demo'); url('0123…ef') // …/v1/files/0123…ef?expires=…&signature=…
   */
  async signer(appId: string): Promise<(fileKey: string) => string> {
    const app = await this.apps.get(appId);
    // Messages are presented only for apps that exist (apps are never deleted).
    if (!app) throw new Error(`app ${appId} not found`);
    const k = derivedKey(app, this.scope.label);
    const expires = Math.ceil((this.now() + this.ttlMs) / this.step) * this.step;
    const base = this.publicUrl();
    return (fileKey) => `${base}${this.scope.path(fileKey)}?expires=${expires}&signature=${sign(k, fileKey, expires)}`;
  }

  /**
   * The URL of one key that stops working at `expires` (unix ms), for a resource that lives only until
   * then (an export file).
   * @example await exportUrls.urlUntil('demo', 'c0ffee…', 1767229200000) // …/v1/exports/c0ffee…/file?expires=1767229200000&signature=…
   */
  async urlUntil(appId: string, key: string, expires: number): Promise<string> {
    const app = await this.apps.get(appId);
    if (!app) throw new Error(`app ${appId} not found`);
    return `${this.publicUrl()}${this.scope.path(key)}?expires=${expires}&signature=${sign(derivedKey(app, this.scope.label), key, expires)}`;
  }

  /** True when `signature` is this app's signature of the file key and `expires` has not passed. */
  async verify(appId: string, fileKey: string, expires: string | undefined, signature: string | undefined): Promise<boolean> {
    if (expires === undefined || signature === undefined || !/^\d{1,16}$/.test(expires)) return false;
    const at = Number(expires);
    if (at <= this.now()) return false;
    const app = await this.apps.get(appId);
    return app !== undefined && safeEqual(sign(derivedKey(app, this.scope.label), fileKey, at), signature);
  }
}
