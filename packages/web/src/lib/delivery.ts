import type { ConversationMember, Message } from "@chatapp/protocol";

/** What a tick next to one's own message says. */
export type DeliveryStatus = "sending" | "sent" | "delivered" | "read";

type Cursors = Pick<ConversationMember, "delivered_seq" | "read_seq">;

/**
 * The status of one's own message in a direct conversation, from the other member's cursors
 * (as the server derives it: one cursor per member, never a status per message).
 */
export function directStatus(seq: number, other: Cursors | undefined): DeliveryStatus {
  if (other === undefined) return "sent";
  if (other.read_seq >= seq) return "read";
  if (other.delivered_seq >= seq) return "delivered";
  return "sent";
}

/**
 * How far a member has seen: their read cursor, or their own latest message if that is later
 * (the cursor moves only when they read others' messages, but they have seen what they wrote).
 */
export function seenUpTo(member: ConversationMember, messages: readonly Pick<Message, "seq" | "sender_id">[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.sender_id === member.user_id) return Math.max(member.read_seq, m.seq);
  }
  return member.read_seq;
}

type Seen = Pick<Message, "seq" | "sender_id" | "kind" | "system">;

/**
 * Whether a member's read cursor is the start the server gave them when they were added, and
 * not a read. Newcomers start just below the "added" system message (so nothing older counts
 * as unread for them); until they read that far, they have seen nothing in this conversation.
 * A system message that names only some of the users it added (it lists at most 20) counts
 * for all of them.
 */
export function isJoinCursor(member: Pick<ConversationMember, "user_id" | "read_seq">, messages: readonly Seen[]): boolean {
  const next = messages.find((m) => m.seq === member.read_seq + 1);
  if (next?.kind !== "system" || next.system?.event !== "member_joined") return false;
  const named = next.system.user_ids ?? [];
  return named.includes(member.user_id) || (next.system.user_count ?? named.length) > named.length;
}

/**
 * Per-member read positions in a group: for each seq, the other members who have seen up to
 * there. The message list shows them under that message ("Seen by …"). A member added later
 * who has not read since is nowhere: the older messages were never shown to them.
 */
export function readersBySeq(
  members: readonly ConversationMember[],
  me: number,
  messages: readonly Seen[],
): Map<number, number[]> {
  const bySeq = new Map<number, number[]>();
  for (const member of members) {
    if (member.user_id === me) continue;
    const seq = seenUpTo(member, messages);
    if (seq === 0 || (seq === member.read_seq && isJoinCursor(member, messages))) continue;
    const list = bySeq.get(seq) ?? [];
    list.push(member.user_id);
    bySeq.set(seq, list);
  }
  return bySeq;
}

export const STATUS_LABEL: Record<DeliveryStatus, string> = {
  sending: "Sending",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
};
