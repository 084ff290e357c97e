import type { Generated, Insertable, Selectable } from "kysely";

/**
 * Table shapes as Kysely sees them. Timestamps are BIGINT milliseconds since the Unix epoch
 * (UTC) in every dialect: exact to the millisecond, no time-zone conversion anywhere between
 * driver and database, rendered as ISO 8601 at the edge.
 */
export interface Database {
  users: UsersTable;
  local_user_ids: LocalUserIdsTable;
  user_status: UserStatusTable;
  nodes: NodesTable;
  node_users: NodeUsersTable;
  conversations: ConversationsTable;
  members: MembersTable;
  messages: MessagesTable;
  uploads: UploadsTable;
  mentions: MentionsTable;
  pins: PinsTable;
  reactions: ReactionsTable;
  blocks: BlocksTable;
  mutes: MutesTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  erased_users: ErasedUsersTable;
  webhook_events: WebhookEventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_fanout: WebhookFanoutTable;
  reports: ReportsTable;
  job_leases: JobLeasesTable;
  server_keys: ServerKeysTable;
  push_subscriptions: PushSubscriptionsTable;
  notification_jobs: NotificationJobsTable;
  notification_progress: NotificationProgressTable;
  push_notified: PushNotifiedTable;
  push_deliveries: PushDeliveriesTable;
}

export interface UsersTable {
  id: Generated<number>;
  /** Lower-case; null for users provisioned from a token minted elsewhere. */
  username: string | null;
  display_name: string | null;
  password_hash: string | null;
  created_at: number;
  /** Username and display name lower-cased, for the directory; null for users known only by id. */
  search_name: string | null;
  /** 0 while deactivated or banned (migration 014): the user's tokens are refused. */
  active: Generated<number>;
  /** 1 for an application's bot account (shown as `bot` on user objects). */
  bot: Generated<number>;
  /** Why the user was banned; NULL unless banned. */
  ban_reason: Generated<string | null>;
}

/** An API key for the admin API (migration 014); only its SHA-256 is kept. */
export interface ApiKeysTable {
  id: Generated<number>;
  name: string;
  /** Hex SHA-256 of the key's text. */
  hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** One admin action (migration 014): which key did what to what, and when. */
export interface AuditLogTable {
  id: Generated<number>;
  key_name: string;
  action: string;
  target_type: string | null;
  target_id: number | null;
  created_at: number;
  /** JSON with more about the action, when there is more to say. */
  detail: string | null;
}

/** A user whose account was erased (migration 014): a token never provisions the id again. */
export interface ErasedUsersTable {
  user_id: number;
  erased_at: number;
}

/** One row (id 1): the last id a local registration took (migration 005). */
export interface LocalUserIdsTable {
  id: number;
  last_id: number;
}

export interface UserStatusTable {
  user_id: number;
  status: "online" | "offline";
  last_seen: number | null;
}

/** A running node and its last heartbeat (epoch ms). */
export interface NodesTable {
  id: string;
  started_at: number;
  heartbeat_at: number;
}

/** A user with at least one connection on a node. */
export interface NodeUsersTable {
  node_id: string;
  user_id: number;
}

export interface ConversationsTable {
  id: Generated<number>;
  kind: "direct" | "group";
  title: string | null;
  /** "a:b" with a < b for direct conversations: makes "one direct conversation per pair" a unique index. */
  direct_key: string | null;
  last_seq: Generated<number>;
  created_by: number | null;
  created_at: number;
  last_activity_at: number;
}

export interface MembersTable {
  conversation_id: number;
  user_id: number;
  role: "owner" | "member";
  delivered_seq: Generated<number>;
  read_seq: Generated<number>;
  joined_at: number;
}

export interface MessagesTable {
  id: Generated<number>;
  conversation_id: number;
  seq: number;
  sender_id: number;
  client_id: string | null;
  content: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  kind: Generated<"user" | "system">;
  /** JSON of SystemInfo for system messages. */
  system_event: string | null;
  /** JSON of the message's link previews (contract §4); NULL while there are none. */
  link_previews: Generated<string | null>;
  /** JSON of the attachments sent with it (contract §3), as the upload API answered them; NULL when none. */
  attachments: Generated<string | null>;
  /** JSON of the mentioned user ids (contract §7); NULL when it mentions nobody. */
  mentions: Generated<string | null>;
  /** The message this one quotes (contract §5); NULL when it quotes none. */
  reply_to_id: Generated<number | null>;
  /** The thread root this message replies in (contract §6); NULL for a top-level message. */
  thread_root_id: Generated<number | null>;
  /** On a thread root: its replies that are not deleted, and the newest one's created_at. */
  reply_count: Generated<number>;
  last_reply_at: Generated<number | null>;
}

/** A member a message mentions (migration 012): "unread mentions of user X" is an index range. */
export interface MentionsTable {
  message_id: number;
  user_id: number;
  conversation_id: number;
  seq: number;
  /** 1 when the send's `mentions` named the user (an edit keeps it), 0 for `@username` only. */
  by_id: Generated<number>;
}

/** A pinned message (migration 012); `id` orders a conversation's pins. */
export interface PinsTable {
  id: Generated<number>;
  conversation_id: number;
  message_id: number;
  pinned_by: number;
  pinned_at: number;
}

/** An uploaded file (migration 006); its bytes are in the file store under `uploads/<id>`. */
export interface UploadsTable {
  id: Generated<number>;
  uploader_id: number;
  name: string;
  content_type: string;
  size: Generated<number>;
  width: number | null;
  height: number | null;
  /** 1 when `thumbnails/<id>` holds a thumbnail. */
  has_thumbnail: Generated<number>;
  /** 1 when `stripped/<id>` holds the image without its metadata, served instead of the original. */
  has_stripped: Generated<number>;
  /** 0 while the bytes are being stored; only ready uploads are served or sent. */
  ready: Generated<number>;
  created_at: number;
  /** Set when sent, with the conversation it was sent in. */
  message_id: number | null;
  conversation_id: number | null;
}

export type UploadRow = Selectable<UploadsTable>;
export type PinRow = Selectable<PinsTable>;
export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type MemberRow = Selectable<MembersTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessageRow = Insertable<MessagesTable>;

/** One user's reaction with one emoji to one message (migration 010). */
export interface ReactionsTable {
  /** Orders a message's emoji by when each was first added. */
  id: Generated<number>;
  message_id: number;
  user_id: number;
  emoji: string;
  created_at: number;
}

/** A member's report of a message (migration 016), with what the message said when reported. */
export interface ReportsTable {
  id: Generated<number>;
  message_id: number;
  conversation_id: number;
  sender_id: number;
  reporter_id: number;
  reason: string;
  content: string;
  status: "open" | "resolved";
  created_at: number;
}

export type ReportRow = Selectable<ReportsTable>;

/** A cluster-wide job (migration 016): who runs it until when, and when its next round is due (epoch ms). */
export interface JobLeasesTable {
  name: string;
  holder: string | null;
  lease_until: Generated<number>;
  next_run_at: Generated<number>;
}

/** `blocker_id` blocks `blocked_id` (migration 013): no direct messages between them either way. */
export interface BlocksTable {
  blocker_id: number;
  blocked_id: number;
  created_at: number;
}

/** A user's mute of a conversation (migration 013); `muted_until` NULL lasts until removed. */
export interface MutesTable {
  user_id: number;
  conversation_id: number;
  muted_until: number | null;
  created_at: number;
}
/** The webhook outbox (migration 015): one row per event, written with the change it reports. */
export interface WebhookEventsTable {
  id: Generated<number>;
  type: string;
  conversation_id: number | null;
  /** JSON of the event's `data`, a snapshot taken with the change. */
  data: string;
  created_at: number;
  /** 1 once its delivery rows exist. */
  fanned: Generated<number>;
}

/** Where webhook events go (migration 015). */
export interface WebhookEndpointsTable {
  id: Generated<number>;
  /** 'env' for WEBHOOK_URL's endpoint; NULL for those made through the admin API. */
  name: string | null;
  url: string;
  /** JSON array of event types; NULL: every type. */
  events: string | null;
  /** The whsec_ secret; NULL for the 'env' endpoint, whose secret stays in the configuration. */
  secret: string | null;
  created_at: number;
}

/** One event still to deliver to one endpoint (migration 015). */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  event_id: number;
  endpoint_id: number;
  /** The event's conversation: deliveries of one (endpoint, order_key) go one at a time, by event_id. */
  order_key: number | null;
  attempts: Generated<number>;
  next_at: number;
  /** A node's claim: until then no other node attempts it. */
  lease_until: Generated<number>;
  lease_owner: string | null;
  /** The event's created_at: its age decides when it is dropped. */
  created_at: number;
}

/** One row, locked while a node fans events out into deliveries. */
export interface WebhookFanoutTable {
  id: number;
  ran_at: number;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;

/** A secret the whole cluster shares, made once by the first node that needs it (migration 017). */
export interface ServerKeysTable {
  name: string;
  value: string;
  created_at: number;
}

/** A browser's Web Push subscription (migration 017). */
export interface PushSubscriptionsTable {
  id: Generated<number>;
  user_id: number;
  endpoint: string;
  /** SHA-256 hex of `endpoint`: the unique key (endpoints may be longer than MySQL indexes). */
  endpoint_hash: string;
  /** The browser's P-256 key and auth secret, base64url as the browser gave them. */
  p256dh: string;
  auth: string;
  created_at: number;
}

/** Messages stored whose notifications are still to plan, one row per conversation and commit (migration 017). */
export interface NotificationJobsTable {
  id: Generated<number>;
  conversation_id: number;
  /** The highest seq the commit stored in this conversation. */
  seq: number;
  /** Not planned before: messages arriving until then fold into one notification. */
  due_at: number;
  lease_until: Generated<number>;
  lease_owner: string | null;
  created_at: number;
}

/** Per conversation, the seq up to which notifications were planned (migration 017). */
export interface NotificationProgressTable {
  conversation_id: number;
  seq: number;
}

/** The latest seq a notification named, per (user, conversation): reading past it clears it on other devices. */
export interface PushNotifiedTable {
  user_id: number;
  conversation_id: number;
  seq: number;
}

/** One push still to send (migration 017); a newer one for the same (subscription, conversation) replaces it. */
export interface PushDeliveriesTable {
  id: Generated<number>;
  subscription_id: number;
  conversation_id: number;
  /** The plaintext JSON the push carries (encrypted when sent). */
  payload: string;
  attempts: Generated<number>;
  /** Counted up each time a newer notification replaces the payload. */
  revision: Generated<number>;
  next_at: number;
  lease_until: Generated<number>;
  lease_owner: string | null;
  created_at: number;
}
