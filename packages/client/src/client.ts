import {
  type AnyServerFrame,
  CLOSE,
  type Conversation,
  type ConversationMessagesResponse,
  type ConversationUpdatedFrame,
  type ErrorFrame,
  isWellFormedText,
  LIMITS,
  type MemberJoinedFrame,
  type MemberLeftFrame,
  type Message,
  type MessageDeletedFrame,
  type MessageUpdatedFrame,
  type ReadyFrame,
  type ReceiptFrame,
  type StatusUpdateFrame,
  type TypingEventFrame,
} from "@chatapp/protocol";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { ConversationStream } from "./conversation-stream.js";
import { Emitter } from "./emitter.js";
import { AuthError, ChatClientError } from "./errors.js";
import { HttpApi } from "./http-api.js";
import { Lanes, type Target } from "./lanes.js";
import { SendQueue } from "./send-queue.js";

/** The part of the WebSocket API the client uses: the browser's, which `ws` also implements. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: any) => void): void;
  /** `ws` only: drop the connection without a closing handshake. */
  terminate?(): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export type { Target };
export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

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
  state: ConnectionState;
  /**
   * Something the server refused that no promise was waiting for (a `read` of a conversation
   * one left, …), and an AuthError whenever the token is refused, by the socket or over HTTP.
   */
  error: ChatClientError;
}

const PAGE = 1000;
/** A connection that stayed up this long resets the reconnect backoff. */
const STABLE_MS = 5000;

/**
 * A ChatApp connection that survives networks: it reconnects with backoff, resumes every
 * conversation without gaps, emits each message once and in seq order, and resends
 * unacknowledged sends with their original client_id, so the server stores each once.
 */
export class ChatClient extends Emitter<ChatClientEvents> {
  private readonly WS: WebSocketConstructor;
  /** Every HTTP endpoint, with this client's token (the directory, conversations, edits, search). */
  readonly api: HttpApi;
  private readonly backoff: BackoffOptions;
  private readonly queue: SendQueue<SendAck>;
  private readonly lanes = new Lanes();
  private readonly streams = new Map<number, ConversationStream>();
  private readonly reads = new Map<number, number>();
  private ws: WebSocketLike | undefined;
  private epoch = 0;
  private attempt = 0;
  private running = false;
  private readyOnce = false;
  private currentState: ConnectionState = "idle";
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private connectWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private me: number | undefined;
  /** The token the current connection used; HTTP calls reuse it instead of asking the provider each time. */
  private currentToken: string | undefined;
  /** When the current connection became ready: a connection that lasts resets the backoff. */
  private readyAt = 0;

  constructor(private readonly options: ChatClientOptions) {
    super();
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new Error("no WebSocket implementation: pass options.WebSocket (in Node, import the client's Node entry)");
    this.WS = WS;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.api = new HttpApi(
      options.httpUrl ?? httpBase(options.url),
      async () => this.currentToken ?? this.refreshToken(),
      () => this.refreshToken(),
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
    return this.currentState;
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
    const ready = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (!this.running) {
      this.running = true;
      void this.open();
    } else if (this.currentState === "open") {
      this.settleConnect();
    }
    return ready;
  }

  /** Stops: closes the socket, rejects unacknowledged sends with code `closed`. */
  close(): void {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = undefined;
    this.epoch++;
    clearTimeout(this.readyTimer);
    if (ws) {
      ws.close(CLOSE.NORMAL, "client closed");
      // A peer that does not answer the closing handshake must not keep the process alive.
      if (ws.terminate) {
        const terminate = ws.terminate.bind(ws);
        const timer = setTimeout(() => terminate(), 1000);
        (timer as { unref?: () => void }).unref?.();
      }
    }
    this.queue.rejectAll(new ChatClientError("closed", "the client was closed"));
    this.settleConnect(new ChatClientError("closed", "the client was closed"));
    this.setState("closed");
  }

  /**
   * Sends a message to a user (`{receiverId}`) or a conversation (`{conversationId}`).
   * Resolves with the ack once the server has stored it. The sends to one conversation are
   * stored in the order of the calls: each goes out once the one before it is answered, and
   * `rate_limited`, `unavailable`, reconnects and restarts only delay them. While offline
   * the send waits in a queue and goes out on reconnect; a resend keeps its client_id, so it
   * is stored once. Rejects with ChatClientError on a refusal for good (`forbidden`,
   * `not_found`, `too_large`, `invalid_frame`; the sends after it still go out), on
   * `timeout`, or when the client is closed.
   */
  send(target: Target, content: string, options: { clientId?: string } = {}): Promise<SendAck> {
    if (!this.running) return Promise.reject(new ChatClientError("closed", "call connect() before send()"));
    const clientId = options.clientId ?? newClientId();
    const frame = JSON.stringify({
      type: "send",
      ...("receiverId" in target ? { receiver_id: target.receiverId } : { conversation_id: target.conversationId }),
      content,
      client_id: clientId,
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
    return new Promise<SendAck>((resolve, reject) => {
      const pending = this.queue.get(clientId);
      if (pending && !pending.abandoned) {
        return reject(new ChatClientError("invalid_frame", `client_id ${clientId} is already pending`));
      }
      this.queue.add({ clientId, lane: this.lanes.of(target, (lane) => this.queue.busy(lane)), frame, resolve, reject });
      this.pump();
    });
  }

  /** Marks the conversation read up to `seq` (sent now, or on reconnect). */
  markRead(conversationId: number, seq: number): void {
    if ((this.reads.get(conversationId) ?? 0) >= seq) return;
    this.reads.set(conversationId, seq);
    this.transmit(JSON.stringify({ type: "read", conversation_id: conversationId, seq }));
  }

  /** Tells the other members the user is typing (dropped while offline: it is ephemeral). */
  typing(conversationId: number): void {
    this.transmit(JSON.stringify({ type: "typing", conversation_id: conversationId }));
  }

  /** Older messages of a conversation, in seq order: the page before `before` (a seq). */
  history(conversationId: number, options: { before?: number; limit?: number } = {}): Promise<ConversationMessagesResponse> {
    const query = new URLSearchParams({ limit: String(options.limit ?? 50) });
    if (options.before !== undefined) query.set("before_seq", String(options.before));
    return this.api.get<ConversationMessagesResponse>(`/api/conversations/${conversationId}/messages?${query}`);
  }

  /** The user's conversations, most recently active first. */
  conversations(options: { limit?: number } = {}): Promise<Conversation[]> {
    return this.api.get<Conversation[]>(`/api/conversations?limit=${options.limit ?? 50}`);
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
    const ws = this.ws;
    if (!ws) return;
    if (ws.terminate) ws.terminate();
    else ws.close(CLOSE.CLIENT_DROPPED, "dropped by the client");
  }

  // --- connection ---------------------------------------------------------------------

  /** Asks the provider for a token and keeps it for HTTP calls. */
  private async refreshToken(): Promise<string> {
    const token = await this.token();
    this.currentToken = token;
    return token;
  }

  private async token(): Promise<string> {
    const { token } = this.options;
    return typeof token === "function" ? await token() : token;
  }

  private async open(): Promise<void> {
    if (!this.running) return;
    const epoch = ++this.epoch;
    this.setState(this.readyOnce ? "reconnecting" : "connecting");
    let token: string;
    try {
      token = await this.token();
      this.currentToken = token;
    } catch (err) {
      if (err instanceof AuthError) return this.stop(err);
      this.emit(
        "error",
        new ChatClientError("network", `the token provider failed: ${err instanceof Error ? err.message : String(err)}`),
      );
      return this.scheduleReconnect(epoch);
    }
    if (!this.running || epoch !== this.epoch) return;
    let ws: WebSocketLike;
    try {
      // The token travels as a subprotocol: browsers cannot set headers on a WebSocket.
      ws = new this.WS(this.options.url, ["chatapp.v1", `bearer.${token}`]);
    } catch {
      return this.scheduleReconnect(epoch);
    }
    this.ws = ws;
    let opened = false;
    ws.addEventListener("open", () => {
      opened = true;
      // A socket that opens but never says `ready` is as good as dead.
      clearTimeout(this.readyTimer);
      this.readyTimer = setTimeout(() => {
        if (epoch === this.epoch && this.currentState !== "open") this.dropAndReconnect();
      }, this.options.pongTimeoutMs ?? 10_000);
    });
    ws.addEventListener("message", (event: { data: unknown }) => {
      if (epoch !== this.epoch) return;
      let frame: AnyServerFrame;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      this.handle(frame);
    });
    ws.addEventListener("error", () => {});
    ws.addEventListener("close", (event: { code: number }) => {
      if (epoch !== this.epoch) return;
      this.ws = undefined;
      this.stopHeartbeat();
      clearTimeout(this.readyTimer);
      if (!this.running) return;
      if (!opened) {
        // Browsers hide the upgrade's HTTP status: ask the API whether the token is the problem.
        void this.checkToken(epoch);
        return;
      }
      // Only a connection that lasted resets the backoff: a server that accepts and drops
      // at once must not be hammered.
      if (this.readyAt > 0 && Date.now() - this.readyAt >= STABLE_MS) this.attempt = 0;
      this.readyAt = 0;
      if ((event.code === CLOSE.RESTART || event.code === CLOSE.TOKEN_EXPIRED) && this.attempt === 0) {
        // Restarting server, or expired token (the provider is asked again): back at once,
        // spread over a moment so a whole node's clients do not land together.
        this.attempt = 1;
        this.currentToken = undefined;
        this.reconnectTimer = setTimeout(() => void this.open(), Math.random() * 250);
        this.setState("reconnecting");
        return;
      }
      this.scheduleReconnect(epoch);
    });
  }

  private async checkToken(epoch: number): Promise<void> {
    try {
      await this.api.get("/api/me");
    } catch (err) {
      if (err instanceof AuthError) {
        if (epoch === this.epoch) this.stop(err);
        return;
      }
    }
    this.scheduleReconnect(epoch);
  }

  /** The token is refused: stop, and tell everyone waiting. */
  private stop(err: AuthError): void {
    this.running = false;
    this.queue.rejectAll(err);
    this.settleConnect(err);
    this.emit("error", err);
    this.setState("closed");
  }

  /**
   * Gives up on the current socket without waiting for it to close (a dead network may take
   * a minute to say so) and reconnects.
   */
  private dropAndReconnect(): void {
    const ws = this.ws;
    this.ws = undefined;
    const epoch = ++this.epoch;
    this.stopHeartbeat();
    clearTimeout(this.readyTimer);
    if (ws) {
      if (ws.terminate) ws.terminate();
      else ws.close(CLOSE.CLIENT_DROPPED, "no answer from the server");
    }
    this.scheduleReconnect(epoch);
  }

  private scheduleReconnect(epoch: number): void {
    if (!this.running || epoch !== this.epoch) return;
    this.attempt++;
    this.setState("reconnecting");
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.open(), backoffDelay(this.attempt, this.backoff));
  }

  private transmit(frame: string): void {
    if (this.currentState === "open" && this.ws && this.ws.readyState === 1) this.ws.send(frame);
  }

  /** Puts on the wire the sends whose turn it is (see SendQueue). */
  private pump(): void {
    const ws = this.ws;
    if (this.currentState !== "open" || !ws || ws.readyState !== 1) return;
    for (const entry of this.queue.due()) ws.send(entry.frame);
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit("state", state);
  }

  private settleConnect(err?: Error): void {
    for (const w of this.connectWaiters.splice(0)) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const interval = this.options.pingIntervalMs ?? 25_000;
    const timeout = this.options.pongTimeoutMs ?? 10_000;
    this.pingTimer = setInterval(() => {
      // While a pong is awaited, the deadline stands (a timeout longer than the interval works too).
      if (this.pongTimer !== undefined) return;
      this.transmit('{"type":"ping"}');
      this.pongTimer = setTimeout(() => {
        this.pongTimer = undefined;
        this.dropAndReconnect();
      }, timeout);
    }, interval);
  }

  private stopHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  // --- frames -------------------------------------------------------------------------

  private handle(frame: AnyServerFrame): void {
    switch (frame.type) {
      case "ready":
        this.onReady(frame);
        return;
      case "message": {
        const { type: _type, ...message } = frame;
        if (message.receiver_id !== undefined) {
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
        const sent = JSON.parse(pending.frame) as { receiver_id?: number; content: string };
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
        this.accept(own);
        this.pump();
        return;
      }
      case "error":
        this.onError(frame);
        return;
      case "pong":
        clearTimeout(this.pongTimer);
        this.pongTimer = undefined;
        return;
      case "receipt":
        this.emit("receipt", frame);
        return;
      case "typing":
        this.emit("typing", frame);
        return;
      case "status_update":
        this.emit("status", frame);
        return;
      case "message_updated":
        this.emit("message_updated", frame);
        return;
      case "message_deleted":
        this.emit("message_deleted", frame);
        return;
      case "member_joined":
        this.emit("member_joined", frame);
        return;
      case "member_left":
        this.emit("member_left", frame);
        return;
      case "conversation_updated":
        this.emit("conversation_updated", frame);
        return;
    }
  }

  private onReady(frame: ReadyFrame): void {
    this.me = frame.user_id;
    const first = !this.readyOnce;
    this.readyOnce = true;
    for (const c of frame.conversations) {
      const stream = this.streams.get(c.id) ?? this.stream(c.id, first ? c.delivered_seq : 0);
      stream.knowUpTo(c.last_seq);
    }
    this.readyAt = Date.now();
    clearTimeout(this.readyTimer);
    // Open for transmitting before anyone hears of it, so the resends go first and a
    // `state` listener's own sends are not sent twice.
    this.currentState = "open";
    this.startHeartbeat();
    // Unacknowledged sends go out again, each lane's oldest, with their original client_id.
    this.queue.reconnected();
    this.pump();
    for (const [conversationId, seq] of this.reads) {
      this.transmit(JSON.stringify({ type: "read", conversation_id: conversationId, seq }));
    }
    for (const stream of this.streams.values()) this.fillGap(stream);
    this.emit("state", "open");
    this.settleConnect();
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

  private stream(conversationId: number, startAfter = 0): ConversationStream {
    let stream = this.streams.get(conversationId);
    if (!stream) {
      stream = new ConversationStream(conversationId, startAfter);
      this.streams.set(conversationId, stream);
    }
    return stream;
  }

  private accept(message: Message): void {
    const stream = this.stream(message.conversation_id);
    for (const m of stream.accept(message)) this.emit("message", m);
    this.fillGap(stream);
  }

  /**
   * Fetches what is missing between what was emitted and what is known to exist. One fetch
   * per conversation and connection; a failed fetch is retried with backoff while the
   * connection lasts, and a new connection starts its own.
   */
  private fillGap(stream: ConversationStream): void {
    const epoch = this.epoch;
    if (!stream.hasGap || stream.fetchingEpoch === epoch || this.currentState !== "open") return;
    stream.fetchingEpoch = epoch;
    const current = () => this.epoch === epoch && this.currentState === "open";
    void (async () => {
      let retry = false;
      try {
        while (stream.hasGap && current()) {
          const after = stream.lastSeq;
          const page = await this.api.get<ConversationMessagesResponse>(
            `/api/conversations/${stream.conversationId}/messages?after_seq=${after}&limit=${PAGE}`,
          );
          stream.fetchFailures = 0;
          for (const message of page.messages) for (const m of stream.accept(message)) this.emit("message", m);
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

/** 128 random bits as hex: crypto.getRandomValues works in browsers (also on plain http) and Node. */
function newClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
