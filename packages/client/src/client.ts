import {
  type AnyServerFrame,
  type Attachment,
  type Block,
  type Conversation,
  type ConversationMessagesResponse,
  type ConversationUpdatedFrame,
  type ErrorFrame,
  isWellFormedText,
  LIMITS,
  MAX_QUOTE_CHARS,
  type MemberJoinedFrame,
  type MemberLeftFrame,
  type Message,
  type MessageDeletedFrame,
  type MessageUpdatedFrame,
  type MuteResponse,
  type Pin,
  type PinnedFrame,
  type PushSubscription,
  type Reaction,
  type ReactionFrame,
  type ReadyFrame,
  type ReceiptFrame,
  type ReplyTo,
  type StatusUpdateFrame,
  type ThreadMessagesResponse,
  type TypingEventFrame,
  type UnpinnedFrame,
} from "@chatapp/protocol";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { Connection, type ConnectionState, type WebSocketConstructor } from "./connection.js";
import { ConversationStream } from "./conversation-stream.js";
import { Emitter } from "./emitter.js";
import { AuthError, ChatClientError } from "./errors.js";
import { FetchLimiter, GAP_FETCH_LIMITS } from "./fetch-limiter.js";
import { HttpApi, type UploadOptions } from "./http-api.js";
import { Lanes, type Target } from "./lanes.js";
import { MentionCounts } from "./mention-counts.js";
import { KEYS } from "./offline/keys.js";
import { type LoadedState, LocalStore } from "./offline/local-store.js";
import { filesToUpload, type OutboxFile, type OutboxRecord, sendFrame } from "./offline/outbox-record.js";
import { uploadFiles } from "./offline/outbox-uploads.js";
import type { PushSubscriptionJsonLike } from "./push-subscription.js";
import { SendQueue } from "./send-queue.js";
import type { StorageAdapter } from "./storage/adapter.js";
import { memoryStorage } from "./storage/memory.js";
import { type ThreadCount, ThreadCounts } from "./thread-counts.js";

export type { Target };

export interface ChatClientOptions {
  /** The WebSocket URL, e.g. `wss://chat.example.com/ws`. */
  url: string;
  /** The HTTP base URL; by default derived from `url` (same host, http/https). */
  httpUrl?: string;
  /** A token, or a function that returns one; it is called again before every reconnect. */
  token: string | (() => string | Promise<string>);
  /** The WebSocket class: the global one in browsers; `ws` in Node (the package's Node entry sets it). */
  WebSocket?: WebSocketConstructor;
  fetch?: typeof fetch;
  backoff?: Partial<BackoffOptions>;
  /** A send not acknowledged within this time rejects with code `timeout` (0: never). Default 60 s. */
  sendTimeoutMs?: number;
  /** The client pings this often and reconnects when no pong comes back in `pongTimeoutMs`. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /**
   * Conversations the app already holds, with the last seq it has (e.g. restored from
   * storage): after connecting, the client emits what came after. Other conversations start
   * at the user's delivered cursor on the first connection, and at their first message
   * when they appear later.
   */
  cursors?: Record<number, number>;
  /**
   * Where the outbox, the cursors, recent messages and the conversation list are kept across
   * restarts: `indexedDbStorage({name})` in browsers, `fileStorage(path)` in Node. By default
   * memory, and nothing survives the process.
   */
  storage?: StorageAdapter;
  /** Messages cached per conversation (the latest ones). Default 200; 0 caches none. */
  cacheMessages?: number;
  /**
   * Who is logging in, when the app knows (it does after a login). With storage, data stored
   * for anyone else is deleted before `restore()` reads anything, and stored sends may upload
   * their files before the server has said who the token is. Without it, the first `ready`
   * decides, and stored files wait for it.
   */
  userId?: number;
}

/** A send not answered by the server yet, as `queuedSends()` and `restore()` list it. */
export interface QueuedSend {
  clientId: string;
  target: Target;
  content: string;
  /** When `send()` was called (ISO 8601), in this runtime or an earlier one. */
  createdAt: string;
  /** Its files that are uploaded (or named by id: then only `id` is known). */
  attachments: (Attachment | { id: number })[];
  /** Its files still to upload. */
  uploads: { name: string; type: string; size: number }[];
  replyTo?: ReplyTo | number;
  threadRootId?: number;
  mentions?: number[];
  /** Settles as `send()`'s promise does. */
  result: Promise<SendAck>;
}

/** What `restore()` read from storage. */
export interface RestoredState {
  /** Whose data it is (the user of the last connection), if any is stored. */
  userId: number | undefined;
  /** The conversation list's first page as last seen (kept current with the messages since). */
  conversations: Conversation[];
  /** The sends that were not answered, oldest first: they go out once connected, in order. */
  sends: QueuedSend[];
}

export interface SendOptions {
  /** Resending with the same id stores the message once (made up when not given). */
  clientId?: string;
  /**
   * Files to send with it (1-10, each once): what `upload()` resolved with, their ids, or
   * files to upload (`Blob`, `File`, `Uint8Array`): those are uploaded in order before the
   * send goes out, kept in storage until they are (see `upload_progress`).
   */
  attachments?: readonly (Attachment | number | Blob | Uint8Array)[];
  /** Users to mention (0-50 ids); `@username` in the content mentions too. Only members are kept. */
  mentions?: readonly number[];
  /**
   * The message to quote: the message itself (the sender's own copy then shows the quote at
   * once), or its id.
   */
  replyTo?: Message | number;
  /** Post into this message's thread (a top-level message of the same conversation). */
  threadRootId?: number;
}

/** A thread root's counters moved: a reply to it arrived, or one the client saw was deleted. */
export interface ThreadUpdate {
  conversation_id: number;
  root_id: number;
  reply_count: number;
  /** Absent once the root has no reply left. */
  last_reply_at?: string;
}

export interface SendAck {
  clientId: string;
  id: number;
  conversationId: number;
  seq: number;
  timestamp: string;
  /** The server had stored this client_id before (a resend). */
  duplicate: boolean;
}

export interface ChatClientEvents extends Record<string, unknown> {
  message: Message;
  message_updated: MessageUpdatedFrame;
  message_deleted: MessageDeletedFrame;
  receipt: ReceiptFrame;
  typing: TypingEventFrame;
  status: StatusUpdateFrame;
  /** Users were added to a group (or a group was created with the user in it). */
  member_joined: MemberJoinedFrame;
  /** A member left or was removed; the removed user gets this too (and no message after). */
  member_left: MemberLeftFrame;
  conversation_updated: ConversationUpdatedFrame;
  /** A message was pinned in one of the user's conversations. */
  pinned: PinnedFrame;
  /** A message was unpinned (or deleted while pinned). */
  unpinned: UnpinnedFrame;
  /** The user's unread mentions in a conversation changed (see `mentionCount`). */
  mention_count: { conversation_id: number; mention_count: number };
  /** A member added or removed a reaction; `reactions` is the message's list after it, `me` included. */
  reaction: ReactionFrame & { reactions: Reaction[] };
  /**
   * A thread root's `reply_count` / `last_reply_at` changed (the server sends no frame for the
   * root). For roots the client has seen: in a message, `history()` or `thread()`.
   */
  thread_updated: ThreadUpdate;
  state: ConnectionState;
  /** The files of a send are uploading: bytes sent so far of all its files. */
  upload_progress: { client_id: string; loaded: number; total: number };
  /** A send left by a closed tab of the same store, taken over by this one (it goes out from here). */
  send_adopted: QueuedSend;
  /**
   * Something the server refused that no promise was waiting for (a `read` of a conversation
   * one left, …), and an AuthError whenever the token is refused, by the socket or over HTTP.
   */
  error: ChatClientError;
}

const PAGE = 1000;
/** How often a runtime looks for sends left by a closed tab (also at every connection). */
const ADOPT_EVERY_MS = 10_000;

/** A send this runtime is responsible for, with its stored record. */
interface OwnSend {
  record: OutboxRecord;
  result: Promise<SendAck>;
  /** Read back from storage, not sent by a call in this runtime. */
  restored: boolean;
  /** Stops its uploads when it is settled. */
  abort: AbortController;
}

/**
 * A ChatApp connection that survives networks: it reconnects with backoff, resumes every
 * conversation without gaps, emits each message once and in seq order, and resends
 * unacknowledged sends with their original client_id, so the server stores each once.
 */
export class ChatClient extends Emitter<ChatClientEvents> {
  /** Every HTTP endpoint, with this client's token (the directory, conversations, edits, search). */
  readonly api: HttpApi;
  /** The socket, its token, heartbeat and reconnects; this class handles what travels over it. */
  private readonly connection: Connection;
  private readonly backoff: BackoffOptions;
  private readonly queue: SendQueue<SendAck>;
  private readonly lanes = new Lanes();
  private readonly streams = new Map<number, ConversationStream>();
  /**
   * Per conversation, its roots' reply counters (each bounded); its stream shares them. Kept
   * apart from the streams: reading history must not start a stream, which sets where the
   * conversation resumes.
   */
  private readonly threadCounts = new Map<number, ThreadCounts>();
  private readonly reads = new Map<number, number>();
  private readonly mentions = new MentionCounts();
  /**
   * The attachments of unacknowledged sends that were given as objects, by client_id: the
   * sender's own copy of the message (made from the ack) carries them.
   */
  private readonly sentFiles = new Map<string, readonly Attachment[]>();
  /** The quotes of sends awaiting their ack, by client_id: the sender's own copy shows them. */
  private readonly quotes = new Map<string, ReplyTo>();
  private me: number | undefined;
  /** The outbox, cursors and caches as stored (see offline/local-store.ts). */
  private readonly local: LocalStore;
  private restoring: Promise<RestoredState> | undefined;
  /** This runtime's unanswered sends, oldest first, by client_id. */
  private readonly sends = new Map<string, OwnSend>();
  /** Streams made from stored cursors: another user's, if the server says so at `ready`. */
  private readonly restoredStreams = new Set<number>();
  private adoptTimer: ReturnType<typeof setInterval> | undefined;
  /**
   * While `connect()` reads storage: nothing is on the wire yet, and the stored sends it finds
   * go ahead of sends made meanwhile, which are newer.
   */
  private gate: Promise<void> | undefined;
  private readonly expectedUser: number | undefined;
  /** Resolves once the user is known to own what storage held (see `userId`). */
  private readonly confirmed: Promise<void>;
  private confirm: () => void = () => {};

  constructor(options: ChatClientOptions) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.connection = new Connection(
      {
        url: options.url,
        token: options.token,
        WebSocket: options.WebSocket,
        backoff: this.backoff,
        pingIntervalMs: options.pingIntervalMs,
        pongTimeoutMs: options.pongTimeoutMs,
      },
      {
        ready: (frame, first) => this.onReady(frame, first),
        frame: (frame) => this.handle(frame),
        state: (state) => this.emit("state", state),
        error: (err) => this.emit("error", err),
        stopped: (reason) => this.queue.rejectAll(reason),
        checkToken: () => this.api.get("/api/me"),
      },
    );
    this.api = new HttpApi(
      options.httpUrl ?? httpBase(options.url),
      () => this.connection.token(),
      () => this.connection.refreshToken(),
      options.fetch,
      undefined,
      // A token refused over HTTP ends the session as one refused by the socket does.
      (err) => this.emit("error", err),
    );
    this.queue = new SendQueue<SendAck>({
      timeoutMs: options.sendTimeoutMs ?? 60_000,
      onTimeout: (e) => {
        // Withdrawn before it ever went out: it will never be stored, so it is not kept either.
        if (!e.transmitted) this.forgetSend(e.clientId);
        return new ChatClientError(
          "timeout",
          `no acknowledgement for send ${e.clientId} in time; retry with the same clientId to avoid a duplicate`,
          undefined,
          e.clientId,
        );
      },
      onDue: () => this.pump(),
      backoff: this.backoff,
    });
    for (const [id, seq] of Object.entries(options.cursors ?? {})) {
      this.streams.set(Number(id), new ConversationStream(Number(id), seq));
    }
    this.expectedUser = options.userId;
    this.confirmed = new Promise<void>((resolve) => {
      this.confirm = resolve;
    });
    if (options.userId !== undefined) this.confirm();
    this.local = new LocalStore(options.storage ?? memoryStorage(), options.cacheMessages ?? 200, (err) =>
      this.emit("error", storageError(`local storage failed: ${err instanceof Error ? err.message : String(err)}`, err)),
    );
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** The authenticated user's id, once connected. */
  get userId(): number | undefined {
    return this.me;
  }

  /** Sends not acknowledged yet (queued while offline, or awaiting their ack). */
  get pendingSends(): number {
    return this.queue.size;
  }

  /**
   * Connects, and keeps connected until `close()`. Resolves once the server has said `ready`;
   * rejects with AuthError if the token is refused (the client then stops).
   */
  async connect(): Promise<void> {
    const gate = (async () => {
      await this.restore();
      await this.local.hold();
      // After a close(), what it left stored is queued again before any new send.
      await this.adoptOrphans();
    })();
    this.gate = gate;
    try {
      await gate;
    } finally {
      if (this.gate === gate) this.gate = undefined;
    }
    this.adoptTimer ??= setInterval(() => void this.adoptOrphans(), ADOPT_EVERY_MS);
    (this.adoptTimer as { unref?: () => void }).unref?.();
    return this.connection.connect();
  }

  /**
   * Stops: closes the socket, rejects unacknowledged sends with code `closed`. They stay in
   * storage, and a client made later on the same storage sends them. The promise resolves
   * once what was waiting is written (await it before closing the storage or exiting).
   */
  close(): Promise<void> {
    this.gate = undefined;
    clearInterval(this.adoptTimer);
    this.adoptTimer = undefined;
    this.connection.close();
    // Rejected with `closed` but kept in storage: the next connect() (of this client or a
    // later one) queues them again, so they are this runtime's no longer.
    for (const own of this.sends.values()) own.abort.abort();
    this.sends.clear();
    // Another tab may take them over from now on.
    return this.local.flush().then(() => {
      if (!this.connection.running && this.gate === undefined) this.local.release();
    });
  }

  /**
   * Reads what storage holds (once; `connect()` does it too): the cursors resume from it, the
   * unanswered sends are queued again, and the cached conversation list is returned with them,
   * so a UI can show them before the network answers.
   */
  restore(): Promise<RestoredState> {
    this.restoring ??= this.load();
    return this.restoring;
  }

  /** The latest messages of a conversation as cached (at most `cacheMessages`), in seq order. */
  cachedMessages(conversationId: number): Promise<Message[]> {
    return this.local.messages(conversationId);
  }

  /** The cached conversation list (after `restore()`), kept current with the messages since. */
  cachedConversations(): Conversation[] {
    return this.local.conversations();
  }

  /** This runtime's unanswered sends, oldest first (restored ones included). */
  queuedSends(): QueuedSend[] {
    return [...this.sends.values()].map((s) => queuedSend(s.record, s.result));
  }

  /**
   * For logging out: closes the client and deletes everything stored (the outbox too, so
   * unanswered sends are dropped). The client is done; make a new one to log in again.
   */
  async clearLocalData(): Promise<void> {
    void this.close();
    for (const own of this.sends.values()) own.abort.abort();
    this.sends.clear();
    await this.local.clear();
    await this.local.close();
  }

  /**
   * Sends a message to a user (`{receiverId}`) or a conversation (`{conversationId}`).
   * Resolves with the ack once the server has stored it. The sends to one conversation are
   * stored in the order of the calls: each goes out once the one before it is answered, and
   * `rate_limited`, `unavailable`, reconnects and restarts only delay them. While offline
   * the send waits in a queue and goes out on reconnect; a resend keeps its client_id, so it
   * is stored once. Rejects with ChatClientError on a refusal for good (`forbidden`,
   * `not_found`, `too_large`, `invalid_frame`; the sends after it still go out), on
   * `timeout`, or when the client is closed. The sender's own copy (a `message` event, made
   * from the ack) carries `attachments` given as objects; for ones given by id, the stored
   * message is fetched instead.
   */
  send(target: Target, content: string, options: SendOptions = {}): Promise<SendAck> {
    if (!this.connection.running && this.gate === undefined) {
      return Promise.reject(new ChatClientError("closed", "call connect() before send()"));
    }
    const clientId = options.clientId ?? newClientId();
    const replyTo = options.replyTo;
    const record: OutboxRecord = {
      key: KEYS.outbox(this.local.nextOrder(), clientId),
      clientId,
      owner: this.local.owner,
      createdAt: new Date().toISOString(),
      target: "receiverId" in target ? { receiverId: target.receiverId } : { conversationId: target.conversationId },
      content,
      files: (options.attachments ?? []).map(outboxFile),
      ...(options.mentions && options.mentions.length > 0 ? { mentions: [...options.mentions] } : {}),
      ...(replyTo === undefined ? {} : { replyTo: typeof replyTo === "number" ? replyTo : quoteOf(replyTo) }),
      ...(options.threadRootId === undefined ? {} : { threadRootId: options.threadRootId }),
    };
    // The server cannot name the send it refuses for these: refused here, or its lane would wait for an answer forever.
    if (clientId.length === 0 || clientId.length > LIMITS.maxClientIdChars) {
      return Promise.reject(new ChatClientError("invalid_frame", `a clientId has 1 to ${LIMITS.maxClientIdChars} characters`));
    }
    // The server does not echo an id that is not well-formed Unicode (a lone surrogate).
    if (!isWellFormedText(clientId)) {
      return Promise.reject(new ChatClientError("invalid_frame", "a clientId must be well-formed Unicode (no lone surrogates)"));
    }
    // Files still to upload count with the largest id they may get.
    const sized = sendFrame({ ...record, files: record.files.map((f) => ("file" in f ? { id: Number.MAX_SAFE_INTEGER } : f)) });
    if (new TextEncoder().encode(sized).length > LIMITS.maxFrameBytes) {
      return Promise.reject(new ChatClientError("too_large", `the send is larger than ${LIMITS.maxFrameBytes} bytes`));
    }
    const pending = this.queue.get(clientId);
    if (pending && !pending.abandoned) {
      return Promise.reject(new ChatClientError("invalid_frame", `client_id ${clientId} is already pending`));
    }
    // Taken up again after a timeout: the stored record it already has is the one to keep.
    const stored = pending ? this.sends.get(clientId)?.record : undefined;
    if (!stored) this.local.putOutbox(record);
    return this.enqueue(stored ?? record, false);
  }

  /** Marks the conversation read up to `seq` (sent now, or on reconnect). */
  markRead(conversationId: number, seq: number): void {
    if ((this.reads.get(conversationId) ?? 0) >= seq) return;
    this.reads.set(conversationId, seq);
    this.local.noteRead(conversationId, seq);
    this.readMentions(conversationId, seq);
    this.connection.transmit(JSON.stringify({ type: "read", conversation_id: conversationId, seq }));
  }

  /** Tells the other members the user is typing (dropped while offline: it is ephemeral). */
  typing(conversationId: number): void {
    this.connection.transmit(JSON.stringify({ type: "typing", conversation_id: conversationId }));
  }

  /** Older messages of a conversation, in seq order: the page before `before` (a seq). */
  async history(
    conversationId: number,
    options: { before?: number; limit?: number } = {},
  ): Promise<ConversationMessagesResponse> {
    const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
    if (options.before !== undefined) query.set("before_seq", String(options.before));
    const page = await this.api.get<ConversationMessagesResponse>(`/api/conversations/${conversationId}/messages?${query}`);
    // The latest page is what a UI shows first: cached, it shows before the network answers next time.
    if (options.before === undefined) this.local.latestPage(conversationId, page.messages);
    this.seedReactions(conversationId, page.messages);
    this.threadsOf(conversationId).observe(page.messages);
    return page;
  }

  /**
   * A page of a thread: its root and replies in seq order (`after`/`before`: seqs, as in
   * `history`). The root's counters are remembered, so `thread_updated` follows its replies.
   */
  async thread(
    conversationId: number,
    rootId: number,
    paging: { after?: number; before?: number; limit?: number } = {},
  ): Promise<ThreadMessagesResponse> {
    const page = await this.api.thread(conversationId, rootId, paging);
    this.threadsOf(conversationId).observe([page.root]);
    this.seedReactions(conversationId, [page.root, ...page.messages]);
    return page;
  }

  /** The user's conversations, most recently active first. */
  async conversations(options: { limit?: number } = {}): Promise<Conversation[]> {
    const list = await this.api.get<Conversation[]>(`/api/conversations?limit=${options.limit ?? 50}`);
    this.local.setConversations(list);
    return list;
  }

  /**
   * Uploads a file and resolves with its attachment (see `HttpApi.upload`: progress, cancel).
   * Works without an open socket: it goes over HTTP with the client's token.
   */
  upload(file: Blob | Uint8Array, options: UploadOptions = {}): Promise<Attachment> {
    return this.api.upload(file, options);
  }

  /** The conversation's pins, newest first (each with its message). */
  pins(conversationId: number): Promise<Pin[]> {
    return this.api.pins(conversationId);
  }

  /** Pins a message (owners of a group; either member of a direct conversation). */
  pin(conversationId: number, messageId: number): Promise<Pin> {
    return this.api.pin(conversationId, messageId);
  }

  unpin(conversationId: number, messageId: number): Promise<void> {
    return this.api.unpin(conversationId, messageId);
  }

  /** Blocks a user: no direct messages either way while it lasts; groups are unaffected. */
  block(userId: number): Promise<void> {
    return this.api.block(userId);
  }

  /** Lifts a block (fine when there was none). */
  unblock(userId: number): Promise<void> {
    return this.api.unblock(userId);
  }

  /** The users this user blocks, newest first: `[{user_id, created_at}]`. */
  listBlocks(): Promise<Block[]> {
    return this.api.listBlocks();
  }

  /** Mutes a conversation's notifications, until `until` or, without it, until `unmute`. */
  mute(conversationId: number, until?: Date | string): Promise<MuteResponse> {
    return this.api.mute(conversationId, until);
  }

  /** Ends a mute (fine when not muted). */
  unmute(conversationId: number): Promise<void> {
    return this.api.unmute(conversationId);
  }

  /** The server's VAPID public key (base64url): the `applicationServerKey` to subscribe with. */
  vapidPublicKey(): Promise<string> {
    return this.api.vapidPublicKey();
  }

  /** Registers a browser's push subscription (`PushSubscription.toJSON()` as it is) for this user. */
  subscribePush(subscription: PushSubscriptionJsonLike): Promise<PushSubscription> {
    return this.api.subscribePush(subscription);
  }

  /** This user's push subscriptions: `[{id, endpoint, created_at}]`. */
  pushSubscriptions(): Promise<PushSubscription[]> {
    return this.api.pushSubscriptions();
  }

  /** Removes one of this user's push subscriptions (`not_found` when it is not theirs). */
  deletePushSubscription(id: number): Promise<void> {
    return this.api.deletePushSubscription(id);
  }

  /**
   * The user's unread mentions in a conversation: the `ready` frame's `mention_count`, plus
   * mentions received since, less those read (here or on another device) or deleted.
   */
  mentionCount(conversationId: number): number {
    return this.mentions.count(conversationId);
  }

  /**
   * Adds the user's reaction to a message: over the socket when it is open (the `reaction`
   * event that follows is the confirmation; a refusal comes as an `error` event), over HTTP
   * otherwise (then the promise rejects on a refusal).
   */
  async react(messageId: number, emoji: string): Promise<void> {
    await this.changeReaction("react", messageId, emoji);
  }

  /** Takes the user's reaction back, like `react`. */
  async unreact(messageId: number, emoji: string): Promise<void> {
    await this.changeReaction("unreact", messageId, emoji);
  }

  /** A message's reactions as the client knows them now (kept current by `reaction` frames). */
  reactionsOf(conversationId: number, messageId: number): Reaction[] {
    return this.streams.get(conversationId)?.reactions.of(messageId) ?? [];
  }

  /** The highest seq emitted per conversation: save it, and pass it back as `cursors` to resume later. */
  cursors(): Record<number, number> {
    return Object.fromEntries([...this.streams].map(([id, s]) => [id, s.lastSeq]));
  }

  /**
   * Drops the connection as a network failure would (no closing handshake where the
   * WebSocket implementation allows it); the client reconnects by itself. For tests and demos.
   */
  disconnectAbruptly(): void {
    this.connection.disconnectAbruptly();
  }

  private async changeReaction(type: "react" | "unreact", messageId: number, emoji: string): Promise<void> {
    if (this.connection.writable) {
      this.connection.transmit(JSON.stringify({ type, message_id: messageId, emoji }));
      return;
    }
    const answer = type === "react" ? await this.api.react(messageId, emoji) : await this.api.unreact(messageId, emoji);
    this.stream(answer.conversation_id).reactions.update(messageId, answer.reactions);
  }

  /** Reads storage: cursors, then the stored sends, queued again in the order they were made. */
  private async load(): Promise<RestoredState> {
    let loaded: LoadedState = { userId: undefined, cursors: new Map(), conversations: [], outbox: [], peers: new Map() };
    try {
      loaded = await this.local.load(this.expectedUser);
    } catch (err) {
      // Unreadable storage (a broken database, a locked file): the client works without what it held.
      this.emit("error", storageError(`could not read local storage: ${err instanceof Error ? err.message : String(err)}`, err));
    }
    for (const [id, seq] of loaded.cursors) {
      if (this.streams.has(id)) continue;
      this.stream(id, seq);
      this.restoredStreams.add(id);
    }
    // Direct conversations known by their peer too, so a stored `{receiverId}` send and a new
    // `{conversationId}` one to the same person share a lane (and their order).
    for (const [peer, conversationId] of loaded.peers) this.lanes.learn(peer, conversationId);
    for (const record of loaded.outbox) this.restoreSend(record);
    return { userId: loaded.userId, conversations: loaded.conversations, sends: this.queuedSends() };
  }

  /** Queues a stored send again; a refusal nobody awaits is reported as an `error` event. */
  private restoreSend(record: OutboxRecord): QueuedSend | undefined {
    if (this.sends.has(record.clientId) || this.queue.get(record.clientId)) return undefined;
    const result = this.enqueue(record, true);
    result.catch((err: unknown) => {
      if (err instanceof ChatClientError && err.code !== "closed") this.emit("error", err);
    });
    return queuedSend(record, result);
  }

  /** The direct conversation with `peer` is `conversationId`: for lanes, now and after a restart. */
  private learnPeer(peer: number, conversationId: number): void {
    this.lanes.learn(peer, conversationId);
    this.local.learnPeer(peer, conversationId);
  }

  /** Sends left in storage by a tab that is gone become this runtime's. */
  private async adoptOrphans(): Promise<void> {
    if (!this.restoring) return;
    try {
      await this.restoring;
      for (const record of await this.local.adopt()) {
        const adopted = this.restoreSend(record);
        if (adopted) this.emit("send_adopted", adopted);
      }
    } catch (err) {
      this.emit("error", storageError(`could not read the outbox: ${err instanceof Error ? err.message : String(err)}`, err));
    }
  }

  /**
   * Queues a send (its lane keeps call order), after uploading its files when it has some
   * to upload. Settled by the server's answer; see `forgetSend` for when it leaves storage.
   */
  private enqueue(record: OutboxRecord, restored: boolean): Promise<SendAck> {
    const { clientId } = record;
    const uploading = filesToUpload(record) > 0;
    this.rememberOwnCopy(record);
    const abort = new AbortController();
    const result = new Promise<SendAck>((resolve, reject) => {
      const lane = this.lanes.of(record.target, (l) => this.queue.busy(l));
      // A stored send has no timeout: nobody in this runtime asked for one, and it waits for
      // the server however long it is away.
      this.queue.add(
        { clientId, lane, frame: uploading ? "" : sendFrame(record), resolve, reject },
        { preparing: uploading, timeout: !restored, ahead: restored && this.gate !== undefined },
      );
      this.pump();
    }).finally(() => {
      this.sentFiles.delete(clientId);
      this.quotes.delete(clientId);
      // Given up on after a timeout, it is still resent (and kept) until the server answers.
      if (this.queue.get(clientId)) return;
      this.sends.delete(clientId);
      abort.abort();
    });
    this.sends.set(clientId, { record, result, restored, abort });
    if (uploading) void this.prepare(record, restored, abort.signal);
    return result;
  }

  /** What the sender's own copy of the message (made from the ack) shows: the files and the quote. */
  private rememberOwnCopy(record: OutboxRecord): void {
    const files = record.files.flatMap((f) => ("attachment" in f ? [f.attachment] : []));
    if (files.length > 0 && files.length === record.files.length) this.sentFiles.set(record.clientId, files);
    if (record.replyTo !== undefined && typeof record.replyTo !== "number") this.quotes.set(record.clientId, record.replyTo);
  }

  /** Uploads a send's files, storing each as it is done, then lets the send go out. */
  private async prepare(record: OutboxRecord, restored: boolean, signal: AbortSignal): Promise<void> {
    const { clientId } = record;
    try {
      // A stored file goes to the server only once it is known to be this user's.
      if (restored) await Promise.race([this.confirmed, aborted(signal)]);
      const done = await uploadFiles(
        record,
        {
          upload: (file, name, onProgress, abort) => this.api.upload(file, { name, onProgress, signal: abort }),
          stored: (next) => {
            const own = this.sends.get(clientId);
            if (own) own.record = next;
            this.local.putOutbox(next);
          },
          progress: (loaded, total) => this.emit("upload_progress", { client_id: clientId, loaded, total }),
        },
        this.backoff,
        signal,
      );
      this.rememberOwnCopy(done);
      this.queue.prepared(clientId, sendFrame(done));
    } catch (err) {
      if (signal.aborted) return;
      // A refused token ends the session, not the send: it stays stored for the next login.
      // Refused for good otherwise (too large, empty): nothing was sent, and nothing will be.
      if (!(err instanceof AuthError)) this.forgetSend(clientId);
      if (this.queue.reject(clientId, err instanceof Error ? err : new Error(String(err)))) this.pump();
    }
  }

  /** The server answered the send for good (or it never went out and was withdrawn): storage lets it go. */
  private forgetSend(clientId: string): void {
    const own = this.sends.get(clientId);
    if (!own) return;
    this.local.removeOutbox(own.record);
    this.sends.delete(clientId);
  }

  /**
   * The stored data was another user's (this storage was not cleared at a logout): it is gone,
   * and that user's sends are refused here rather than sent under this user's token.
   */
  private dropOtherUsersData(): void {
    for (const id of this.restoredStreams) this.streams.delete(id);
    for (const own of [...this.sends.values()]) {
      // This user's own sends, made since restore(), are stored again after the clearing.
      if (!own.restored) {
        this.local.putOutbox(own.record);
        continue;
      }
      own.abort.abort();
      this.queue.reject(own.record.clientId, new ChatClientError("closed", "this send was stored for another user: dropped"));
    }
  }

  /** Puts on the wire the sends whose turn it is (see SendQueue). */
  private pump(): void {
    if (!this.connection.writable) return;
    for (const entry of this.queue.due()) this.connection.transmit(entry.frame);
  }

  // --- frames -------------------------------------------------------------------------

  private handle(frame: AnyServerFrame): void {
    switch (frame.type) {
      case "message": {
        const { type: _type, ...message } = frame;
        // A message without a sender (an admin notice) names no one to learn a lane for.
        if (message.receiver_id !== undefined && message.sender_id !== null) {
          this.learnPeer(message.sender_id === this.me ? message.receiver_id : message.sender_id, message.conversation_id);
        }
        this.accept(message);
        return;
      }
      case "ack": {
        const pending = this.queue.get(frame.client_id);
        if (!pending) {
          // A send this client gave up on (timeout) was stored after all: fetch it in order.
          const stream = this.stream(frame.conversation_id);
          stream.knowUpTo(frame.seq);
          this.fillGap(stream);
          return;
        }
        const sent = JSON.parse(pending.frame) as {
          receiver_id?: number;
          content: string;
          attachments?: number[];
          thread_root_id?: number;
        };
        const files = this.sentFiles.get(frame.client_id);
        const duplicate = (frame as { duplicate?: boolean }).duplicate === true;
        const receiverId = frame.receiver_id ?? sent.receiver_id;
        if (receiverId !== undefined) this.learnPeer(receiverId, frame.conversation_id);
        this.forgetSend(frame.client_id);
        this.queue.resolve(frame.client_id, {
          clientId: frame.client_id,
          id: frame.id,
          conversationId: frame.conversation_id,
          seq: frame.seq,
          timestamp: frame.timestamp,
          duplicate,
        });
        if (sent.attachments && !files) {
          // Sent by id (or given up on and stored after all): the stored message, fetched in
          // order, is the only copy with the attachments' names, types and sizes.
          const stream = this.stream(frame.conversation_id);
          stream.knowUpTo(frame.seq);
          this.fillGap(stream);
          this.pump();
          return;
        }
        // The sending socket gets the ack instead of the message: the client's own copy.
        const own: Message = {
          id: frame.id,
          conversation_id: frame.conversation_id,
          seq: frame.seq,
          sender_id: this.me ?? 0,
          content: sent.content,
          timestamp: frame.timestamp,
          status: "sent",
          client_id: frame.client_id,
        };
        if (receiverId !== undefined) own.receiver_id = receiverId;
        if (files) own.attachments = [...files];
        if (sent.thread_root_id !== undefined) own.thread_root_id = sent.thread_root_id;
        const quote = this.quotes.get(frame.client_id);
        if (quote) own.reply_to = quote;
        if (frame.mentions) own.mentions = frame.mentions;
        this.accept(own);
        this.pump();
        return;
      }
      case "error":
        this.onError(frame);
        return;
      case "receipt":
        if (frame.user_id === this.me) this.readMentions(frame.conversation_id, frame.read_seq);
        this.emit("receipt", frame);
        return;
      case "typing":
        this.emit("typing", frame);
        return;
      case "status_update":
        this.emit("status", frame);
        return;
      case "message_updated": {
        this.stream(frame.conversation_id).reactions.seed(frame);
        const { type: _type, ...message } = frame;
        this.local.patchMessage(frame.conversation_id, frame.seq, message);
        this.emit("message_updated", frame);
        return;
      }
      case "reaction": {
        const reactions = this.stream(frame.conversation_id).reactions.apply(frame, this.me);
        this.local.patchMessageById(frame.conversation_id, frame.message_id, { reactions });
        this.emit("reaction", { ...frame, reactions });
        return;
      }
      case "message_deleted": {
        this.local.patchMessage(frame.conversation_id, frame.seq, DELETED_FIELDS);
        if (this.mentions.deleted(frame.conversation_id, frame.seq)) this.emitMentions(frame.conversation_id);
        this.emit("message_deleted", frame);
        const count = this.threadCounts.get(frame.conversation_id)?.deleted(frame.id);
        if (count) this.emitThread(frame.conversation_id, count);
        return;
      }
      case "member_joined":
        this.emit("member_joined", frame);
        return;
      case "member_left":
        this.emit("member_left", frame);
        return;
      case "conversation_updated":
        this.emit("conversation_updated", frame);
        return;
      case "pinned":
        this.emit("pinned", frame);
        return;
      case "unpinned":
        this.emit("unpinned", frame);
        return;
    }
  }

  /** The connection is writable again: resend, re-mark read, and fetch what was missed. */
  private onReady(frame: ReadyFrame, first: boolean): void {
    this.me = frame.user_id;
    if (this.local.setUser(frame.user_id)) this.dropOtherUsersData();
    this.confirm();
    this.restoredStreams.clear();
    void this.adoptOrphans();
    for (const id of this.mentions.ready(frame.conversations)) this.emitMentions(id);
    for (const c of frame.conversations) {
      const stream = this.streams.get(c.id) ?? this.stream(c.id, first ? c.delivered_seq : 0);
      stream.knowUpTo(c.last_seq);
    }
    // Unacknowledged sends go out again, each lane's oldest, with their original client_id.
    this.queue.reconnected();
    this.pump();
    for (const [conversationId, seq] of this.reads) {
      this.connection.transmit(JSON.stringify({ type: "read", conversation_id: conversationId, seq }));
    }
    for (const stream of this.streams.values()) this.fillGap(stream);
  }

  private onError({ code, message, client_id: clientId, retry_after_ms: retryAfterMs }: ErrorFrame): void {
    const pending = clientId === undefined ? undefined : this.queue.get(clientId);
    if (!pending) {
      this.emit("error", new ChatClientError(code, message));
      return;
    }
    // Not stored (or not known to be): the same send goes out again, with its client_id,
    // before anything behind it in its conversation.
    if (code === "rate_limited") {
      this.queue.rateLimited(pending.clientId, retryAfterMs);
    } else if (code === "unavailable") {
      this.queue.unavailable(pending.clientId);
    } else {
      this.forgetSend(pending.clientId);
      this.queue.reject(pending.clientId, new ChatClientError(code, message, undefined, pending.clientId));
      this.pump();
    }
  }

  /**
   * Messages read over HTTP: their reactions are known from here on (see reactionsOf). Only
   * for a conversation the client follows: making its stream here would move where it starts.
   */
  private seedReactions(conversationId: number, messages: readonly Message[]): void {
    const reactions = this.streams.get(conversationId)?.reactions;
    for (const message of messages) reactions?.seed(message);
  }

  private threadsOf(conversationId: number): ThreadCounts {
    let counts = this.threadCounts.get(conversationId);
    if (!counts) {
      counts = new ThreadCounts();
      this.threadCounts.set(conversationId, counts);
    }
    return counts;
  }

  private stream(conversationId: number, startAfter = 0): ConversationStream {
    let stream = this.streams.get(conversationId);
    if (!stream) {
      stream = new ConversationStream(conversationId, startAfter, this.threadsOf(conversationId));
      this.streams.set(conversationId, stream);
    }
    return stream;
  }

  private accept(message: Message): void {
    const stream = this.stream(message.conversation_id);
    this.emitMessages(stream, stream.accept(message));
    this.fillGap(stream);
  }

  /** Emits messages in order, each thread reply followed by its root's new counters; mentions are counted first. */
  private emitMessages(stream: ConversationStream, messages: Message[]): void {
    for (const m of messages) {
      if (this.mentions.message(m, this.me)) this.emitMentions(m.conversation_id);
      this.emit("message", m);
      const count = stream.threads.reply(m);
      if (count) this.emitThread(stream.conversationId, count);
    }
    if (messages.length > 0) this.local.emitted(stream.conversationId, messages, stream.lastSeq, this.me);
  }

  private emitThread(conversationId: number, count: ThreadCount): void {
    const update: ThreadUpdate = { conversation_id: conversationId, root_id: count.rootId, reply_count: count.replyCount };
    if (count.lastReplyAt !== undefined) update.last_reply_at = count.lastReplyAt;
    this.emit("thread_updated", update);
  }

  private readMentions(conversationId: number, seq: number): void {
    if (this.mentions.read(conversationId, seq)) this.emitMentions(conversationId);
  }

  private emitMentions(conversationId: number): void {
    this.emit("mention_count", { conversation_id: conversationId, mention_count: this.mentions.count(conversationId) });
  }

  /** The gap fetches of every conversation share a few places (see GAP_FETCH_LIMITS). */
  private readonly gapFetches = new FetchLimiter(GAP_FETCH_LIMITS);

  /**
   * Fetches what is missing between what was emitted and what is known to exist. One fetch
   * per conversation and connection, and a few pages of all conversations at once; a failed
   * or refused fetch is retried with backoff while the connection lasts, and a new
   * connection starts its own.
   */
  private fillGap(stream: ConversationStream): void {
    const epoch = this.connection.epoch;
    if (!stream.hasGap || stream.fetchingEpoch === epoch || this.connection.state !== "open") return;
    stream.fetchingEpoch = epoch;
    const current = () => this.connection.epoch === epoch && this.connection.state === "open";
    void (async () => {
      let retry = false;
      try {
        while (stream.hasGap && current()) {
          let after = stream.lastSeq;
          // The turn may come after a reconnect (the new connection fetches), or after the
          // backlog or live messages filled the gap: then nothing is asked, or only what is left.
          const page = await this.gapFetches.run(() => {
            if (!current() || !stream.hasGap) return Promise.resolve(undefined);
            after = stream.lastSeq;
            return this.api.get<ConversationMessagesResponse>(
              `/api/conversations/${stream.conversationId}/messages?after_seq=${after}&limit=${PAGE}`,
            );
          });
          if (!page) break;
          stream.fetchFailures = 0;
          for (const message of page.messages) this.emitMessages(stream, stream.accept(message));
          if (page.messages.length === 0 || (!page.has_more && stream.lastSeq === after)) {
            stream.settle();
            break;
          }
        }
      } catch (err) {
        if (err instanceof AuthError) this.emit("error", err);
        else retry = current();
      } finally {
        if (stream.fetchingEpoch === epoch) stream.fetchingEpoch = undefined;
      }
      if (retry) {
        stream.fetchFailures++;
        const timer = setTimeout(() => this.fillGap(stream), backoffDelay(stream.fetchFailures, this.backoff));
        (timer as { unref?: () => void }).unref?.();
      }
    })();
  }
}

/** A storage failure as an `error` event, with what the storage threw as its `cause`. */
function storageError(message: string, cause: unknown): ChatClientError {
  return Object.assign(new ChatClientError("storage", message), { cause });
}

/** Resolves when the signal aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** What a deleted message keeps: its place, no content (as the server serves it). */
const DELETED_FIELDS = {
  content: "",
  deleted: true,
  edited_at: undefined,
  attachments: undefined,
  link_previews: undefined,
  mentions: undefined,
  reactions: undefined,
};

function outboxFile(a: Attachment | number | Blob | Uint8Array): OutboxFile {
  if (typeof a === "number") return { id: a };
  if (a instanceof Uint8Array) return { file: a, name: "file", type: "application/octet-stream", size: a.byteLength };
  if (typeof Blob !== "undefined" && a instanceof Blob) {
    const name = (a as Blob & { name?: unknown }).name;
    return {
      file: a,
      name: typeof name === "string" && name !== "" ? name : "file",
      type: a.type || "application/octet-stream",
      size: a.size,
    };
  }
  return { attachment: a as Attachment };
}

function queuedSend(record: OutboxRecord, result: Promise<SendAck>): QueuedSend {
  const queued: QueuedSend = {
    clientId: record.clientId,
    target: record.target,
    content: record.content,
    createdAt: record.createdAt,
    attachments: record.files.flatMap((f) => ("attachment" in f ? [f.attachment] : "id" in f ? [{ id: f.id }] : [])),
    uploads: record.files.flatMap((f) => ("file" in f ? [{ name: f.name, type: f.type, size: f.size }] : [])),
    result,
  };
  if (record.replyTo !== undefined) queued.replyTo = record.replyTo;
  if (record.threadRootId !== undefined) queued.threadRootId = record.threadRootId;
  if (record.mentions !== undefined) queued.mentions = record.mentions;
  return queued;
}

function httpBase(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = "";
  url.search = "";
  return url.toString().replace(/\/$/, "");
}

/** A quote as the server makes it: the text cut to 200 characters, none of a deleted message. */
function quoteOf(message: Message): ReplyTo {
  const quote: ReplyTo = { id: message.id, seq: message.seq, sender_id: message.sender_id, content: "" };
  if (message.deleted) quote.deleted = true;
  else quote.content = [...message.content].slice(0, MAX_QUOTE_CHARS).join("");
  return quote;
}

/** 128 random bits as hex: crypto.getRandomValues works in browsers (also on plain http) and Node. */
function newClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
