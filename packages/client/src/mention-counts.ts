import type { Message } from "@chatapp/protocol";

interface Counted {
  /** Unread mentions the `ready` frame reported: all at or below `baseUpTo`, seqs unknown. */
  base: number;
  baseUpTo: number;
  /** Mentions of the user that arrived since, by seq. */
  seqs: Set<number>;
  readSeq: number;
}

/**
 * The user's unread mentions per conversation, as the conversation list's `mention_count`
 * says them, kept current between fetches: the `ready` frame gives each conversation's count,
 * each later message that mentions the user (from someone else, above the read cursor) adds
 * one, reading past them (this device's `markRead` or another's `receipt`) clears them, and
 * a deleted one no longer counts.
 */
export class MentionCounts {
  private readonly counts = new Map<number, Counted>();

  /** A `ready` frame: the server's counts replace ours (messages up to `last_seq` are in them). */
  ready(conversations: readonly { id: number; last_seq: number; read_seq: number; mention_count?: number }[]): number[] {
    const changed: number[] = [];
    for (const c of conversations) {
      const before = this.count(c.id);
      this.counts.set(c.id, { base: c.mention_count ?? 0, baseUpTo: c.last_seq, seqs: new Set(), readSeq: c.read_seq });
      if (this.count(c.id) !== before) changed.push(c.id);
    }
    return changed;
  }

  /** A message emitted in order; true when it changed the count. */
  message(m: Message, me: number | undefined): boolean {
    if (me === undefined || m.sender_id === me || m.deleted || !m.mentions?.includes(me)) return false;
    const c = this.of(m.conversation_id);
    if (m.seq <= c.readSeq || m.seq <= c.baseUpTo || c.seqs.has(m.seq)) return false;
    c.seqs.add(m.seq);
    return true;
  }

  /** The user read up to `seq`; true when it changed the count. */
  read(conversationId: number, seq: number): boolean {
    const c = this.counts.get(conversationId);
    if (!c || seq <= c.readSeq) return false;
    const before = this.count(conversationId);
    c.readSeq = seq;
    for (const s of c.seqs) if (s <= seq) c.seqs.delete(s);
    if (seq >= c.baseUpTo) c.base = 0;
    return this.count(conversationId) !== before;
  }

  /** A message was deleted; true when it was a counted mention. */
  deleted(conversationId: number, seq: number): boolean {
    return this.counts.get(conversationId)?.seqs.delete(seq) ?? false;
  }

  count(conversationId: number): number {
    const c = this.counts.get(conversationId);
    return c ? c.base + c.seqs.size : 0;
  }

  private of(conversationId: number): Counted {
    let c = this.counts.get(conversationId);
    if (!c) {
      c = { base: 0, baseUpTo: 0, seqs: new Set(), readSeq: 0 };
      this.counts.set(conversationId, c);
    }
    return c;
  }
}
