/**
 * Composition of the chat: repositories over the shared storage, the services, the event bus, and —
 * once the realtime node exists — the realtime bridge and the connection handler. server.ts calls this once.
 */
import type { Logger } from 'pino';
import type { AppService } from '../apps/app.service.ts';
import type { ConnectionHandler } from '../realtime/socketio-transport.ts';
import type { Storage } from '../storage/database.ts';
import { BanRepository } from './ban.repository.ts';
import { BlockRepository } from './block.repository.ts';
import { BlockService } from './block.service.ts';
import { ChannelMetaService } from './channel-meta.service.ts';
import { ChannelRepository } from './channel.repository.ts';
import { ChannelService } from './channel.service.ts';
import type { ChatContext, ChatLimits, OnlineUsers } from './chat-context.ts';
import { chatConnectionHandler } from './connection-handler.ts';
import { ChatEventBus } from './events.ts';
import { FileStore } from './file-store.ts';
import { ExportFiles } from './export-files.ts';
import { DEFAULT_EXPORT_JOB_OPTIONS, ExportJobs, type ExportJobOptions } from './export-jobs.ts';
import { ExportRepository } from './export.repository.ts';
import { ExportService } from './export.service.ts';
import { FILE_URL_TTL_MS, FileUrls } from './file-urls.ts';
import { MemberRepository } from './member.repository.ts';
import { MemoryTypingStore } from './memory-typing-store.ts';
import { MembershipService } from './membership.service.ts';
import { MessageRepository } from './message.repository.ts';
import { MessageSearchRepository } from './message-search.repository.ts';
import { MessageSearchService } from './message-search.service.ts';
import { MessageService } from './message.service.ts';
import { MessageActionService } from './message-actions.service.ts';
import { MuteRepository } from './mute.repository.ts';
import { MuteService } from './mute.service.ts';
import { PinRepository } from './pin.repository.ts';
import { ReactionRepository } from './reaction.repository.ts';
import { ChatOutbox } from './outbox.ts';
import type { DeliveryOutcome, OutboxDispatchOptions } from './outbox-dispatcher.ts';
import { OutboxThread, type OutboxDispatch, type OutboxThreadData } from './outbox-thread.ts';
import { OutboxRepository } from './outbox.repository.ts';
import { PushTokenRepository } from './push-token.repository.ts';
import { PushTokenService } from './push-token.service.ts';
import { WebhookDeliveryService } from './webhook-delivery.service.ts';
import { RealtimeBridge, type ChatRealtime } from './realtime-bridge.ts';
import { ReportRepository } from './report.repository.ts';
import { ReportService } from './report.service.ts';
import { containsFor, substringMatchFor } from './text-search.ts';
import { DEFAULT_TYPING_TIMING, TypingService, type TypingTiming } from './typing.service.ts';
import type { TypingStore } from './typing-store.ts';
import { UserRepository } from './user.repository.ts';
import { ThreadService } from './thread.service.ts';
import { UnreadRepository } from './unread.repository.ts';
import { UnreadService } from './unread.service.ts';
import { UserService } from './user.service.ts';
import { CHAT_LIMITS } from '@parley/protocol';

export interface ChatDeps {
  storage: Storage;
  apps: AppService;
  dataDir: string;
  log: Logger;
  /** Base URL of file links; read at each use because the port is known only after listen. */
  publicUrl(): string;
  limits?: Partial<ChatLimits>;
  /** Where typing states live: in memory unless cluster mode gives the Redis one. */
  typingStore?: TypingStore;
  /** Overrides of the typing timing (tests use short ones). */
  typingTiming?: Partial<TypingTiming>;
  /** Export jobs: per-app bound and URL lifetime (config), timing (tests use short ones). */
  exports?: Partial<ExportJobOptions>;
  /**
   * Chat webhooks' sender (outbox-thread.ts): where its thread finds the store, its HTTP client's
   * settings, its schedule, this node's name. Without, rows are written but not sent.
   */
  webhooks?: Omit<OutboxThreadData, 'dispatch'> & { options: OutboxDispatchOptions; observe?: (outcome: DeliveryOutcome, event: string) => void };
}

export interface Chat {
  users: UserService;
  channels: ChannelService;
  channelMeta: ChannelMetaService;
  membership: MembershipService;
  messages: MessageService;
  /** Edits, reactions and pins of sent messages. */
  messageActions: MessageActionService;
  mutes: MuteService;
  reports: ReportService;
  blocks: BlockService;
  threads: ThreadService;
  unread: UnreadService;
  typing: TypingService;
  /** Message search (DESIGN.md, Search). */
  search: MessageSearchService;
  /** Export jobs (DESIGN.md, Export) and their worker, started by the server once it listens. */
  exports: ExportService;
  exportJobs: ExportJobs;
  pushTokens: PushTokenService;
  /** Chat webhooks: the outbox's rows (console, metrics) and their dispatcher (started once listening, stopped at shutdown). */
  outbox: { rows: OutboxRepository; dispatcher: OutboxDispatch | undefined };
  /** The outbox's deliveries for the console: listed, a failed one retried. */
  webhookDeliveries: WebhookDeliveryService;
  bus: ChatEventBus;
  files: FileStore;
  /** Signs file URLs when messages are presented; verifies them at download. */
  fileUrls: FileUrls;
  /** Looks up a stored file's metadata (and its app) by its key (file download route). */
  fileInfo(key: string): ReturnType<MessageRepository['fileByKey']>;
  limits: ChatLimits;
  /** Plugs the chat into the realtime core: returns the connection handler to pass to attachSocketIo. */
  attachRealtime(realtime: ChatRealtime): ConnectionHandler;
  /** Resolves once every event emitted so far has been published. */
  idle(): Promise<void>;
  /** Stops the chat's timers (typing expiry); call before the stores close. */
  close(): void;
  /** Removes uploaded files older than `minAgeMs` that no message refers to; answers how many. */
  sweepOrphanFiles(minAgeMs: number): Promise<number>;
}

export function createChat(deps: ChatDeps): Chat {
  const { db, engine } = deps.storage;
  const contains = containsFor(engine);
  let bridge: RealtimeBridge | undefined;
  // Until the realtime core is attached nobody can be online.
  const online: OnlineUsers = { online: (appId, ids) => bridge?.online(appId, ids) ?? Promise.resolve([]) };
  const limits: ChatLimits = { fileMaxBytes: CHAT_LIMITS.fileMaxBytes, fileUrlTtlMs: FILE_URL_TTL_MS, ...deps.limits };
  const outboxRepo = new OutboxRepository(db);
  const outbox = new ChatOutbox(outboxRepo, {
    chatWebhooks: async (appId) => {
      const app = await deps.apps.get(appId);
      return app && { url: app.chat.webhookUrl, events: app.chat.webhookEvents };
    },
  });
  // A group commit's sends write their outbox rows in one statement.
  const messageRepo = new MessageRepository(db, contains, engine, (tx, work) => outbox.collect(tx, work));
  const pushTokens = new PushTokenRepository(db);
  const ctx: ChatContext = {
    users: new UserRepository(db),
    channels: new ChannelRepository(db, contains),
    members: new MemberRepository(db),
    messages: messageRepo,
    bans: new BanRepository(db),
    mutes: new MuteRepository(db),
    reports: new ReportRepository(db),
    blocks: new BlockRepository(db),
    bus: new ChatEventBus(),
    outbox,
    files: new FileStore(deps.dataDir),
    online,
    limits,
    fileUrls: new FileUrls(deps.apps, deps.publicUrl, limits.fileUrlTtlMs),
    wordFilter: async (appId) => (await deps.apps.get(appId))?.chat.wordFilter,
    now: () => Date.now(),
  };
  const users = new UserService(ctx);
  const typing = new TypingService(ctx, deps.typingStore ?? new MemoryTypingStore(), deps.log, { ...DEFAULT_TYPING_TIMING, ...deps.typingTiming });
  const exportRepo = new ExportRepository(db);
  const exportFiles = new ExportFiles(deps.dataDir);
  const exportOptions: ExportJobOptions = { ...DEFAULT_EXPORT_JOB_OPTIONS, ...deps.exports };
  // Export files are signed as message files are, under a scope of their own (file-urls.ts).
  const exportUrls = new FileUrls(deps.apps, deps.publicUrl, exportOptions.urlTtlMs, ctx.now, { label: 'parley:export-url:v1', path: (id) => `/v1/exports/${id}/file` });
  const exportJobs = new ExportJobs(exportRepo, exportFiles, ctx.fileUrls, deps.log, exportOptions);
  const webhooks = deps.webhooks;
  const dispatcher =
    webhooks &&
    new OutboxThread(
      { store: webhooks.store, hooks: webhooks.hooks, nodeId: webhooks.nodeId, dispatch: webhooks.options },
      {
        online,
        log: deps.log,
        observe: webhooks.observe,
        hasPending: async () => (await outboxRepo.pendingFrom(undefined, 1)).length > 0,
        apps: {
          target: async (appId) => {
            const app = await deps.apps.get(appId);
            return app && { url: app.chat.webhookUrl, secret: app.chat.webhookSecret };
          },
        },
      },
    );
  // Woken right after each commit that wrote outbox rows (never before it: a round then would find nothing).
  if (dispatcher) deps.storage.commits.onInsertCommitted('chat_outbox', () => dispatcher.committed());
  return {
    users,
    channels: new ChannelService(ctx),
    channelMeta: new ChannelMetaService(ctx),
    membership: new MembershipService(ctx),
    messages: new MessageService(ctx),
    messageActions: new MessageActionService(ctx, new ReactionRepository(db), new PinRepository(db)),
    mutes: new MuteService(ctx),
    reports: new ReportService(ctx),
    blocks: new BlockService(ctx),
    threads: new ThreadService(ctx),
    unread: new UnreadService(ctx, new UnreadRepository(db)),
    typing,
    search: new MessageSearchService(ctx, new MessageSearchRepository(db, substringMatchFor(engine))),
    exports: new ExportService(ctx, exportRepo, exportJobs, exportFiles, exportUrls),
    exportJobs,
    pushTokens: new PushTokenService(ctx, pushTokens),
    outbox: { rows: outboxRepo, dispatcher },
    webhookDeliveries: new WebhookDeliveryService(outboxRepo, () => dispatcher, ctx.now),
    bus: ctx.bus,
    files: ctx.files,
    fileUrls: ctx.fileUrls,
    fileInfo: (key) => messageRepo.fileByKey(key),
    limits,
    attachRealtime(realtime) {
      bridge = new RealtimeBridge(realtime, ctx.members, deps.log);
      bridge.listen(ctx.bus);
      typing.start(ctx.bus);
      return chatConnectionHandler(deps.apps, users, ctx.members, ctx.blocks, typing, deps.log);
    },
    idle: async () => {
      await typing.idle();
      await bridge?.idle();
    },
    close: () => typing.close(),
    sweepOrphanFiles: (minAgeMs) => ctx.files.sweepOrphans(async (key) => (await messageRepo.fileByKey(key)) !== undefined, minAgeMs),
  };
}
