/** Kysely queries of reports: written once, listed newest first per app (the id sorts in time order). */
import type { Kysely, Selectable } from 'kysely';
import type { ChatReportTable, Database } from '../storage/schema.ts';

export type ReportRow = Selectable<ChatReportTable>;

export class ReportRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ReportRow): Promise<void> {
    await this.db.insertInto('chat_reports').values(row).execute();
  }

  /** Up to `limit` reports older than the `before` id, newest first. */
  list(appId: string, filter: { target?: string; channelId?: string; before?: string }, limit: number): Promise<ReportRow[]> {
    let q = this.db.selectFrom('chat_reports').selectAll().where('app_id', '=', appId);
    if (filter.target !== undefined) q = q.where('target', '=', filter.target);
    if (filter.channelId !== undefined) q = q.where('channel_id', '=', filter.channelId);
    if (filter.before !== undefined) q = q.where('report_id', '<', filter.before);
    return q.orderBy('report_id', 'desc').limit(limit).execute();
  }
}
