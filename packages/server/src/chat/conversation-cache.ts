import { BoundedMap } from "../lib/bounded-map.js";
import type { ConversationInfo, ConversationsRepo } from "../store/conversations-repo.js";

/**
 * Conversation kind and member ids, cached for the send path (membership check and
 * fan-out). Whoever changes a conversation calls `dropMember` or `refresh`; `onChanged`
 * then tells the other nodes, whose caches `invalidate` the entry.
 */
export class ConversationCache {
  private readonly infos = new BoundedMap<number, ConversationInfo>(50_000);
  private readonly directs = new BoundedMap<string, number>(100_000);
  /**
   * Bumped by every change to a conversation: a load that started before a change must not
   * put what it read (say, a member just removed) back into the cache.
   */
  private readonly versions = new BoundedMap<number, number>(50_000);

  /**
   * @param onChanged called when this node changed a conversation (the cluster tells the
   *   other nodes); given here, not assigned later, so no change can slip out unannounced.
   */
  constructor(
    readonly repo: ConversationsRepo,
    private readonly onChanged: (conversationId: number) => void = () => {},
  ) {}

  /** Another node changed the conversation: the next use reads it again. */
  invalidate(id: number): void {
    this.bump(id);
    this.infos.delete(id);
  }

  /** Forgets every conversation (changes made elsewhere may have been missed). */
  clear(): void {
    for (const id of [...this.infos.keys()]) this.invalidate(id);
  }

  async get(id: number): Promise<ConversationInfo | undefined> {
    const cached = this.infos.get(id);
    if (cached) return cached;
    return this.load(id);
  }

  /** The conversation if `userId` is a member of it. */
  async forMember(id: number, userId: number): Promise<ConversationInfo | undefined> {
    const info = await this.get(id);
    return info?.memberIds.includes(userId) ? info : undefined;
  }

  /** The direct conversation of two users, created if needed. */
  async direct(a: number, b: number): Promise<number> {
    const key = directKey(a, b);
    const cached = this.directs.get(key);
    // No query for a cached pair: a send must not wait on the database before the writer
    // (whose commit has a deadline). An erasure drops the pair (forgetUser) instead.
    if (cached !== undefined) return cached;
    const id = await this.repo.findOrCreateDirect(a, b);
    this.directs.set(key, id);
    return id;
  }

  /**
   * A user was erased (here or on another node): their direct conversations lose them and
   * their pair keys (user-data.ts), so no cached pair of theirs may lead a send, or an id
   * created anew, back to one of those conversations.
   */
  forgetUser(userId: number): void {
    for (const key of [...this.directs.keys()]) {
      const [a, b] = key.split(":").map(Number);
      if (a === userId || b === userId) this.directs.delete(key);
    }
  }

  /** The cached entry, if any, without a query (the commit path must not wait). */
  peek(id: number): ConversationInfo | undefined {
    return this.infos.get(id);
  }

  /**
   * A member is about to be removed: from now on nothing committed reaches them, and no
   * send of theirs passes the membership check. `refresh` afterwards settles the entry.
   */
  dropMember(id: number, userId: number): void {
    this.bump(id);
    this.onChanged(id);
    const cached = this.infos.get(id);
    if (cached) {
      this.infos.set(id, {
        ...cached,
        memberIds: cached.memberIds.filter((m) => m !== userId),
        ownerIds: cached.ownerIds.filter((m) => m !== userId),
      });
    }
  }

  /** Reloads an entry after a change (members added or removed, title or owners changed). */
  async refresh(id: number): Promise<ConversationInfo | undefined> {
    this.invalidate(id);
    const info = await this.load(id);
    this.onChanged(id);
    return info;
  }

  private async load(id: number): Promise<ConversationInfo | undefined> {
    const version = this.versions.get(id) ?? 0;
    const info = await this.repo.info(id);
    // Only what was read after the last change may be kept.
    if (info && (this.versions.get(id) ?? 0) === version) this.infos.set(id, info);
    return info;
  }

  private bump(id: number): void {
    this.versions.set(id, (this.versions.get(id) ?? 0) + 1);
  }
}

function directKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
