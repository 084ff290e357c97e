import type { WebSocket } from "ws";
import type { BrokerEvent } from "../broker/broker.js";
import type { SendOrder } from "../chat/messaging.js";
import { metrics } from "../metrics.js";

let nextId = 0;

/**
 * One socket of one user.
 *
 * While the offline backlog is being sent (*syncing*), live events are held and merged into
 * the backlog by seq: before a backlog message of a conversation is written, the held
 * messages of that conversation with a lower seq go first, and no message is written twice.
 * So per conversation a socket receives messages in seq order, whichever way they came.
 *
 * A socket whose unsent data passes `maxBufferedBytes` (a reader too slow for its traffic)
 * is closed with 1013, so it costs bounded memory; it resumes from history on reconnect.
 */
export class Connection {
  readonly id = `c${++nextId}`;
  lastActivity = Date.now();
  /** Serializes the target resolution of this socket's sends, so they are stored in the order sent. */
  readonly sendOrder: SendOrder = { tail: Promise.resolve() };
  private syncing = true;
  private corked = false;
  private unsentAtTurnStart = 0;
  /** When the token the socket was opened with expires (ms): the heartbeat closes it then, with 4001. */
  tokenExpiresAt = Number.POSITIVE_INFINITY;
  /** Refusals for going over a rate limit since `refusalsSince` (the gateway closes abusers). */
  refusals = 0;
  refusalsSince = 0;
  private held: BrokerEvent[] = [];
  /** While syncing: the highest seq written per conversation. */
  private readonly lastSent = new Map<number, number>();

  constructor(
    readonly ws: WebSocket,
    readonly userId: number,
    private readonly maxBufferedBytes: number,
    private readonly onDelivered: (userId: number, conversationId: number, seq: number) => void,
  ) {}

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** True when the socket has more unsent data than a sender should pile on. */
  get backedUp(): boolean {
    return this.ws.bufferedAmount > this.maxBufferedBytes / 2;
  }

  /** Writes a frame now; `onWritten` runs once it has been handed to the network. */
  send(frame: string, onWritten?: () => void): void {
    if (!this.open) return;
    // What was still unsent when this turn began: a batch written in one turn (a group's
    // burst) is not held against a reader that keeps up, only data it left behind earlier.
    if (!this.corked) this.unsentAtTurnStart = this.ws.bufferedAmount;
    if (this.unsentAtTurnStart > this.maxBufferedBytes) {
      this.close(1013, "slow consumer: reconnect and fetch what you missed");
      // A reader this far behind will not read the close frame soon either: its unsent data
      // is let go after a short grace instead of ws's 30 s closing timeout.
      setTimeout(() => this.ws.terminate(), 2000).unref();
      return;
    }
    this.cork();
    metrics.frameOut(frame);
    this.ws.send(frame, onWritten && ((err) => err || onWritten()));
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
    if (this.syncing) this.held.push(event);
    else this.write(event);
  }

  /** A backlog message: written in its place among the held live messages of its conversation. */
  sendBacklog(message: NonNullable<BrokerEvent["message"]>, frame: string): void {
    if (this.held.length > 0) {
      const rest: BrokerEvent[] = [];
      for (const e of this.held) {
        const m = e.message;
        if (m && m.conversationId === message.conversationId && m.seq < message.seq) this.writeOnce(e);
        else rest.push(e);
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
    for (const event of held) this.writeOnce(event);
    this.lastSent.clear();
  }

  /** Resolves once the socket's unsent data is below half the bound (or the socket closed). */
  async drained(): Promise<void> {
    while (this.open && this.backedUp) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
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
