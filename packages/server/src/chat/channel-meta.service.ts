/**
 * A channel's meta, key by key (GitpleLive SDK 1.1 parity): `PUT …/meta {meta}` merges keys into it,
 * `DELETE …/meta {keys?}` removes the listed keys (all without a list), with the channel meta rules of
 * creation (rules.ts: at most 10 pairs, key ≤ 100 B, value ≤ 200 B). Members get
 * `group:channel_update`. The server API's calls; a user caller must be a manager, as for PUT of the channel.
 */
import type { ChatChannel, ChatMeta } from '@parley/protocol';
import { appIdOf, type Caller } from './access.ts';
import { access, channelView, type ChatContext } from './chat-context.ts';
import { channelNotFound, invalid } from './errors.ts';
import { checkMeta, mergeMeta, parseMeta, removeMetaKeys } from './rules.ts';

export class ChannelMetaService {
  constructor(private readonly ctx: ChatContext) {}

  /** Sets the given keys, keeping the others. */
  update(caller: Caller, channelId: string, meta: unknown): Promise<ChatChannel> {
    const changes = checkMeta(meta);
    return this.change(caller, channelId, (current) => mergeMeta(current, changes));
  }

  /** Removes the listed keys; every key without a list. */
  delete(caller: Caller, channelId: string, keys: unknown): Promise<ChatChannel> {
    if (keys !== undefined && (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))) throw invalid('keys must be a list of strings');
    return this.change(caller, channelId, (current) => removeMetaKeys(current, keys as string[] | undefined));
  }

  private async change(caller: Caller, channelId: string, change: (meta: ChatMeta) => ChatMeta): Promise<ChatChannel> {
    const granted = await access(this.ctx, caller, channelId, 'manager');
    const appId = appIdOf(caller);
    const { channel_id } = await granted.channel();
    const row = await this.ctx.channels.changeMeta(appId, channel_id, (stored) => JSON.stringify(change(parseMeta(stored))), this.ctx.now());
    if (!row) throw channelNotFound(channelId);
    const channel = await channelView(this.ctx, appId, row);
    this.ctx.bus.emit({ type: 'channel_update', appId, channel });
    return channel;
  }
}
