import { type Static, Type } from "@sinclair/typebox";
import { AdminUser } from "./admin.js";
import { Conversation, MAX_TITLE_CHARS } from "./http.js";
import { Id, Seq } from "./ids.js";
import { LIMITS } from "./limits.js";
import { Text } from "./text.js";

/**
 * The admin API's conversations, messages and user data (integrations contract §1): what an
 * app's backend uses to create conversations, post into them, and export or erase a user.
 */

const Timestamp = Type.String({ format: "date-time" });

/**
 * A conversation as the admin API answers it: `GET /api/conversations/:id` without the
 * caller's own fields (read_seq, unread and mention counts, mute), with every member.
 */
export const AdminConversation = Type.Pick(Conversation, [
  "id",
  "kind",
  "title",
  "members",
  "member_count",
  "last_seq",
  "last_message",
  "last_activity",
]);
export type AdminConversation = Static<typeof AdminConversation>;

/** Member lists are bounded like a user's group creation; the group size limit applies on top. */
const MemberIds = Type.Array(Id, { minItems: 1, maxItems: 10_000 });

/**
 * `POST /api/admin/conversations`: a group with its members (owners ⊆ members, default the
 * first member), or the direct conversation of two users (the existing one if there is one).
 */
export const AdminCreateConversationBody = Type.Union([
  Type.Object({
    kind: Type.Literal("group"),
    title: Text({ minLength: 1, maxLength: MAX_TITLE_CHARS }),
    member_ids: MemberIds,
    owner_ids: Type.Optional(MemberIds),
  }),
  Type.Object({
    kind: Type.Literal("direct"),
    user_ids: Type.Array(Id, { minItems: 2, maxItems: 2 }),
  }),
]);
export type AdminCreateConversationBody = Static<typeof AdminCreateConversationBody>;

/**
 * `POST /api/admin/conversations/:id/messages`: with `sender_id`, a message from that member
 * through the same path as a user's send; without it, a system notice.
 */
export const AdminSendBody = Type.Object({
  sender_id: Type.Optional(Id),
  content: Text(),
  client_id: Type.Optional(Text({ minLength: 1, maxLength: LIMITS.maxClientIdChars })),
});
export type AdminSendBody = Static<typeof AdminSendBody>;

/** One message of an export: a message the user sent that is not deleted. */
export const ExportedMessage = Type.Object({
  id: Id,
  conversation_id: Id,
  seq: Seq,
  content: Type.String(),
  timestamp: Timestamp,
  edited_at: Type.Optional(Timestamp),
});
export type ExportedMessage = Static<typeof ExportedMessage>;

export const ExportedConversation = Type.Object({
  id: Id,
  kind: Type.Union([Type.Literal("direct"), Type.Literal("group")]),
  title: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.Literal("owner"), Type.Literal("member")]),
});
export type ExportedConversation = Static<typeof ExportedConversation>;

/**
 * `GET /api/admin/users/:id/export`: everything the user made. `user` is the admin user
 * object; the other parts hold what the user made in features that keep per-user data.
 */
export const UserExport = Type.Object({
  user: AdminUser,
  exported_at: Timestamp,
  conversations: Type.Array(ExportedConversation),
  messages: Type.Array(ExportedMessage),
  blocks: Type.Array(Type.Object({ user_id: Id, created_at: Timestamp })),
  push_subscriptions: Type.Array(Type.Object({ endpoint: Type.String(), created_at: Timestamp })),
  reports: Type.Array(Type.Object({ id: Id, message_id: Id, reason: Type.String(), created_at: Timestamp })),
});
export type UserExport = Static<typeof UserExport>;

/** `DELETE /api/admin/users/:id`: the user is erased; how many of their messages became deleted ones. */
export const EraseResponse = Type.Object({ user_id: Id, messages_deleted: Type.Integer({ minimum: 0 }) });
export type EraseResponse = Static<typeof EraseResponse>;
