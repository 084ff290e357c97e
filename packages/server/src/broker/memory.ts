import { EventEmitter } from "node:events";
import type { Broker, BrokerEvent, BrokerHandler, ClusterNotice, NoticeHandler } from "./broker.js";

/**
 * Nodes in one process: brokers made with the same bus see each other's events, as Redis
 * nodes do. Tests use it to run several nodes in one process; a real single node has a bus
 * of its own.
 */
export class MemoryBus extends EventEmitter {}

/** One node (or, sharing a bus, several in one process): events go straight to subscribers, in order. */
export class MemoryBroker implements Broker {
  private handlers: BrokerHandler[] = [];
  private noticeHandlers: NoticeHandler[] = [];
  private readonly fromOthers = (from: MemoryBroker, event: BrokerEvent) => {
    if (from === this) return;
    // The connection to leave out is one of the publishing node's: its ids mean nothing here.
    const { excludeConnectionId: _, ...forHere } = event;
    for (const handler of this.handlers) handler(forHere);
  };
  private readonly noticeFromOthers = (from: MemoryBroker, notice: ClusterNotice) => {
    if (from !== this) for (const handler of this.noticeHandlers) handler(notice);
  };

  constructor(private readonly bus: MemoryBus = new MemoryBus()) {
    bus.setMaxListeners(0);
    bus.on("event", this.fromOthers);
    bus.on("notice", this.noticeFromOthers);
  }

  publish(event: BrokerEvent): void {
    for (const handler of this.handlers) handler(event);
    this.bus.emit("event", this, event);
  }

  subscribe(handler: BrokerHandler): void {
    this.handlers.push(handler);
  }

  notify(notice: ClusterNotice): void {
    this.bus.emit("notice", this, notice);
  }

  onNotice(handler: NoticeHandler): void {
    this.noticeHandlers.push(handler);
  }

  onResync(): void {
    // Nothing is ever missed in one process.
  }

  healthy(): boolean {
    return true;
  }

  status(): "none" {
    return "none";
  }

  async close(): Promise<void> {
    this.bus.off("event", this.fromOthers);
    this.bus.off("notice", this.noticeFromOthers);
    this.handlers = [];
    this.noticeHandlers = [];
  }
}
