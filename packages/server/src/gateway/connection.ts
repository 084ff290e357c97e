import type { WebSocket } from "ws";
import type { BrokerEvent } from "../broker/broker.js";

let nextId = 0;

/**
 * One socket of one user. Holds live events back while the offline backlog is being sent,
 * so that per conversation nothing arrives out of seq order, and closes the socket with
 * 1013 when the peer reads too slowly (its unsent data passes `maxBufferedBytes`), so a
 * slow reader costs bounded memory; it resumes from history when it reconnects.
 */
export class Connection {
  readonly id = `c${++nextId}`;
  lastActivity = Date.now();
  /** Serializes the target resolution of this socket's sends, so they are stored in the order sent. */
  sendOrder: Promise<unknown> = Promise.resolve();
  private syncing = true;
  private held: BrokerEvent[] = [];

  constructor(
    readonly ws: WebSocket,
    readonly userId: number,
    private readonly maxBufferedBytes: number,
    private readonly onDelivered: (userId: number, conversationId: number, seq: number) => void,
  ) {}

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Writes a frame now; `onWritten` runs once it has been handed to the network. */
  send(frame: string, onWritten?: () => void): void {
    if (!this.open) return;
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      this.close(1013, "slow consumer: reconnect and fetch what you missed");
      return;
    }
    this.ws.send(frame, onWritten && ((err) => err || onWritten()));
  }

  /** An event from the broker: written now, or held until the backlog has been sent. */
  deliver(event: BrokerEvent): void {
    if (this.syncing) this.held.push(event);
    else this.write(event);
  }

  /**
   * The backlog is out: write what was held, except messages the backlog already carried
   * (others' messages up to the highest seq sent per conversation).
   */
  finishSync(backlogMax: Map<number, number>): void {
    this.syncing = false;
    const held = this.held;
    this.held = [];
    for (const event of held) {
      const m = event.message;
      if (m && m.senderId !== this.userId && m.seq <= (backlogMax.get(m.conversationId) ?? 0)) continue;
      this.write(event);
    }
  }

  /** Resolves once the socket's unsent data is below half the bound (or the socket closed). */
  async drained(): Promise<void> {
    while (this.open && this.ws.bufferedAmount > this.maxBufferedBytes / 2) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  private write(event: BrokerEvent): void {
    const m = event.message;
    if (m && m.senderId !== this.userId) {
      this.send(event.frame, () => this.onDelivered(this.userId, m.conversationId, m.seq));
    } else {
      this.send(event.frame);
    }
  }
}
