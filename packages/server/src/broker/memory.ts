import type { Broker, BrokerEvent, BrokerHandler } from "./broker.js";

/** One node: events go straight to this process's gateway, synchronously and in order. */
export class MemoryBroker implements Broker {
  private handlers: BrokerHandler[] = [];

  publish(event: BrokerEvent): void {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: BrokerHandler): void {
    this.handlers.push(handler);
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.handlers = [];
  }
}
