import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { AttachmentIds } from "./client-frames.js";
import { ERROR_CODES } from "./errors.js";
import { Id, Seq } from "./ids.js";
import { LIMITS } from "./limits.js";
import { MentionIds } from "./mentions.js";
import { Message, UserStatusValue } from "./server-frames.js";
import { Text } from "./text.js";
import { ThreadListingQuery } from "./threads.js";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Every HTTP error body. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
    message: Type.String(),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

export const USERNAME_PATTERN = "^[a-z0-9_.-]{3,32}$";
export const MIN_PASSWORD_CHARS = 8;
/** argon2 work is bounded: a longer password is refused rather than hashed. */
export const MAX_PASSWORD_CHARS = 256;

/**
 * A user as others see it; `username` is null for users provisioned from a token. `bot` marks
 * an application's bot account (set through the admin API).
 */
export const User = Type.Object({
  id: Id,
  username: Nullable(Type.String()),
  display_name: Nullable(Type.String()),
  bot: Type.Boolean(),
});
export type User = Static<typeof User>;

/** Usernames are compared ignoring case: the server lower-cases before checking the pattern. */
export const RegisterBody = Type.Object({
  username: Text({ minLength: 1, maxLength: 64 }),
  password: Text({ minLength: 1, maxLength: MAX_PASSWORD_CHARS }),
  display_name: Type.Optional(Text({ minLength: 1, maxLength: 64 })),
});
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object({
  username: Text({ minLength: 1, maxLength: 64 }),
  password: Text({ minLength: 1, maxLength: MAX_PASSWORD_CHARS }),
});
export type LoginBody = Static<typeof LoginBody>;

export const AuthResponse = Type.Object({ token: Type.String(), user: User });
export type AuthResponse = Static<typeof AuthResponse>;

/** (seed) A message as the original's history endpoint returned it, plus our fields. */
export const HistoryQuery = Type.Object({
  user_id: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.maxHistoryLimit, default: LIMITS.defaultHistoryLimit })),
  before: Type.Optional(Id),
});
export type HistoryQuery = Static<typeof HistoryQuery>;
export const HistoryResponse = Type.Array(Message);

export const UserStatus = Type.Object({
  user_id: Id,
  status: UserStatusValue,
  last_seen: Nullable(Type.String({ format: "date-time" })),
});
export type UserStatus = Static<typeof UserStatus>;
export const UsersStatusQuery = Type.Object({ user_id: Type.Optional(Id) });
export const UsersStatusResponse = Type.Array(UserStatus);

export const ConversationKind = Type.Union([Type.Literal("direct"), Type.Literal("group")]);
export type ConversationKind = Static<typeof ConversationKind>;

export const ConversationMember = Type.Object({
  user_id: Id,
  role: Type.Union([Type.Literal("owner"), Type.Literal("member")]),
  status: UserStatusValue,
  delivered_seq: Seq,
  read_seq: Seq,
});
export type ConversationMember = Static<typeof ConversationMember>;

export const Conversation = Type.Object({
  id: Id,
  kind: ConversationKind,
  title: Nullable(Type.String()),
  /**
   * Every member in `GET /api/conversations/:id` and in what creating or changing a group
   * answers; in the list, both members of a direct conversation but only the caller in a group.
   */
  members: Type.Array(ConversationMember),
  /** How many members the conversation has, however many `members` lists. */
  member_count: Seq,
  last_seq: Seq,
  last_message: Nullable(Message),
  read_seq: Seq,
  unread_count: Seq,
  /** Messages above `read_seq` that mention the caller and are not deleted, thread replies included. */
  mention_count: Seq,
  /** `mention_count > 0`. */
  mentioned: Type.Boolean(),
  /** The caller muted it (integrations §3): false again once `muted_until` has passed. */
  muted: Type.Boolean(),
  /** When the caller's mute ends by itself; null while not muted or muted until removed. */
  muted_until: Nullable(Type.String({ format: "date-time" })),
  last_activity: Type.String({ format: "date-time" }),
});
export type Conversation = Static<typeof Conversation>;
export const ConversationsResponse = Type.Array(Conversation);

export const ConversationParams = Type.Object({ id: Id });
export const ConversationMessagesQuery = Type.Object({
  before_seq: Type.Optional(Id),
  after_seq: Type.Optional(Seq),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.maxHistoryLimit, default: LIMITS.defaultHistoryLimit })),
  ...ThreadListingQuery.properties,
});
export type ConversationMessagesQuery = Static<typeof ConversationMessagesQuery>;
/** Messages in ascending `seq`; `has_more` says whether the page was cut at `limit`. */
export const ConversationMessagesResponse = Type.Object({
  messages: Type.Array(Message),
  has_more: Type.Boolean(),
});
export type ConversationMessagesResponse = Static<typeof ConversationMessagesResponse>;
/** `?thread=<root_id>`: the root, and a page of its replies in ascending `seq` (without the root). */
export const ThreadMessagesResponse = Type.Object({
  root: Message,
  messages: Type.Array(Message),
  has_more: Type.Boolean(),
});
export type ThreadMessagesResponse = Static<typeof ThreadMessagesResponse>;

export const HealthResponse = Type.Object({ status: Type.Literal("ok") });
export const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("unavailable")]),
  storage: Type.Union([Type.Literal("up"), Type.Literal("down")]),
  /** The link to the other nodes: "none" for a single node. */
  broker: Type.Union([Type.Literal("none"), Type.Literal("up"), Type.Literal("down")]),
});

export const MAX_TITLE_CHARS = 128;

/** `direct`: the existing conversation with that user, or a new one; `group`: a new group. */
export const CreateConversationBody = Type.Union([
  Type.Object({ kind: Type.Literal("direct"), user_id: Id }),
  Type.Object({
    kind: Type.Literal("group"),
    title: Text({ minLength: 1, maxLength: MAX_TITLE_CHARS }),
    member_ids: Type.Array(Id, { maxItems: 10_000 }),
  }),
]);
export type CreateConversationBody = Static<typeof CreateConversationBody>;

export const UpdateConversationBody = Type.Object({ title: Text({ minLength: 1, maxLength: MAX_TITLE_CHARS }) });
export const AddMembersBody = Type.Object({ user_ids: Type.Array(Id, { minItems: 1, maxItems: 10_000 }) });
export const MemberParams = Type.Object({ id: Id, userId: Id });

export const SendMessageBody = Type.Object({
  content: Text(),
  client_id: Type.Optional(Text({ minLength: 1, maxLength: LIMITS.maxClientIdChars })),
  attachments: Type.Optional(AttachmentIds),
  mentions: Type.Optional(MentionIds),
  reply_to: Type.Optional(Id),
  thread_root_id: Type.Optional(Id),
});
export const ReadBody = Type.Object({ seq: Seq });
export const ReadResponse = Type.Object({ conversation_id: Id, read_seq: Seq });

export const MessageParams = Type.Object({ id: Id });
export const EditMessageBody = Type.Object({ content: Text() });

export const ConversationsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  /** Paging: the `last_activity` and `id` of the last conversation of the previous page. */
  before_activity: Type.Optional(Type.String({ format: "date-time" })),
  before_id: Type.Optional(Id),
});

export const SearchQuery = Type.Object({
  q: Text({ minLength: 1, maxLength: 200 }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })),
});
export const SearchResponse = Type.Object({ messages: Type.Array(Message), has_more: Type.Boolean() });
export type SearchResponse = Static<typeof SearchResponse>;

export const UsersQuery = Type.Object({
  query: Text({ minLength: 1, maxLength: 64 }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })),
});
export const UsersResponse = Type.Array(User);
export const UserParams = Type.Object({ id: Id });
