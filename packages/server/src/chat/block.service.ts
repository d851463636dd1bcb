/**
 * Blocks (DESIGN.md, Moderation): a user blocks another and from then on receives nothing from it —
 * live (its connections drop the blocked user's publications, on every node) or in history (message
 * lists leave its messages out); in a 1:1 channel the blocked user's sends are refused (1022).
 */
import type { ChatUserList } from '@parley/protocol';
import type { UserCaller } from './access.ts';
import { requireUser, type ChatContext } from './chat-context.ts';
import { invalid, resourceNotFound } from './errors.ts';
import { toUser } from './presenter.ts';
import { checkUserId, decodeCursor, page, pageLimit } from './rules.ts';

export class BlockService {
  constructor(private readonly ctx: ChatContext) {}

  /** Answers the blocked user. */
  async block(caller: UserCaller, userId: unknown) {
    const target = checkUserId(userId);
    if (target === caller.userId) throw invalid('user_id: a user cannot block itself');
    const user = await requireUser(this.ctx, caller.appId, target);
    if (await this.ctx.blocks.add(caller.appId, caller.userId, target, this.ctx.now())) this.ctx.bus.emit({ type: 'user_block', appId: caller.appId, userId: caller.userId, blockedId: target });
    return toUser(user);
  }

  /** Answers the unblocked user (1002 when it was not blocked). */
  async unblock(caller: UserCaller, userId: string) {
    const target = checkUserId(userId);
    const user = await requireUser(this.ctx, caller.appId, target);
    if (!(await this.ctx.blocks.remove(caller.appId, caller.userId, target))) throw resourceNotFound(`block of user ${target}`);
    this.ctx.bus.emit({ type: 'user_unblock', appId: caller.appId, userId: caller.userId, blockedId: target });
    return toUser(user);
  }

  async blockedList(caller: UserCaller, limit: number | undefined, next: string | undefined): Promise<ChatUserList> {
    const n = pageLimit(limit);
    const ids = await this.ctx.blocks.page(caller.appId, caller.userId, decodeCursor(next), n + 1);
    const { items, next: cursor } = page(ids, n, (id) => id);
    const rows = new Map((await this.ctx.users.getMany(caller.appId, items)).map((u) => [u.user_id, u]));
    return { users: items.flatMap((id) => (rows.has(id) ? [toUser(rows.get(id)!)] : [])), next: cursor };
  }
}
