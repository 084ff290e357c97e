import type { Attachment, LinkPreview, Message, MessageStatus, ReplyTo, SystemInfo } from "@chatapp/protocol";
import { iso } from "../lib/time.js";
import type { MemberRow, MessageRow } from "../store/schema.js";
import { wireSender } from "../store/senderless.js";

export interface MessageFields {
  id: number;
  conversationId: number;
  seq: number;
  senderId: number;
  clientId: string | null;
  content: string;
  createdAt: number;
  system?: SystemInfo | null;
  editedAt?: number | null;
  deletedAt?: number | null;
  linkPreviews?: LinkPreview[] | null;
  attachments?: Attachment[] | null;
  mentions?: number[] | null;
  replyTo?: ReplyTo | undefined;
  threadRootId?: number | null;
  replyCount?: number;
  lastReplyAt?: number | null;
}

/** `quotes`: the quoted messages of the rows being read, by id (threads-repo.ts quotesOf). */
export const fieldsOf = (row: MessageRow, quotes?: ReadonlyMap<number, ReplyTo>): MessageFields => ({
  id: row.id,
  conversationId: row.conversation_id,
  seq: row.seq,
  senderId: row.sender_id,
  clientId: row.client_id,
  content: row.content,
  createdAt: row.created_at,
  system: row.system_event === null ? null : (JSON.parse(row.system_event) as SystemInfo),
  editedAt: row.edited_at,
  deletedAt: row.deleted_at,
  linkPreviews: row.link_previews === null ? null : (JSON.parse(row.link_previews) as LinkPreview[]),
  attachments: row.attachments === null ? null : (JSON.parse(row.attachments) as Attachment[]),
  mentions: row.mentions === null ? null : (JSON.parse(row.mentions) as number[]),
  replyTo: row.reply_to_id === null ? undefined : quotes?.get(row.reply_to_id),
  threadRootId: row.thread_root_id,
  replyCount: row.reply_count,
  lastReplyAt: row.last_reply_at,
});

/**
 * A message as clients see it. `receiver_id` is set for direct conversations only (the
 * member who is not the sender), as the original's frames had it.
 */
export function toWireMessage(m: MessageFields, receiverId: number | undefined, status: MessageStatus): Message {
  const wire: Message = {
    id: m.id,
    conversation_id: m.conversationId,
    seq: m.seq,
    sender_id: wireSender(m.senderId),
    content: m.content,
    timestamp: iso(m.createdAt),
    status,
  };
  if (receiverId !== undefined) wire.receiver_id = receiverId;
  if (m.clientId !== null) wire.client_id = m.clientId;
  if (m.system) {
    wire.kind = "system";
    wire.system = m.system;
  }
  if (m.editedAt) wire.edited_at = iso(m.editedAt);
  if (m.linkPreviews && m.linkPreviews.length > 0) wire.link_previews = m.linkPreviews;
  if (m.attachments && m.attachments.length > 0) wire.attachments = m.attachments;
  if (m.mentions && m.mentions.length > 0) wire.mentions = m.mentions;
  if (m.replyTo) wire.reply_to = m.replyTo;
  if (m.threadRootId) wire.thread_root_id = m.threadRootId;
  if (m.replyCount && m.replyCount > 0) {
    wire.reply_count = m.replyCount;
    if (m.lastReplyAt) wire.last_reply_at = iso(m.lastReplyAt);
  }
  if (m.deletedAt) {
    // Its files are gone with it (their downloads answer 404).
    wire.deleted = true;
    wire.content = "";
    delete wire.link_previews;
    delete wire.attachments;
    delete wire.mentions;
    delete wire.reply_to;
  }
  return wire;
}

/**
 * Status from cursors, never from per-message rows: `read` once every other member has
 * read up to the message, `delivered` once every other member has received it.
 */
export function statusFrom(
  seq: number,
  senderId: number,
  members: Pick<MemberRow, "user_id" | "delivered_seq" | "read_seq">[],
): MessageStatus {
  let status: MessageStatus = "read";
  let others = 0;
  for (const m of members) {
    if (m.user_id === senderId) continue;
    others++;
    if (m.read_seq >= seq) continue;
    if (m.delivered_seq >= seq) status = "delivered";
    else return "sent";
  }
  return others === 0 ? "sent" : status;
}

/** The other member of a direct conversation. */
export function receiverOf(kind: "direct" | "group", memberIds: number[], senderId: number): number | undefined {
  // A senderless message (an admin notice) goes to both members alike.
  if (kind !== "direct" || wireSender(senderId) === null) return undefined;
  return memberIds.find((id) => id !== senderId) ?? senderId;
}

/** `statusFrom` over cursors already reduced by the database (see ConversationsRepo.summaries). */
export function statusFromSummary(seq: number, summary: { others: number; minRead: number; minReached: number }): MessageStatus {
  if (summary.others === 0 || summary.minReached < seq) return "sent";
  return summary.minRead >= seq ? "read" : "delivered";
}
