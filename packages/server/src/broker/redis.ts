import { Redis } from "ioredis";
import { metrics } from "../metrics.js";
import type { Broker, BrokerEvent, BrokerHandler, ClusterNotice, NoticeHandler } from "./broker.js";

export interface RedisBrokerOptions {
  /** This node's id: its own events come back from Redis and are skipped. */
  nodeId: string;
  /** The pub/sub channel the nodes share. */
  channel?: string;
  /** Events kept while Redis is away, to publish when it is back; past this, a resync. */
  maxBuffered?: number;
  onError?: (err: unknown, what: string) => void;
}

/**
 * Nodes joined through Redis pub/sub. Each node hands its own events to its own subscribers
 * at once (users on the same node chat on while Redis is away), and publishes them on one
 * channel that every node reads, skipping its own.
 *
 * Nothing acknowledged may be lost when Redis goes away:
 * - outgoing: events that cannot be published are kept, in order, and published when
 *   Redis is back. If more pile up than `maxBuffered`, they are dropped and a `resync`
 *   notice goes out first instead: the other nodes close their sockets and clients resume.
 * - incoming: pub/sub keeps nothing for a subscriber that was away, so when this node's
 *   subscription comes back after a break, `onResync` tells the gateway to close its sockets
 *   with 1012: clients reconnect and resume from what they have.
 *
 * Wire format, to avoid serializing the frame twice: `node \n meta-json \n frame`, where
 * meta is the event without its frame, or `node \n notice-json` for a notice.
 */
export class RedisBroker implements Broker {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;
  private readonly maxBuffered: number;
  private handlers: BrokerHandler[] = [];
  private noticeHandlers: NoticeHandler[] = [];
  private resyncHandlers: (() => void)[] = [];
  private buffered: string[] = [];
  private lost = false;
  private flushing = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    url: string,
    private readonly options: RedisBrokerOptions,
  ) {
    this.channel = options.channel ?? "chatapp:events";
    this.maxBuffered = options.maxBuffered ?? 100_000;
    const common = {
      // Reconnect forever, quickly at first; a node outlives any Redis outage.
      retryStrategy: (times: number) => Math.min(50 * times, 2000),
      maxRetriesPerRequest: null,
    };
    // Publishing fails at once while Redis is away; the broker keeps the events itself.
    this.pub = new Redis(url, { ...common, enableOfflineQueue: false });
    // ioredis re-subscribes by itself after a reconnect, but without handling the command's
    // failure: a connection closed (or the node stopping) while that runs is an unhandled
    // rejection, which ends a Node process. The broker subscribes itself, on every "ready".
    this.sub = new Redis(url, { ...common, autoResubscribe: false });
    for (const [client, name] of [
      [this.pub, "publisher"],
      [this.sub, "subscriber"],
    ] as const) {
      client.on("error", (err) => options.onError?.(err, `redis ${name}`));
    }
    this.pub.on("ready", () => void this.flush());
    // Every (re)subscription, the first included (Redis may have been away when the node
    // started, with clients already connected): whatever came before it was missed.
    this.sub.on("ready", () => {
      this.sub.subscribe(this.channel).catch((err) => options.onError?.(err, "redis subscribe"));
      for (const handler of this.resyncHandlers) handler();
    });
    this.sub.on("message", (_channel: string, payload: string) => this.receive(payload));
  }

  publish(event: BrokerEvent): void {
    for (const handler of this.handlers) handler(event);
    // The connection to leave out is one of this node's: its ids mean nothing elsewhere.
    const { frame, excludeConnectionId: _, ...meta } = event;
    metrics.brokerPublished();
    this.send(`${this.options.nodeId}\n${JSON.stringify(meta)}\n${frame}`);
  }

  subscribe(handler: BrokerHandler): void {
    this.handlers.push(handler);
  }

  notify(notice: ClusterNotice): void {
    this.send(`${this.options.nodeId}\n${JSON.stringify(notice)}`);
  }

  onNotice(handler: NoticeHandler): void {
    this.noticeHandlers.push(handler);
  }

  onResync(handler: () => void): void {
    this.resyncHandlers.push(handler);
  }

  healthy(): boolean {
    return this.pub.status === "ready" && this.sub.status === "ready";
  }

  status(): "up" | "down" {
    return this.healthy() ? "up" : "down";
  }

  /** Events waiting for Redis (metrics, tests). */
  get backlog(): number {
    return this.buffered.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    // Publish what is still waiting if Redis is there to take it, then leave.
    if (this.pub.status === "ready") await this.flush();
    this.handlers = [];
    this.noticeHandlers = [];
    await Promise.all([this.pub.quit().catch(() => this.pub.disconnect()), this.sub.quit().catch(() => this.sub.disconnect())]);
  }

  private send(payload: string): void {
    if (this.closed) return;
    if (this.buffered.length > 0 || this.lost || this.pub.status !== "ready") {
      this.keep(payload);
      return;
    }
    // A publish that fails while the connection looked up may or may not have gone out, and
    // later ones may have gone out before it: sending it again could reorder or double it.
    // The other nodes resync instead (their clients resume), once Redis answers again.
    this.pub.publish(this.channel, payload).catch(() => {
      this.lost = true;
      this.buffered = [];
      this.scheduleRetry();
    });
  }

  private keep(payload: string): void {
    if (!this.lost) {
      if (this.buffered.length >= this.maxBuffered) {
        this.buffered = [];
        this.lost = true;
      } else {
        this.buffered.push(payload);
      }
    }
    this.scheduleRetry();
  }

  /**
   * A publish can fail with the connection still up (a timeout, a blip): nothing announces
   * "ready" again then, so what waits is retried on a timer until it has all gone.
   */
  private scheduleRetry(): void {
    if (this.closed) return;
    this.retry ??= setTimeout(async () => {
      if (this.pub.status === "ready") await this.flush();
      this.retry = undefined;
      if (this.buffered.length > 0 || this.lost) this.scheduleRetry();
    }, 250);
  }

  /** Publishes what waited, in order; a resync notice first if some of it was dropped. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      if (this.lost) {
        await this.pub.publish(this.channel, `${this.options.nodeId}\n${JSON.stringify({ type: "resync" })}`);
        this.lost = false;
      }
      while (this.buffered.length > 0 && this.pub.status === "ready") {
        const batch = this.buffered.slice(0, 500);
        const pipeline = this.pub.pipeline();
        for (const payload of batch) pipeline.publish(this.channel, payload);
        const results = (await pipeline.exec()) ?? [];
        const failed = results.findIndex(([err]) => err !== null);
        // What went out leaves the buffer; from the first failure on, it waits for next time.
        this.buffered.splice(0, failed === -1 ? batch.length : failed);
        if (failed !== -1) break;
      }
    } catch (err) {
      this.options.onError?.(err, "redis flush");
    } finally {
      this.flushing = false;
    }
  }

  private receive(payload: string): void {
    const first = payload.indexOf("\n");
    if (payload.slice(0, first) === this.options.nodeId) return;
    const second = payload.indexOf("\n", first + 1);
    try {
      if (second === -1) {
        const notice = JSON.parse(payload.slice(first + 1)) as ClusterNotice;
        if (notice.type === "resync") for (const handler of this.resyncHandlers) handler();
        else for (const handler of this.noticeHandlers) handler(notice);
        return;
      }
      const meta = JSON.parse(payload.slice(first + 1, second)) as Omit<BrokerEvent, "frame">;
      const event: BrokerEvent = { ...meta, frame: payload.slice(second + 1) };
      metrics.brokerReceived();
      for (const handler of this.handlers) handler(event);
    } catch (err) {
      this.options.onError?.(err, "redis event");
    }
  }
}
