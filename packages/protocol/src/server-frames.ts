import { type Static, Type } from "@sinclair/typebox";
import { ERROR_CODES } from "./errors.js";
import { Id, Seq } from "./ids.js";
import { LIMITS } from "./limits.js";
import { LinkPreview } from "./link-previews.js";
import type { PinnedFrame, UnpinnedFrame } from "./pins.js";
import { Reaction, type ReactionFrame } from "./reactions.js";
import { ReplyTo } from "./threads.js";
import { Attachment } from "./uploads.js";

const Timestamp = Type.String({ format: "date-time", description: "ISO 8601, UTC, milliseconds" });

export const MessageStatus = Type.Union([Type.Literal("sent"), Type.Literal("delivered"), Type.Literal("read")]);
export type MessageStatus = Static<typeof MessageStatus>;

/**
 * A stored message as clients see it, on the socket and over HTTP. The (seed) fields
 * `id, sender_id, receiver_id, content, timestamp, status` are present for direct
 * messages; `receiver_id` is absent for groups.
 */
export const SystemEvent = Type.Union([
  Type.Literal("conversation_created"),
  Type.Literal("member_joined"),
  Type.Literal("member_left"),
  Type.Literal("conversation_updated"),
  /** A notice posted through the admin API (no sender, no actor). */
  Type.Literal("notice"),
]);
export type SystemEvent = Static<typeof SystemEvent>;

/** How many of the users a change concerned a system message names (a stored message stays small). */
export const SYSTEM_USER_IDS_SHOWN = 20;

/** What a system message records: who did what to whom. */
export const SystemInfo = Type.Object({
  event: SystemEvent,
  /** Who made the change: null for the admin API; absent on a notice. */
  actor_id: Type.Optional(Type.Union([Id, Type.Null()])),
  /** The users concerned: at most the first 20 (SYSTEM_USER_IDS_SHOWN) of them. */
  user_ids: Type.Optional(Type.Array(Id)),
  /** How many users the change concerned, when that is more than `user_ids` lists. */
  user_count: Type.Optional(Id),
  title: Type.Optional(Type.String()),
});
export type SystemInfo = Static<typeof SystemInfo>;

export const Message = Type.Object({
  id: Id,
  conversation_id: Id,
  seq: Id,
  /** Null for a message no user sent: an admin notice, or a change the admin API made. */
  sender_id: Type.Union([Id, Type.Null()]),
  receiver_id: Type.Optional(Id),
  content: Type.String(),
  timestamp: Timestamp,
  status: MessageStatus,
  client_id: Type.Optional(Type.String()),
  /** Present (as "system") only on system messages: membership and title changes. */
  kind: Type.Optional(Type.Literal("system")),
  system: Type.Optional(SystemInfo),
  /** When the sender last edited it. */
  edited_at: Type.Optional(Timestamp),
  /** The sender deleted it: it keeps its place, its content is empty. */
  deleted: Type.Optional(Type.Literal(true)),
  /** Pages the message links to, once the server has read them (a `message_updated` brings them). */
  link_previews: Type.Optional(Type.Array(LinkPreview, { maxItems: 3 })),
  /** Files sent with it (`attachments` of the send), in the order the sender gave. */
  attachments: Type.Optional(Type.Array(Attachment, { maxItems: LIMITS.maxAttachments })),
  /** Members it mentions (the send's `mentions` and `@username` in its text), the sender left out. */
  mentions: Type.Optional(Type.Array(Id)),
  /** Reactions, one entry per emoji in the order each was first added (`me` in HTTP answers). */
  reactions: Type.Optional(Type.Array(Reaction)),
  /** The message this one quotes (`reply_to` of the send). */
  reply_to: Type.Optional(ReplyTo),
  /** The thread this message is a reply in (`thread_root_id` of the send). */
  thread_root_id: Type.Optional(Id),
  /** On a thread root with replies: how many are not deleted, and when the newest was sent. */
  reply_count: Type.Optional(Id),
  last_reply_at: Type.Optional(Timestamp),
});
export type Message = Static<typeof Message>;

export const MessageFrame = Type.Composite([Type.Object({ type: Type.Literal("message") }), Message]);
export type MessageFrame = Static<typeof MessageFrame>;

export const AckFrame = Type.Object({
  type: Type.Literal("ack"),
  client_id: Type.String(),
  id: Id,
  conversation_id: Id,
  seq: Id,
  timestamp: Timestamp,
  /** Direct conversations: the other member, as in the message others receive. */
  receiver_id: Type.Optional(Id),
  /** A repeat of an earlier client_id: nothing new was stored. */
  duplicate: Type.Optional(Type.Literal(true)),
  /** The members the message mentions, as others receive them (the sender's copy needs them too). */
  mentions: Type.Optional(Type.Array(Id)),
});
export type AckFrame = Static<typeof AckFrame>;

export const UserStatusValue = Type.Union([Type.Literal("online"), Type.Literal("offline")]);
export type UserStatusValue = Static<typeof UserStatusValue>;

/** (seed) `sender_id` repeats `user_id`, as the original sent it. */
export const StatusUpdateFrame = Type.Object({
  type: Type.Literal("status_update"),
  sender_id: Id,
  user_id: Id,
  status: UserStatusValue,
  last_seen: Timestamp,
});
export type StatusUpdateFrame = Static<typeof StatusUpdateFrame>;

export const TypingEventFrame = Type.Object({
  type: Type.Literal("typing"),
  conversation_id: Id,
  user_id: Id,
});
export type TypingEventFrame = Static<typeof TypingEventFrame>;

export const ReceiptFrame = Type.Object({
  type: Type.Literal("receipt"),
  conversation_id: Id,
  user_id: Id,
  delivered_seq: Seq,
  read_seq: Seq,
});
export type ReceiptFrame = Static<typeof ReceiptFrame>;

export const ErrorFrame = Type.Object({
  type: Type.Literal("error"),
  code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
  message: Type.String(),
  client_id: Type.Optional(Type.String()),
  /** On `rate_limited`: milliseconds until the same frame would pass (at least 1). */
  retry_after_ms: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type ErrorFrame = Static<typeof ErrorFrame>;

export const PongFrame = Type.Object({ type: Type.Literal("pong") });
export type PongFrame = Static<typeof PongFrame>;

/**
 * Sent once right after the socket opens: who the server thinks you are, and the
 * `last_seq` of each of your conversations, so a client can fetch what it missed.
 */
export const ReadyFrame = Type.Object({
  type: Type.Literal("ready"),
  user_id: Id,
  conversations: Type.Array(
    Type.Object({
      id: Id,
      last_seq: Seq,
      delivered_seq: Seq,
      read_seq: Seq,
      /** Messages above `read_seq` that mention this user (as in the conversation list). */
      mention_count: Seq,
    }),
  ),
});
export type ReadyFrame = Static<typeof ReadyFrame>;

export type ServerFrame =
  | MessageFrame
  | AckFrame
  | StatusUpdateFrame
  | TypingEventFrame
  | ReceiptFrame
  | ErrorFrame
  | PongFrame
  | ReadyFrame;

/** A member edited one of their messages: the message as it is now. */
export const MessageUpdatedFrame = Type.Composite([Type.Object({ type: Type.Literal("message_updated") }), Message]);
export type MessageUpdatedFrame = Static<typeof MessageUpdatedFrame>;

/** A member deleted one of their messages: it keeps its place (`seq`), its content is gone. */
export const MessageDeletedFrame = Type.Object({
  type: Type.Literal("message_deleted"),
  id: Id,
  conversation_id: Id,
  seq: Id,
});
export type MessageDeletedFrame = Static<typeof MessageDeletedFrame>;

/** Users were added to a group (or it was created with them); to every member, the new ones included. */
export const MemberJoinedFrame = Type.Object({
  type: Type.Literal("member_joined"),
  conversation_id: Id,
  user_ids: Type.Array(Id),
  /** The acting user; null for the admin API. */
  by: Type.Union([Id, Type.Null()]),
});
export type MemberJoinedFrame = Static<typeof MemberJoinedFrame>;

/** A member left or was removed; to every member and to the one who left. */
export const MemberLeftFrame = Type.Object({
  type: Type.Literal("member_left"),
  conversation_id: Id,
  user_id: Id,
  /** The acting user; null for the admin API. */
  by: Type.Union([Id, Type.Null()]),
});
export type MemberLeftFrame = Static<typeof MemberLeftFrame>;

export const ConversationUpdatedFrame = Type.Object({
  type: Type.Literal("conversation_updated"),
  conversation_id: Id,
  title: Type.String(),
  /** The acting user; null for the admin API. */
  by: Type.Union([Id, Type.Null()]),
});
export type ConversationUpdatedFrame = Static<typeof ConversationUpdatedFrame>;

/** Every frame a client may receive, by `type`. */
export type AnyServerFrame =
  | ServerFrame
  | PinnedFrame
  | UnpinnedFrame
  | MessageUpdatedFrame
  | MessageDeletedFrame
  | MemberJoinedFrame
  | MemberLeftFrame
  | ConversationUpdatedFrame
  | ReactionFrame;
