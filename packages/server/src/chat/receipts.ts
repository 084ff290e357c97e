import type { ReceiptFrame } from "@chatapp/protocol";
import type { Broker } from "../broker/broker.js";
import { Coalescer } from "../lib/coalescer.js";
import type { ConversationsRepo } from "../store/conversations-repo.js";
import type { CursorMove } from "../store/cursor-moves.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";

/**
 * Delivery and read cursors. Moves are coalesced per (conversation, user) and written like
 * messages are: while one write is in flight the next ones gather, and writes are spaced
 * SPACING_MS apart, so a stream of deliveries costs one statement every few dozen
 * milliseconds, never one per message; a receipt arrives that much later at most. After each write, every
 * member of the conversation gets a `receipt` with the cursors as stored; in groups, a move
 * of the delivery cursor alone goes to the member's own devices only.
 */
export class Receipts {
  private static readonly SPACING_MS = 25;
  private readonly writes = new Coalescer<string, CursorMove>(
    (moves) => this.write([...moves.values()]),
    (older, newer) => ({
      ...older,
      delivered: Math.max(older.delivered, newer.delivered),
      read: Math.max(older.read, newer.read),
    }),
    1000,
    Receipts.SPACING_MS,
  );

  private readonly readListeners: ((moves: { conversationId: number; userId: number; seq: number }[]) => void)[] = [];

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
    return this.writes.drain();
  }

  /** Called after each write with the read cursors it moved, as stored (clears of notifications). */
  onRead(listener: (moves: { conversationId: number; userId: number; seq: number }[]) => void): void {
    this.readListeners.push(listener);
  }

  private move(conversationId: number, userId: number, delivered: number, read: number): void {
    // Cursors are hints that the next delivery or read moves again: a lost move costs a
    // stale tick, never a message, so a failed write is only reported.
    this.writes.add(`${conversationId}:${userId}`, { conversationId, userId, delivered, read }).catch(this.onError);
  }

  private async write(moves: CursorMove[]): Promise<void> {
    const rows = await this.repo.advanceCursors(moves);
    const reads = new Set(moves.filter((m) => m.read > 0).map((m) => `${m.conversationId}:${m.userId}`));
    if (this.readListeners.length > 0) {
      const moved = rows
        .filter((row) => reads.has(`${row.conversation_id}:${row.user_id}`))
        .map((row) => ({ conversationId: row.conversation_id, userId: row.user_id, seq: row.read_seq }));
      if (moved.length > 0) for (const listener of this.readListeners) listener(moved);
    }
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
  }
}
