import type { Message } from "@chatapp/protocol";

/** A thread root's counters as the client knows them. */
export interface ThreadCount {
  rootId: number;
  replyCount: number;
  /** The newest reply's timestamp; undefined while it has none. */
  lastReplyAt: string | undefined;
}

/** Roots and replies remembered per conversation: the oldest are forgotten past these. */
const MAX_ROOTS = 2000;
const MAX_REPLIES = 10_000;

/**
 * One conversation's thread roots, kept current as replies arrive (the server sends no frame
 * for a root: clients count, contract §6). A root is known once the client has seen it: in a
 * message, a history page or a thread. A reply counts when it is newer than the root's
 * `last_reply_at` as seen, so a reply that the root's count already included is not counted
 * twice. A deleted reply the client saw arrive counts one less.
 */
export class ThreadCounts {
  private readonly roots = new Map<number, ThreadCount>();
  /** Reply id -> root id, for replies counted here (a deletion names only the message). */
  private readonly replies = new Map<number, number>();

  /** Learns the counters of the roots among `messages` (top-level messages are roots). */
  observe(messages: readonly Message[]): void {
    for (const m of messages) {
      if (m.thread_root_id !== undefined || m.kind === "system") continue;
      const known = this.roots.get(m.id);
      const lastReplyAt = m.last_reply_at;
      // A copy read earlier than what is counted here already is not taken.
      if (known && (known.lastReplyAt ?? "") > (lastReplyAt ?? "")) continue;
      this.remember(this.roots, m.id, { rootId: m.id, replyCount: m.reply_count ?? 0, lastReplyAt }, MAX_ROOTS);
    }
  }

  /** A reply was emitted: its root's new counters, when the root is known and the reply is new to it. */
  reply(message: Message): ThreadCount | undefined {
    const rootId = message.thread_root_id;
    if (rootId === undefined || message.deleted || this.replies.has(message.id)) return undefined;
    const root = this.roots.get(rootId);
    if (!root || (root.lastReplyAt !== undefined && message.timestamp <= root.lastReplyAt)) return undefined;
    const next = { rootId, replyCount: root.replyCount + 1, lastReplyAt: message.timestamp };
    this.remember(this.roots, rootId, next, MAX_ROOTS);
    this.remember(this.replies, message.id, rootId, MAX_REPLIES);
    return next;
  }

  /** A message was deleted: its root's new count, when it was a reply counted here. */
  deleted(messageId: number): ThreadCount | undefined {
    const rootId = this.replies.get(messageId);
    if (rootId === undefined) return undefined;
    this.replies.delete(messageId);
    const root = this.roots.get(rootId);
    if (!root) return undefined;
    const replyCount = Math.max(0, root.replyCount - 1);
    // The newest reply left is not known here: the timestamp stays until the server says otherwise.
    const next = { rootId, replyCount, lastReplyAt: replyCount === 0 ? undefined : root.lastReplyAt };
    this.roots.set(rootId, next);
    return next;
  }

  get(rootId: number): ThreadCount | undefined {
    return this.roots.get(rootId);
  }

  private remember<V>(map: Map<number, V>, key: number, value: V, max: number): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > max) map.delete(map.keys().next().value as number);
  }
}
