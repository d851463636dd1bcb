/**
 * Exports (DESIGN.md, Export) through the server API: `create` queues a job of an app's messages
 * (optionally one channel's), channels or users created in [from, to); `get` answers its status and,
 * once done, the signed URL of its NDJSON file until that expires; `download` checks such a URL.
 */
import { randomBytes } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import type { ChatExport, ExportRequest, ExportStatus, ExportType } from '@parley/protocol';
import { requireChannel, type ChatContext } from './chat-context.ts';
import { invalid, resourceNotFound } from './errors.ts';
import { ExportFiles } from './export-files.ts';
import type { ExportJobs } from './export-jobs.ts';
import type { ExportRepository, ExportRow } from './export.repository.ts';
import type { FileUrls } from './file-urls.ts';
import { checkChannelId } from './rules.ts';

export class ExportService {
  constructor(
    private readonly ctx: ChatContext,
    private readonly repo: ExportRepository,
    private readonly jobs: ExportJobs,
    private readonly files: ExportFiles,
    /** Signs under the export scope (chat.ts): `/v1/exports/{id}/file`. */
    private readonly urls: FileUrls,
  ) {}

  /** @example await exports.create('demo', { type: 'messages', channel_id: 'lobby', from: 1767225600000 }) // { export_id, status: 'queued', … } */
  async create(appId: string, input: ExportRequest): Promise<ChatExport> {
    if (input.channel_id !== undefined && input.type !== 'messages') throw invalid('channel_id: only a messages export takes a channel');
    if (input.from !== undefined && input.to !== undefined && input.from >= input.to) throw invalid('from must be before to');
    const channelId = input.channel_id === undefined ? null : (await requireChannel(this.ctx, appId, checkChannelId(input.channel_id))).channel_id;
    const now = this.ctx.now();
    const row: ExportRow = {
      app_id: appId,
      export_id: randomBytes(16).toString('hex'),
      type: input.type,
      channel_id: channelId,
      from_at: input.from ?? null,
      to_at: input.to ?? null,
      status: 'queued',
      count: 0,
      error: null,
      lease_until: 0,
      attempts: 0,
      expires_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.repo.insert(row);
    this.jobs.wake();
    return this.present(row);
  }

  async get(appId: string, exportId: string): Promise<ChatExport> {
    const row = ExportFiles.isId(exportId) ? await this.repo.get(appId, exportId) : undefined;
    if (!row) throw resourceNotFound(`export ${exportId}`);
    return this.present(row);
  }

  /**
   * The finished file a signed URL names: `undefined` when there is no such export or file, `false`
   * when the signature is wrong or expired.
   */
  async download(exportId: string, expires: string | undefined, signature: string | undefined): Promise<{ stream: ReadStream; size: number; name: string } | false | undefined> {
    const row = ExportFiles.isId(exportId) ? await this.repo.byId(exportId) : undefined;
    if (!row) return undefined;
    if (!(await this.urls.verify(row.app_id, exportId, expires, signature))) return false;
    if (row.status !== 'done') return undefined;
    const file = await this.files.open(exportId);
    return file && { ...file, name: `${row.type}-${exportId}.ndjson` };
  }

  private async present(row: ExportRow): Promise<ChatExport> {
    const now = this.ctx.now();
    // Expired but not swept yet: answered as the sweep will leave it.
    const status: ExportStatus = row.status === 'done' && row.expires_at !== null && row.expires_at <= now ? 'expired' : (row.status as ExportStatus);
    const out: ChatExport = {
      export_id: row.export_id,
      type: row.type as ExportType,
      status,
      channel_id: row.channel_id,
      from: row.from_at,
      to: row.to_at,
      count: Number(row.count),
      expires_at: row.expires_at,
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
    if (status === 'done' && row.expires_at !== null) out.url = await this.urls.urlUntil(row.app_id, row.export_id, row.expires_at);
    if (status === 'failed' && row.error !== null) out.error = row.error;
    return out;
  }
}
