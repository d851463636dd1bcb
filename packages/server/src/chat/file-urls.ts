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
/** Distinguishes this use of the token secret from its use for tokens. */
const KEY_LABEL = 'parley:file-url:v1';

const derivedKey = (app: App): Buffer => createHmac('sha256', app.tokenSecret).update(KEY_LABEL).digest();
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
    const k = derivedKey(app);
    const expires = Math.ceil((this.now() + this.ttlMs) / this.step) * this.step;
    const base = this.publicUrl();
    return (fileKey) => `${base}/v1/files/${fileKey}?expires=${expires}&signature=${sign(k, fileKey, expires)}`;
  }

  /** True when `signature` is this app's signature of the file key and `expires` has not passed. */
  async verify(appId: string, fileKey: string, expires: string | undefined, signature: string | undefined): Promise<boolean> {
    if (expires === undefined || signature === undefined || !/^\d{1,16}$/.test(expires)) return false;
    const at = Number(expires);
    if (at <= this.now()) return false;
    const app = await this.apps.get(appId);
    return app !== undefined && safeEqual(sign(derivedKey(app), fileKey, at), signature);
  }
}
