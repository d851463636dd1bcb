/**
 * Reports (DESIGN.md, Moderation): a user flags a message, a user or a channel it can see, with a
 * reason; the app's backend lists them newest first (`GET /v1/reports`). A report names only what the
 * reporter may see: a message or channel of a private channel it is not in answers 3001.
 */
import { randomBytes } from 'node:crypto';
import { CHAT_LIMITS, type ChatReport, type ChatReportList, type ReportRequest, type ReportTarget } from '@parley/protocol';
import type { UserCaller } from './access.ts';
import { access, requireUser, type ChatContext } from './chat-context.ts';
import { invalid, messageNotFound } from './errors.ts';
import type { ReportRow } from './report.repository.ts';
import { checkChannelId, checkText, checkUserId, decodeCursor, page, pageLimit } from './rules.ts';

/** Sorts as text in time order: 15 digits of ms, then randomness for reports of the same ms. */
const newId = (at: number): string => `${String(at).padStart(15, '0')}-${randomBytes(6).toString('hex')}`;

const toReport = (r: ReportRow): ChatReport => ({
  report_id: r.report_id,
  target: r.target as ReportTarget,
  channel_id: r.channel_id,
  message_id: r.message_id === null ? null : Number(r.message_id),
  user_id: r.user_id,
  reporter: r.reporter,
  reason: r.reason,
  created_at: Number(r.created_at),
});

export class ReportService {
  constructor(private readonly ctx: ChatContext) {}

  async report(caller: UserCaller, input: ReportRequest): Promise<ChatReport> {
    const reason = checkText(input.reason, 'reason', 1, CHAT_LIMITS.banReasonMax);
    const { appId } = caller;
    let channelId: string | null = null;
    let messageId: number | null = null;
    let userId: string | null = null;
    if (input.target === 'user') {
      if (input.user_id === undefined) throw invalid('user_id is required to report a user');
      userId = (await requireUser(this.ctx, appId, checkUserId(input.user_id))).user_id;
    } else {
      if (input.channel_id === undefined) throw invalid(`channel_id is required to report a ${input.target}`);
      channelId = checkChannelId(input.channel_id);
      // Seeing the channel is what reporting it, or one of its messages, takes.
      await access(this.ctx, caller, channelId, input.target === 'message' ? 'member' : 'visible');
      if (input.target === 'message') {
        if (input.message_id === undefined) throw invalid('message_id is required to report a message');
        const message = await this.ctx.messages.get(appId, channelId, input.message_id);
        if (!message) throw messageNotFound(input.message_id);
        messageId = input.message_id;
        userId = message.user_id;
      }
    }
    const now = this.ctx.now();
    const row: ReportRow = { app_id: appId, report_id: newId(now), target: input.target, channel_id: channelId, message_id: messageId, user_id: userId, reporter: caller.userId, reason, created_at: now };
    await this.ctx.reports.insert(row);
    return toReport(row);
  }

  /** The app's reports, newest first, optionally of one target kind or channel. */
  async list(appId: string, query: { target?: ReportTarget; channel_id?: string; limit?: number; next?: string }): Promise<ChatReportList> {
    const n = pageLimit(query.limit);
    const channelId = query.channel_id === undefined ? undefined : checkChannelId(query.channel_id);
    const rows = await this.ctx.reports.list(appId, { target: query.target, channelId, before: decodeCursor(query.next) }, n + 1);
    const { items, next } = page(rows, n, (r) => r.report_id);
    return { reports: items.map(toReport), next };
  }
}
