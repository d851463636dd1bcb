/**
 * The console's audit log: who did what, when, to which app. Written after each action succeeded, in
 * the table `admin_audit` (both engines, one query code); listed newest first, by pages.
 */
import { randomBytes } from 'node:crypto';
import type { AuditAction, AuditEntry, AuditPage } from '@parley/protocol';
import type { Storage } from '../storage/database.ts';

/** Who acted: the operator's name (from the console's sign-in), and the request's address. */
export interface Actor {
  name: string;
  ip: string;
}

export interface AuditRecord {
  action: AuditAction;
  app: string;
  target: string;
  /** The action's parameters, stored as JSON. */
  detail?: Record<string, unknown>;
}

export const AUDIT_PAGE_MAX = 200;
/** Longest stored detail (JSON), so that one entry stays small whatever it was given. */
const DETAIL_MAX = 2000;

/** Sorts as text in time order: 15 digits of ms (good until the year 33658), then randomness for ties. */
const newId = (at: number): string => `${String(at).padStart(15, '0')}-${randomBytes(6).toString('hex')}`;

export class AuditLog {
  constructor(private readonly storage: Storage) {}

  async record(actor: Actor, entry: AuditRecord): Promise<AuditEntry> {
    const at = Date.now();
    const detail = JSON.stringify(entry.detail ?? {});
    const row: AuditEntry = {
      id: newId(at),
      at,
      actor: actor.name,
      ip: actor.ip,
      action: entry.action,
      app: entry.app,
      target: entry.target,
      detail: detail.length > DETAIL_MAX ? `${detail.slice(0, DETAIL_MAX)}…` : detail,
    };
    await this.storage.db.insertInto('admin_audit').values(row).execute();
    return row;
  }

  /** Newest first; `before` is the `next` of the previous page; `app` narrows to one app. */
  async list(options: { before?: string; limit: number; app?: string }): Promise<AuditPage> {
    const limit = Math.min(Math.max(1, options.limit), AUDIT_PAGE_MAX);
    let query = this.storage.db.selectFrom('admin_audit').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (options.before !== undefined) query = query.where('id', '<', options.before);
    if (options.app !== undefined) query = query.where('app', '=', options.app);
    const rows = await query.execute();
    const entries = rows.slice(0, limit).map((r) => ({ ...r, at: Number(r.at), action: r.action as AuditAction }));
    return { entries, next: rows.length > limit ? entries[entries.length - 1]!.id : null };
  }
}
