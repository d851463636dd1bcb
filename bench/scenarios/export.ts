/**
 * Scenario: an export at size (issue 18: 1,000,000 messages, never held in memory). The messages are
 * written straight into a fresh server's database (lib/seed-messages.ts); then one `POST /v1/exports
 * {type: messages}` and its status polled until done, the server's RSS read from /proc every 100 ms
 * meanwhile. Result: messages/s written to the NDJSON file, the file's size, and the RSS peak above the
 * RSS before the job.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatformApi, forEachLimited } from '../lib/platform-api.ts';
import { rssKib, sleep } from '../lib/proc.ts';
import { seedMessages } from '../lib/seed-messages.ts';
import { createDatabase, type BenchDatabase } from '../lib/services.ts';
import { BENCH_API_KEY, startParley, type Target } from '../lib/targets.ts';
import type { BenchOptions, ChatEngine } from '../options.ts';
import { round } from './run-target.ts';

export interface ExportResult {
  engine: ChatEngine;
  messages: number;
  seedMs: number;
  exportMs: number;
  messagesPerSecond: number;
  fileMiB: number;
  rssBeforeMiB: number;
  /** Highest RSS during the job, above the RSS before it. */
  rssPeakGrowthMiB: number;
}

const CHANNELS = 10;
const USERS = 10;

interface ExportStatus {
  export_id: string;
  status: string;
  count: number;
  url?: string;
  error?: string;
}

export async function runExport(opts: BenchOptions, engine: ChatEngine): Promise<ExportResult> {
  const total = opts.export.messages;
  let db: BenchDatabase | undefined;
  let target: Target | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-export-'));
  try {
    if (engine === 'postgres') db = await createDatabase(opts.chat.postgresAdminUrl);
    target = await startParley({ env: { DATA_DIR: dataDir, ...(db ? { DATABASE_URL: db.url } : {}) } });
    const api = createPlatformApi(target.baseUrl, target.appId, BENCH_API_KEY);
    const user = (i: number) => `exporter_${i % USERS}`;
    const channel = (c: number) => `export_room_${c}`;
    await forEachLimited(USERS, 8, async (i) => void (await api.must(201, 'POST', '/users', { user_id: user(i), name: `Exporter ${i}` })));
    await forEachLimited(CHANNELS, 8, async (c) => void (await api.must(201, 'POST', '/group/channels', { channel_id: channel(c), name: `Room ${c}`, members: Array.from({ length: USERS }, (_, k) => user(k)) })));
    const seedStarted = performance.now();
    await seedMessages({
      appId: target.appId,
      dataDir,
      databaseUrl: db?.url,
      channels: Array.from({ length: CHANNELS }, (_, c) => channel(c)),
      total,
      start: Date.now() - total * 10,
      sender: (_c, id) => user(id),
      text: (i) => `message number ${i}: 안녕하세요, the weekly meeting moved to Thursday`,
    });
    const seedMs = Math.round(performance.now() - seedStarted);

    await sleep(1000);
    const rssBefore = rssKib(target.pid);
    let peak = rssBefore;
    const pid = target.pid;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKib(pid))), 100);
    const started = performance.now();
    let job: ExportStatus;
    try {
      job = (await api.must(201, 'POST', '/exports', { type: 'messages' })) as ExportStatus;
      while (job.status === 'queued' || job.status === 'running') {
        await sleep(250);
        const res = await api.call('GET', `/exports/${job.export_id}`);
        if (res.status !== 200) throw new Error(`export status: ${res.status} ${JSON.stringify(res.body)}`);
        job = res.body as ExportStatus;
      }
    } finally {
      clearInterval(sampler);
    }
    const exportMs = performance.now() - started;
    if (job.status !== 'done' || job.count !== total) throw new Error(`export ended ${job.status} with ${job.count} of ${total} messages${job.error ? `: ${job.error}` : ''}`);
    const head = await fetch(job.url!, { method: 'HEAD' });
    api.close();
    return {
      engine,
      messages: total,
      seedMs,
      exportMs: Math.round(exportMs),
      messagesPerSecond: round(total / (exportMs / 1000)),
      fileMiB: round(Number(head.headers.get('content-length')) / 1048576, 1),
      rssBeforeMiB: round(rssBefore / 1024, 1),
      rssPeakGrowthMiB: round((peak - rssBefore) / 1024, 1),
    };
  } finally {
    await target?.stop();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
