import type { ConnectionState } from "@chatapp/client";
import type {
  Attachment,
  Conversation,
  ConversationMember,
  Message,
  ReceiptFrame,
  ReplyTo,
  User,
  UserStatusValue,
} from "@chatapp/protocol";
import { NO_SENDER_NAME } from "../lib/message-text.js";

/** The loaded part of one conversation's history. */
export interface Timeline {
  /** In ascending seq, each once, without holes from the oldest loaded to the newest. */
  messages: readonly Message[];
  /** The first page has arrived. */
  loaded: boolean;
  loadingOlder: boolean;
  /** The last load failed: shown with a retry. */
  error?: string;
}

export interface ListPaging {
  more: boolean;
  /**
   * The last conversation of the last page fetched: the next page starts below it. Not the
   * oldest conversation in the state: live events (a backlog of system messages, say) bring
   * conversations from pages not fetched yet, and paging from those would skip the ones between.
   */
  cursor?: PageCursor;
  loading: boolean;
  /** The last page failed: shown with a retry. */
  error?: string;
}

export interface PageCursor {
  last_activity: string;
  id: number;
}

/** A send the server has not acknowledged yet (offline, or in flight), or one it refused. */
export interface PendingMessage {
  clientId: string;
  conversationId: number;
  content: string;
  /** Its files, in order: uploaded ones, and ones the SDK uploads as part of the send. */
  files?: readonly PendingFile[];
  /**
   * What was handed to the SDK for those files (attachments, and files still to upload), for a
   * retry. Absent for a send restored from storage: the SDK holds its bytes, this tab does not.
   */
  parts?: readonly SendPart[];
  /** How the SDK's upload of its files is going (`upload_progress`), in bytes. */
  progress?: { loaded: number; total: number };
  createdAt: string;
  /** Users the send mentions by id (picked from the `@` suggestions). */
  mentions?: readonly number[];
  /** Why the server refused it; the user may retry or discard it. */
  error?: string;
  /**
   * The refusal was for good (a `conflict`, a bad id...): a retry goes out under a new
   * client_id, since the old one would be refused again. After a timeout it keeps its id.
   */
  retryWithNewId?: boolean;
  /** The message it quotes, and the thread it goes into. */
  replyTo?: Message | ReplyTo | number;
  threadRootId?: number;
}

/** A file of a pending message, as its bubble shows it. */
export interface PendingFile {
  name: string;
  size: number;
  /** Uploaded already: an attachment. */
  uploaded: boolean;
}

/** A file of a send: uploaded (its attachment), or still to upload (the SDK does it). */
export type SendPart = Attachment | File;

/** A file being uploaded, for a draft in the composer or a pending message (chat/uploads.ts). */
export interface UploadState {
  key: string;
  name: string;
  size: number;
  /** Bytes sent so far. */
  loaded: number;
  /** Waiting: it failed for want of a connection and starts again when the socket reopens. */
  status: "uploading" | "waiting" | "done" | "failed";
  attachment?: Attachment;
  /** Why it failed, or what it waits for: "too large (max 1 MB)". */
  error?: string;
}

/** That someone else removed the user from a group: what the group's pane says instead of its messages. */
export interface Removal {
  title: string | null;
  /** Who removed the user; null for the admin API. */
  by: number | null;
  /** When this device heard of it (ISO). */
  at: string;
}

export interface ChatState {
  me: User;
  connection: ConnectionState;
  /** True for a few seconds after a reconnect: the quiet "back online". */
  backOnline: boolean;
  conversationsLoaded: boolean;
  /** The list comes in pages, most recent first: whether older ones are left, and how loading them goes. */
  listPaging: ListPaging;
  conversations: ReadonlyMap<number, Conversation>;
  timelines: ReadonlyMap<number, Timeline>;
  pending: readonly PendingMessage[];
  /** Files being uploaded, by key: drafts in a composer and files of pending messages. */
  uploads: ReadonlyMap<string, UploadState>;
  /** Per conversation, who is typing now. */
  typing: ReadonlyMap<number, readonly number[]>;
  presence: ReadonlyMap<number, UserStatusValue>;
  /** When each contact was last online (ISO), from the status API and `status_update` frames. */
  lastSeen: ReadonlyMap<number, string>;
  users: ReadonlyMap<number, User>;
  /** Groups someone else removed the user from, by conversation id: their panes say so. */
  removals: ReadonlyMap<number, Removal>;
  /** The latest message from someone else, for the screen-reader announcement. */
  lastIncoming: Message | undefined;
}

export function initialState(me: User): ChatState {
  return {
    me,
    connection: "idle",
    backOnline: false,
    conversationsLoaded: false,
    listPaging: { more: false, loading: false },
    conversations: new Map(),
    timelines: new Map(),
    pending: [],
    uploads: new Map(),
    typing: new Map(),
    presence: new Map(),
    lastSeen: new Map(),
    users: new Map([[me.id, me]]),
    removals: new Map(),
    lastIncoming: undefined,
  };
}

export const EMPTY_TIMELINE: Timeline = { messages: [], loaded: false, loadingOlder: false };

/** Seqs have no gaps and start at 1: anything above 1 at the top means older messages exist. */
export function hasOlder(timeline: Timeline): boolean {
  return timeline.loaded && (timeline.messages[0]?.seq ?? 1) > 1;
}

export function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

export function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K): Map<K, V> {
  const next = new Map(map);
  next.delete(key);
  return next;
}

/**
 * Merges messages by seq. When both sides have a message, the more final version wins: a
 * deletion over anything, a later edit over an earlier one, else the incoming copy.
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  const bySeq = new Map(existing.map((m) => [m.seq, m]));
  for (const message of incoming) {
    const current = bySeq.get(message.seq);
    bySeq.set(message.seq, current === undefined ? message : newerVersion(current, message));
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function newerVersion(current: Message, incoming: Message): Message {
  if (current.deleted && !incoming.deleted) return current;
  if (incoming.deleted) return incoming;
  if ((current.edited_at ?? "") > (incoming.edited_at ?? "")) return current;
  return incoming;
}

/** Counts toward the unread badge: someone else's chat message (not a system or deleted one, nor a thread reply). */
export function countsAsUnread(message: Message, me: number): boolean {
  return message.sender_id !== me && message.kind !== "system" && !message.deleted && message.thread_root_id === undefined;
}

/** A conversation after a new message: preview, activity, unread count. */
export function withNewMessage(conversation: Conversation, message: Message, me: number, viewing: boolean): Conversation {
  if (message.seq <= conversation.last_seq && conversation.last_message !== null) return conversation;
  const unread = !viewing && countsAsUnread(message, me) && message.seq > conversation.read_seq;
  const mention = unread && mentionsMe(message, me);
  return {
    ...conversation,
    last_seq: Math.max(conversation.last_seq, message.seq),
    last_message: message,
    last_activity: message.timestamp > conversation.last_activity ? message.timestamp : conversation.last_activity,
    unread_count: conversation.unread_count + (unread ? 1 : 0),
    mention_count: conversation.mention_count + (mention ? 1 : 0),
    mentioned: conversation.mentioned || mention,
  };
}

/** The message mentions the user (and is someone else's, not deleted). */
export function mentionsMe(message: Message, me: number): boolean {
  return countsAsUnread(message, me) && (message.mentions?.includes(me) ?? false);
}

/** A conversation after an edit or delete: the preview follows when it showed that message. */
export function withChangedMessage(conversation: Conversation, message: Message): Conversation {
  if (conversation.last_message?.id !== message.id) return conversation;
  return { ...conversation, last_message: message };
}

/** A member's cursors moved (their delivery, their reads). */
export function withReceipt(conversation: Conversation, receipt: ReceiptFrame, me: number): Conversation {
  const members = conversation.members.map((m) => (m.user_id === receipt.user_id ? atLeast(m, receipt) : m));
  if (receipt.user_id !== me) return { ...conversation, members };
  return withOwnRead({ ...conversation, members }, receipt.read_seq);
}

/**
 * A conversation the server just described, kept no further behind than what is known here.
 * Cursors only move forward, but an answer computed before a receipt can arrive after it (the
 * list asked for on reconnect, while the other side reads what was sent meanwhile): taking it
 * as it is would turn read ticks back to delivered until the next receipt.
 */
export function withKnownCursors(fresh: Conversation, known: Conversation | undefined): Conversation {
  if (!known) return fresh;
  const before = new Map(known.members.map((m) => [m.user_id, m]));
  const members = fresh.members.map((m) => {
    const old = before.get(m.user_id);
    return old ? atLeast(m, old) : m;
  });
  return withOwnRead({ ...fresh, members }, known.read_seq);
}

type Cursors = Pick<ConversationMember, "delivered_seq" | "read_seq">;

/** A member's cursors, moved up to `other`'s where those are further (cursors never go back). */
function atLeast(member: ConversationMember, other: Cursors): ConversationMember {
  if (other.delivered_seq <= member.delivered_seq && other.read_seq <= member.read_seq) return member;
  return {
    ...member,
    delivered_seq: Math.max(member.delivered_seq, other.delivered_seq),
    read_seq: Math.max(member.read_seq, other.read_seq),
  };
}

/** One's own read position moved up to `readSeq`: read to the end, nothing is unread. */
function withOwnRead(conversation: Conversation, readSeq: number): Conversation {
  const read = Math.max(conversation.read_seq, readSeq);
  if (read < conversation.last_seq) return { ...conversation, read_seq: read };
  return { ...conversation, read_seq: read, unread_count: 0, mention_count: 0, mentioned: false };
}

/** Most recently active first, as the server lists them. */
export function byActivity(conversations: Iterable<Conversation>): Conversation[] {
  return [...conversations].sort((a, b) =>
    a.last_activity === b.last_activity ? b.id - a.id : a.last_activity < b.last_activity ? 1 : -1,
  );
}

export function displayName(users: ReadonlyMap<number, User>, id: number | null | undefined): string {
  if (id === null || id === undefined) return NO_SENDER_NAME;
  const user = users.get(id);
  return user?.display_name ?? user?.username ?? `User ${id}`;
}

/** The other member of a direct conversation. */
export function otherMemberId(conversation: Conversation, me: number): number | undefined {
  return conversation.members.find((m) => m.user_id !== me)?.user_id;
}

export function conversationTitle(conversation: Conversation, me: number, users: ReadonlyMap<number, User>): string {
  if (conversation.kind === "group") return conversation.title ?? "Group";
  const other = otherMemberId(conversation, me);
  return other === undefined ? "Just you" : displayName(users, other);
}
