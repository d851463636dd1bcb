/**
 * The export worker of one node: claims queued jobs (export.repository.ts: at most `perApp` running
 * per app, cluster-wide), writes each one's items as NDJSON, batch by batch through a keyset cursor
 * (export-files.ts waits on the disk, so neither the rows nor the file ever pile up in memory), and
 * renews the job's lease with each batch. It wakes when a job is created here, and polls for jobs
 * created on other nodes or left by a node that died.
 *
 * Restarts: a graceful stop hands the jobs it was running back to the queue, and the next start takes
 * them up at once; a job left `running` by a crash is restarted from its beginning once its lease
 * lapses (on any node), and marked failed after `maxAttempts` interrupted runs. The sweep marks done
 * jobs whose URL expired as `expired` and removes their files, and the files of failed jobs and the
 * partial ones a crashed run left (once their job has run again).
 */
import type { ExportType } from '@parley/protocol';
import type { Logger } from 'pino';
import type { ExportFiles, ExportWriter } from './export-files.ts';
import type { ExportRange, ExportRepository, ExportRow } from './export.repository.ts';
import type { FileUrls } from './file-urls.ts';
import { BackgroundRounds } from './background-rounds.ts';
import { toChannel, toMessage, toUser } from './presenter.ts';

export interface ExportJobOptions {
  /** Jobs running at once per app (EXPORT_JOBS_PER_APP). */
  perApp: number;
  /** How long a finished export's URL works, and its file is kept. */
  urlTtlMs: number;
  /** Items read and written per batch (one keyset page). */
  batchSize: number;
  /** A running job's lease; renewed with every batch. */
  leaseMs: number;
  /** How often the worker looks for work it was not told about, and sweeps. */
  pollMs: number;
  /** Claims of a job interrupted by crashes before it is failed. */
  maxAttempts: number;
}

export const DEFAULT_EXPORT_JOB_OPTIONS: ExportJobOptions = { perApp: 2, urlTtlMs: 86_400_000, batchSize: 1000, leaseMs: 30_000, pollMs: 5_000, maxAttempts: 3 };

/** Thrown inside a job's run when the worker stops, or the job was taken over. */
class Interrupted extends Error {}

export class ExportJobs {
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly rounds = new BackgroundRounds(
    () => this.tick(),
    (err) => this.log.warn({ err }, 'export worker: looking for work failed'),
    () => !this.stopped,
  );

  constructor(
    private readonly repo: ExportRepository,
    private readonly files: ExportFiles,
    /** Signs the URLs of message files, as a message list does. */
    private readonly fileUrls: FileUrls,
    private readonly log: Logger,
    readonly options: ExportJobOptions,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for work now (a job was created, or one finished and freed a slot). */
  wake(): void {
    this.rounds.wake();
  }

  /** Stops claiming, interrupts the running jobs (back to the queue) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.rounds.settled();
    await Promise.all(this.running.values());
  }

  private async tick(): Promise<void> {
    await this.sweep();
    while (!this.stopped) {
      const job = await this.repo.claim(this.now(), this.options.leaseMs, this.options.perApp, this.options.maxAttempts);
      if (!job) return;
      const run = this.run(job).finally(() => {
        this.running.delete(job.export_id);
        this.wake();
      });
      this.running.set(job.export_id, run);
    }
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    await this.repo.expire(now);
    await this.files.sweep(async (id, finished) => {
      const job = await this.repo.byId(id);
      if (!job) return false;
      // A running job's file, partial or just renamed before its commit (by any node sharing the volume).
      if (job.status === 'running') return true;
      return finished && job.status === 'done' && (job.expires_at ?? 0) > now;
    });
  }

  private async run(job: ExportRow): Promise<void> {
    const writer = this.files.create(job.export_id);
    try {
      const count = await this.write(job, writer);
      await writer.finish();
      const now = this.now();
      if (!(await this.repo.finish(job, count, now, now + this.options.urlTtlMs))) throw new Interrupted();
      this.log.info({ app: job.app_id, export: job.export_id, type: job.type, count }, 'export done');
    } catch (err) {
      await writer.discard();
      if (err instanceof Interrupted) {
        // Stopping: back to the queue for the next start. Taken over: the other claim owns it now.
        if (this.stopped) await this.repo.release(job, this.now()).catch((e: unknown) => this.log.warn({ err: e }, 'export worker: could not release a job'));
        return;
      }
      this.log.error({ err, app: job.app_id, export: job.export_id }, 'export failed');
      await this.repo.fail(job, 'the export could not be written', this.now()).catch((e: unknown) => this.log.warn({ err: e }, 'export worker: could not mark a job failed'));
    }
  }

  /** Writes every item of the job, one keyset page at a time; answers how many. */
  private async write(job: ExportRow, writer: ExportWriter): Promise<number> {
    const range: ExportRange = { channelId: job.channel_id, from: job.from_at, to: job.to_at };
    const size = this.options.batchSize;
    const appId = job.app_id;
    let count = 0;
    const batch = async (lines: string[]): Promise<void> => {
      for (const line of lines) await writer.line(line);
      count += lines.length;
      if (this.stopped || !(await this.repo.progress(job, count, this.now(), this.options.leaseMs))) throw new Interrupted();
    };
    const type = job.type as ExportType;
    if (type === 'messages') {
      // File URLs in the export are signed as when a message is presented (they expire in an hour).
      const fileUrl = await this.fileUrls.signer(appId);
      let after: { channelId: string; messageId: number } | undefined;
      for (;;) {
        const rows = await this.repo.messagesAfter(appId, range, after, size);
        if (rows.length === 0) break;
        await batch(rows.map((r) => JSON.stringify(toMessage(r, fileUrl))));
        const last = rows[rows.length - 1]!;
        after = { channelId: last.channel_id, messageId: last.message_id };
        if (rows.length < size) break;
      }
    } else if (type === 'channels') {
      let after: string | undefined;
      for (;;) {
        const rows = await this.repo.channelsAfter(appId, range, after, size);
        if (rows.length === 0) break;
        await batch(rows.map((r) => JSON.stringify(toChannel(r))));
        after = rows[rows.length - 1]!.channel_id;
        if (rows.length < size) break;
      }
    } else {
      let after: string | undefined;
      for (;;) {
        const rows = await this.repo.usersAfter(appId, range, after, size);
        if (rows.length === 0) break;
        await batch(rows.map((r) => JSON.stringify(toUser(r))));
        after = rows[rows.length - 1]!.user_id;
        if (rows.length < size) break;
      }
    }
    return count;
  }
}
