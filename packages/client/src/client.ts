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
import type { PushSubscriptionJsonLike } from "./push-subscription.js";
import { SendQueue } from "./send-queue.js";
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
}

export interface SendOptions {
  /** Resending with the same id stores the message once (made up when not given). */
  clientId?: string;
  /** Files to send with it: what `upload()` resolved with, or their ids (1-10, each once). */
  attachments?: readonly (Attachment | number)[];
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
  /**
   * Something the server refused that no promise was waiting for (a `read` of a conversation
   * one left, …), and an AuthError whenever the token is refused, by the socket or over HTTP.
   */
  error: ChatClientError;
}

const PAGE = 1000;

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
      onTimeout: (e) =>
        new ChatClientError(
          "timeout",
          `no acknowledgement for send ${e.clientId} in time; retry with the same clientId to avoid a duplicate`,
          undefined,
          e.clientId,
        ),
      onDue: () => this.pump(),
      backoff: this.backoff,
    });
    for (const [id, seq] of Object.entries(options.cursors ?? {})) {
      this.streams.set(Number(id), new ConversationStream(Number(id), seq));
    }
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
  connect(): Promise<void> {
    return this.connection.connect();
  }

  /** Stops: closes the socket, rejects unacknowledged sends with code `closed`. */
  close(): void {
    this.connection.close();
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
    if (!this.connection.running) return Promise.reject(new ChatClientError("closed", "call connect() before send()"));
    const clientId = options.clientId ?? newClientId();
    const attachments = options.attachments?.map((a) => (typeof a === "number" ? a : a.id));
    const replyTo = options.replyTo;
    const frame = JSON.stringify({
      type: "send",
      ...("receiverId" in target ? { receiver_id: target.receiverId } : { conversation_id: target.conversationId }),
      content,
      client_id: clientId,
      ...(attachments && attachments.length > 0 ? { attachments } : {}),
      ...(options.mentions && options.mentions.length > 0 ? { mentions: options.mentions } : {}),
      ...(replyTo === undefined ? {} : { reply_to: typeof replyTo === "number" ? replyTo : replyTo.id }),
      ...(options.threadRootId === undefined ? {} : { thread_root_id: options.threadRootId }),
    });
    // The server cannot name the send it refuses for these: refused here, or its lane would wait for an answer forever.
    if (clientId.length === 0 || clientId.length > LIMITS.maxClientIdChars) {
      return Promise.reject(new ChatClientError("invalid_frame", `a clientId has 1 to ${LIMITS.maxClientIdChars} characters`));
    }
    // The server does not echo an id that is not well-formed Unicode (a lone surrogate).
    if (!isWellFormedText(clientId)) {
      return Promise.reject(new ChatClientError("invalid_frame", "a clientId must be well-formed Unicode (no lone surrogates)"));
    }
    if (new TextEncoder().encode(frame).length > LIMITS.maxFrameBytes) {
      return Promise.reject(new ChatClientError("too_large", `the send is larger than ${LIMITS.maxFrameBytes} bytes`));
    }
    const pending = this.queue.get(clientId);
    if (pending && !pending.abandoned) {
      return Promise.reject(new ChatClientError("invalid_frame", `client_id ${clientId} is already pending`));
    }
    const files = options.attachments?.filter((a): a is Attachment => typeof a !== "number") ?? [];
    if (files.length > 0 && files.length === options.attachments?.length) this.sentFiles.set(clientId, files);
    if (replyTo !== undefined && typeof replyTo !== "number") this.quotes.set(clientId, quoteOf(replyTo));
    return new Promise<SendAck>((resolve, reject) => {
      this.queue.add({ clientId, lane: this.lanes.of(target, (lane) => this.queue.busy(lane)), frame, resolve, reject });
      this.pump();
    }).finally(() => {
      this.sentFiles.delete(clientId);
      this.quotes.delete(clientId);
    });
  }

  /** Marks the conversation read up to `seq` (sent now, or on reconnect). */
  markRead(conversationId: number, seq: number): void {
    if ((this.reads.get(conversationId) ?? 0) >= seq) return;
    this.reads.set(conversationId, seq);
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
  conversations(options: { limit?: number } = {}): Promise<Conversation[]> {
    return this.api.get<Conversation[]>(`/api/conversations?limit=${options.limit ?? 50}`);
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
          this.lanes.learn(message.sender_id === this.me ? message.receiver_id : message.sender_id, message.conversation_id);
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
        if (receiverId !== undefined) this.lanes.learn(receiverId, frame.conversation_id);
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
      case "message_updated":
        this.stream(frame.conversation_id).reactions.seed(frame);
        this.emit("message_updated", frame);
        return;
      case "reaction":
        this.emit("reaction", { ...frame, reactions: this.stream(frame.conversation_id).reactions.apply(frame, this.me) });
        return;
      case "message_deleted": {
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
          const after = stream.lastSeq;
          const path = `/api/conversations/${stream.conversationId}/messages?after_seq=${after}&limit=${PAGE}`;
          // A turn that comes after a reconnect is not used: the new connection fetches.
          const page = await this.gapFetches.run(() =>
            current() ? this.api.get<ConversationMessagesResponse>(path) : Promise.resolve(undefined),
          );
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
