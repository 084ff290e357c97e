import { CLOSE } from "@chatapp/protocol";
import type { WebSocket } from "ws";
import type { BrokerEvent } from "../broker/broker.js";
import type { SendOrder } from "../chat/messaging.js";
import { metrics } from "../metrics.js";

let nextId = 0;

/** How long a reader may take none of its unsent data while more waits for it (then 1013). */
export const DRAIN_TIMEOUT_MS = 10_000;
/** How long a slow reader closed with 1013 has to read the close frame before it is cut. */
const SLOW_CLOSE_GRACE_MS = 2000;
/**
 * Frames that may wait for a socket beyond its bound: a full batch of the message writer
 * (1,000) fits, so a group's burst does not close a reader that keeps up. They are references
 * to strings shared with the event's other recipients, not copies; a reader that lets more
 * pile up is too slow for its traffic.
 */
const MAX_WAITING_FRAMES = 1000;

/**
 * One socket of one user.
 *
 * While the offline backlog is being sent (*syncing*), live events are held and merged into
 * the backlog by seq: before a backlog message of a conversation is written, the held
 * messages of that conversation with a lower seq go first, and no message is written twice.
 * So per conversation a socket receives messages in seq order, whichever way they came.
 *
 * A reader too slow for its traffic is closed with 1013, so it costs bounded memory; it
 * resumes from history on reconnect. ws copies each frame it is given per socket, so it is
 * given frames only while the socket's unsent data is within `maxBufferedBytes`; the rest wait
 * here by reference, in order, and go out as the socket drains. A socket is slow when
 * MAX_WAITING_FRAMES wait, or when it takes nothing for `drainTimeoutMs` while frames wait.
 * While syncing, the live events held back count with the unsent data against the same
 * bound. The kernel's share is bounded apart (send-buffer.ts).
 */
export class Connection {
  readonly id = `c${++nextId}`;
  lastActivity = Date.now();
  /** Serializes the target resolution of this socket's sends, so they are stored in the order sent. */
  readonly sendOrder: SendOrder = { tail: Promise.resolve(), writeTail: Promise.resolve() };
  private syncing = true;
  private corked = false;
  /** When the token the socket was opened with expires (ms): the heartbeat closes it then, with 4001. */
  tokenExpiresAt = Number.POSITIVE_INFINITY;
  /** The code this side closed the socket with (the peer may never read it: ws then reports 1006). */
  closedWith: number | undefined;
  /** Refusals for going over a rate limit since `refusalsSince` (the gateway closes abusers). */
  refusals = 0;
  refusalsSince = 0;
  private held: BrokerEvent[] = [];
  /** Frames past the bound, waiting for the socket to drain (references, in order). */
  private waiting: { frame: string; onWritten: (() => void) | undefined }[] = [];
  private waitingBytes = 0;
  private flushing: Promise<void> | undefined;
  /** The held frames' length: a fair estimate of the bytes they hold. */
  private heldBytes = 0;
  /** While syncing: the highest seq written per conversation. */
  private readonly lastSent = new Map<number, number>();

  constructor(
    readonly ws: WebSocket,
    readonly userId: number,
    private readonly maxBufferedBytes: number,
    private readonly onDelivered: (userId: number, conversationId: number, seq: number) => void,
    /** How long `drained()` waits for a reader that takes none of its unsent data before closing it. */
    private readonly drainTimeoutMs = DRAIN_TIMEOUT_MS,
  ) {}

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** True when the socket has more unsent data than a sender should pile on. */
  get backedUp(): boolean {
    return this.ws.bufferedAmount + this.waitingBytes > this.maxBufferedBytes / 2;
  }

  /**
   * Writes a frame now, or after the frames already waiting (see the class comment);
   * `onWritten` runs once it has been handed to the network.
   */
  send(frame: string, onWritten?: () => void): void {
    if (!this.open) return;
    if (this.waiting.length === 0 && this.ws.bufferedAmount <= this.maxBufferedBytes) {
      this.writeNow(frame, onWritten);
      return;
    }
    if (this.waiting.length >= MAX_WAITING_FRAMES) {
      this.closeSlow();
      return;
    }
    this.waiting.push({ frame, onWritten });
    this.waitingBytes += frame.length;
    this.flushing ??= this.flushWaiting();
  }

  private writeNow(frame: string, onWritten: (() => void) | undefined): void {
    this.cork();
    metrics.frameOut(frame);
    this.ws.send(frame, onWritten && ((err) => err || onWritten()));
  }

  /** Writes the waiting frames as the socket drains, up to the bound each time. */
  private async flushWaiting(): Promise<void> {
    try {
      while (this.open && this.waiting.length > 0) {
        await this.socketDrained();
        while (this.open && this.ws.bufferedAmount <= this.maxBufferedBytes) {
          const next = this.waiting.shift();
          if (!next) break;
          this.waitingBytes -= next.frame.length;
          this.writeNow(next.frame, next.onWritten);
        }
      }
    } finally {
      this.flushing = undefined;
      if (!this.open) this.letGo();
    }
  }

  /**
   * Frames written in one turn of the event loop (a committed batch fans out many) leave in
   * one system call: the socket is corked at the first and uncorked once the turn's
   * synchronous work is done.
   */
  private cork(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (!socket) return;
    this.corked = true;
    socket.cork();
    queueMicrotask(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /** An event from the broker: written now, or held until the backlog has been sent. */
  deliver(event: BrokerEvent): void {
    if (!this.syncing) {
      this.write(event);
      return;
    }
    if (!this.open) return;
    this.held.push(event);
    this.heldBytes += event.frame.length;
    // Held events alone count: the socket's unsent data is mostly the backlog's own, which the
    // backlog keeps under half the bound and which has its drain deadline. Counting it here
    // closed readers that kept up but had a long backlog while live traffic came in.
    if (this.heldBytes > this.maxBufferedBytes) this.closeSlow();
  }

  /** A backlog message: written in its place among the held live messages of its conversation. */
  sendBacklog(message: NonNullable<BrokerEvent["message"]>, frame: string): void {
    if (this.held.length > 0) {
      const rest: BrokerEvent[] = [];
      for (const e of this.held) {
        const m = e.message;
        if (m && m.conversationId === message.conversationId && m.seq < message.seq) {
          this.heldBytes -= e.frame.length;
          this.writeOnce(e);
        } else rest.push(e);
      }
      this.held = rest;
    }
    this.writeOnce({ userIds: [], frame, message });
  }

  /** The backlog is out: write what is still held, except messages already written. */
  finishSync(): void {
    this.syncing = false;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const event of held) this.writeOnce(event);
    this.lastSent.clear();
  }

  /** Resolves once the socket's unsent data (waiting frames included) is at most half the bound, or it closed. */
  async drained(): Promise<void> {
    while (this.open && this.backedUp) {
      if (this.flushing) await this.flushing;
      else await this.socketDrained();
    }
  }

  /**
   * Resolves once what ws and Node hold for the socket is at most half the bound, or it
   * closed. A reader that takes none of it for `drainTimeoutMs` is closed with 1013 (it
   * resumes later): neither a backlog sync nor waiting frames wait for good.
   */
  private async socketDrained(): Promise<void> {
    while (this.open && this.ws.bufferedAmount > this.maxBufferedBytes / 2) {
      const before = this.ws.bufferedAmount;
      await this.drainOrTimeout();
      if (this.open && this.ws.bufferedAmount > this.maxBufferedBytes / 2 && this.ws.bufferedAmount >= before) {
        this.closeSlow();
        return;
      }
    }
  }

  /** Waits for the TCP socket's 'drain' (its buffer emptied), the close, or the deadline. */
  private drainOrTimeout(): Promise<void> {
    const socket = (this.ws as unknown as { _socket?: NodeJS.EventEmitter })._socket;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        socket?.off("drain", done);
        this.ws.off("close", done);
        resolve();
      };
      const timer = setTimeout(done, this.drainTimeoutMs);
      socket?.once("drain", done);
      this.ws.once("close", done);
    });
  }

  /** Closes a reader too slow for its traffic with 1013, letting go of what it holds. */
  private closeSlow(): void {
    this.letGo();
    if (!this.open) return;
    this.close(CLOSE.SLOW_CONSUMER, "slow consumer: reconnect and fetch what you missed");
    // A reader this far behind will not read the close frame soon either: its unsent data
    // is let go after a short grace instead of ws's 30 s closing timeout.
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  /** Drops what this socket holds for later: it will not be written. */
  private letGo(): void {
    this.held = [];
    this.heldBytes = 0;
    this.waiting = [];
    this.waitingBytes = 0;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.closedWith = code;
      this.ws.close(code, reason);
    }
  }

  /** During sync: write a message unless this socket already got it (or a later one of its conversation). */
  private writeOnce(event: BrokerEvent): void {
    const m = event.message;
    if (m) {
      if (m.seq <= (this.lastSent.get(m.conversationId) ?? 0)) return;
      this.lastSent.set(m.conversationId, m.seq);
    }
    this.write(event);
  }

  private write(event: BrokerEvent): void {
    const m = event.message;
    if (m?.createdAt !== undefined) metrics.delivered(m.createdAt);
    if (m && m.senderId !== this.userId) {
      // The delivery cursor moves only for what actually reached the network.
      this.send(event.frame, () => this.onDelivered(this.userId, m.conversationId, m.seq));
    } else {
      this.send(event.frame);
    }
  }
}
