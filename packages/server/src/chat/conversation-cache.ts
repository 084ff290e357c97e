import type { ConversationInfo, ConversationsRepo } from "../store/conversations-repo.js";
import { BoundedMap } from "./bounded-map.js";

/**
 * Conversation kind and member ids, cached for the send path (membership check and
 * fan-out). Whoever changes a membership calls `invalidate`.
 */
export class ConversationCache {
  private readonly infos = new BoundedMap<number, ConversationInfo>(50_000);
  private readonly directs = new BoundedMap<string, number>(100_000);

  constructor(readonly repo: ConversationsRepo) {}

  async get(id: number): Promise<ConversationInfo | undefined> {
    const cached = this.infos.get(id);
    if (cached) return cached;
    const info = await this.repo.info(id);
    if (info) this.infos.set(id, info);
    return info;
  }

  /** The conversation if `userId` is a member of it. */
  async forMember(id: number, userId: number): Promise<ConversationInfo | undefined> {
    const info = await this.get(id);
    return info?.memberIds.includes(userId) ? info : undefined;
  }

  /** The direct conversation of two users, created if needed. */
  async direct(a: number, b: number): Promise<number> {
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    const cached = this.directs.get(key);
    if (cached !== undefined) return cached;
    const id = await this.repo.findOrCreateDirect(a, b);
    this.directs.set(key, id);
    return id;
  }

  /** The cached entry, if any, without a query (the commit path must not wait). */
  peek(id: number): ConversationInfo | undefined {
    return this.infos.get(id);
  }

  /**
   * A member is gone: drop them from the cached entry at once, so that no message committed
   * from now on is delivered to them, then reload the entry (owners may have changed).
   */
  async removed(id: number, userId: number): Promise<void> {
    const cached = this.infos.get(id);
    if (cached) this.infos.set(id, { ...cached, memberIds: cached.memberIds.filter((m) => m !== userId) });
    await this.refresh(id);
  }

  /** Reloads an entry after a change (members added, title or owners changed). */
  async refresh(id: number): Promise<ConversationInfo | undefined> {
    const info = await this.repo.info(id);
    if (info) this.infos.set(id, info);
    else this.infos.delete(id);
    return info;
  }

  invalidate(id: number): void {
    this.infos.delete(id);
  }
}
