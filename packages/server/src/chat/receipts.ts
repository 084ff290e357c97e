import type { ReceiptFrame } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";

interface CursorMove {
  conversationId: number;
  userId: number;
  delivered: number;
  read: number;
}

/**
 * Delivery and read cursors. Moves are coalesced per (conversation, user) and written like
 * messages are: while one write is in flight the next ones gather, so a burst of deliveries
 * costs one guarded UPDATE per member, never one per message. After each write, every
 * member of the conversation gets a `receipt` with the cursors as stored; in groups, a move
 * of the delivery cursor alone goes to the member's own devices only.
 */
export class Receipts {
  private pending = new Map<string, CursorMove>();
  private running = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly repo: ConversationsRepo,
    private readonly conversations: ConversationCache,
    private readonly broker: Broker,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A connection of `userId` was handed message `seq` (no check: the gateway only delivers to members). */
  delivered(userId: number, conversationId: number, seq: number): void {
    this.move(conversationId, userId, seq, 0);
  }

  /**
   * The user has read up to `seq` (clamped to the conversation's last message). Returns the
   * position asked for after clamping; the stored cursor never moves back.
   */
  async read(userId: number, conversationId: number, seq: number): Promise<number> {
    try {
      if (!(await this.conversations.forMember(conversationId, userId))) throw ChatError.noConversation();
      const last = (await this.repo.lastSeq(conversationId)) ?? 0;
      const upTo = Math.min(seq, last);
      if (upTo > 0) this.move(conversationId, userId, upTo, upTo);
      return upTo;
    } catch (err) {
      throw asChatError(err);
    }
  }

  drain(): Promise<void> {
    if (!this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private move(conversationId: number, userId: number, delivered: number, read: number): void {
    const key = `${conversationId}:${userId}`;
    const current = this.pending.get(key);
    if (current) {
      current.delivered = Math.max(current.delivered, delivered);
      current.read = Math.max(current.read, read);
    } else {
      this.pending.set(key, { conversationId, userId, delivered, read });
    }
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.run());
    }
  }

  private async run(): Promise<void> {
    while (this.pending.size > 0) {
      const moves = [...this.pending.values()];
      this.pending.clear();
      try {
        const rows = await this.repo.advanceCursors(moves);
        const reads = new Set(moves.filter((m) => m.read > 0).map((m) => `${m.conversationId}:${m.userId}`));
        for (const row of rows) {
          const info = await this.conversations.get(row.conversation_id);
          if (!info) continue;
          // In a group, others need read positions, not each member's deliveries: a delivery
          // told to every member is members² frames for every message. A member's own
          // devices still hear of it.
          const everyone = info.kind === "direct" || reads.has(`${row.conversation_id}:${row.user_id}`);
          const frame: ReceiptFrame = {
            type: "receipt",
            conversation_id: row.conversation_id,
            user_id: row.user_id,
            delivered_seq: row.delivered_seq,
            read_seq: row.read_seq,
          };
          this.broker.publish({ userIds: everyone ? info.memberIds : [row.user_id], frame: JSON.stringify(frame) });
        }
      } catch (err) {
        // Cursors are hints that the next delivery or read moves again; a lost move costs
        // a stale tick, never a message.
        this.onError(err);
      }
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
