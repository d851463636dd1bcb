/**
 * Who may connect, and how many at once. A replayed access URL must not open sessions without end (each
 * joiner of a presence channel costs every member), nor one user, nor one address:
 * - per access URL and per user of an app: concurrent realtime sessions, across the cluster (places
 *   held in the presence store, freed when the client leaves or its node dies);
 * - per client address, on this node: handshakes per second (bursts of four times that) and open
 *   connections, realtime and chat alike (a polling session holds no TCP connection to count).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AccessError } from './access-url.ts';
import type { PresenceStore } from './presence.ts';
import { TokenBucket } from './rate-limit.ts';

export interface AdmissionLimits {
  accessUrlMaxSessions: number;
  userMaxSessions: number;
  /** 0 = unlimited. */
  ipMaxSessions: number;
  /** 0 = unlimited. */
  handshakesPerIpPerS: number;
}

/** A client's places; `release` frees them once (later calls do nothing). */
export interface Ticket {
  release(): void;
}

/** What a verified RTCS client claims its places by. */
export interface AdmissionRequest {
  appId: string;
  user: string;
  /** The access URL's signature `s`: one per URL. */
  signature: string;
}

/** Handshake buckets kept before idle ones are forgotten (each is a few dozen bytes). */
const BUCKETS_SWEEP_AT = 10_000;

export class Admission {
  private readonly connections = new Map<string, number>();
  private readonly buckets = new Map<string, { bucket: TokenBucket; used: number }>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly presence: PresenceStore,
    private readonly log: Logger,
  ) {}

  /** Checks a handshake from `address` before anything else is done; the refusal reason, or undefined. */
  handshake(address: string, now = performance.now()): string | undefined {
    const { handshakesPerIpPerS, ipMaxSessions } = this.limits;
    if (ipMaxSessions > 0 && (this.connections.get(address) ?? 0) >= ipMaxSessions) {
      return `too many connections from this address (at most ${ipMaxSessions})`;
    }
    if (handshakesPerIpPerS === 0) return undefined;
    let entry = this.buckets.get(address);
    if (!entry) {
      if (this.buckets.size >= BUCKETS_SWEEP_AT) this.sweep(now);
      entry = { bucket: new TokenBucket(handshakesPerIpPerS, handshakesPerIpPerS * 4, now), used: now };
      this.buckets.set(address, entry);
    }
    entry.used = now;
    return entry.bucket.take(now) ? undefined : 'too many connection attempts from this address: slow down';
  }

  /** Counts an open connection from `address`; `disconnected` once when it closes. */
  connected(address: string): void {
    this.connections.set(address, (this.connections.get(address) ?? 0) + 1);
  }

  disconnected(address: string): void {
    const n = (this.connections.get(address) ?? 1) - 1;
    if (n <= 0) this.connections.delete(address);
    else this.connections.set(address, n);
  }

  /**
   * Takes the client's places per access URL and per user; throws AccessError with the reason when
   * either is full. A presence store that cannot answer (Redis down) admits: these limits are abuse
   * protection, and an outage must not lock every client out.
   */
  async claim(request: AdmissionRequest): Promise<Ticket> {
    const { appId } = request;
    const held = new HeldPlaces(this, appId, randomBytes(9).toString('base64url'));
    const slots: Array<[slot: string, max: number, refusal: string]> = [
      [`url:${request.signature}`, this.limits.accessUrlMaxSessions, `access URL is already used by ${this.limits.accessUrlMaxSessions} sessions`],
      [`user:${request.user}`, this.limits.userMaxSessions, `user has too many sessions (at most ${this.limits.userMaxSessions})`],
    ];
    for (const [slot, max, refusal] of slots) {
      let ok: boolean;
      try {
        ok = await this.presence.claim(appId, slot, held.holder, max);
      } catch (err) {
        this.log.warn({ err, app: appId }, 'session places unavailable; admitting without the per-URL and per-user limits');
        ok = true;
      }
      if (!ok) {
        held.release();
        throw new AccessError(refusal);
      }
      // concat() allocates the exact length; push() would leave room for 16 more, kept as long as the client.
      held.taken = held.taken.concat(slot);
    }
    return held;
  }

  /** @internal (HeldPlaces) */
  releasePlace(appId: string, slot: string, holder: string): void {
    this.presence.release(appId, slot, holder).catch((err: unknown) => this.log.warn({ err }, 'releasing a session place failed; it expires by itself'));
  }

  private sweep(now: number): void {
    // An entry unused for the time its bucket takes to refill is indistinguishable from a new one.
    const idleMs = 5_000;
    for (const [address, entry] of this.buckets) if (now - entry.used > idleMs) this.buckets.delete(address);
    if (this.buckets.size >= BUCKETS_SWEEP_AT) this.buckets.clear();
  }
}

/**
 * The places one client holds, kept for as long as it is connected: an object with its few fields
 * rather than a closure over claim()'s scope, which would keep the scope's arrays and strings too.
 */
class HeldPlaces implements Ticket {
  taken: readonly string[] = [];

  constructor(
    private readonly admission: Admission,
    private readonly appId: string,
    readonly holder: string,
  ) {}

  release(): void {
    const taken = this.taken;
    this.taken = [];
    for (const slot of taken) this.admission.releasePlace(this.appId, slot, this.holder);
  }
}
