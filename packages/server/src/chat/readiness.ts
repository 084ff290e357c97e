import type { Broker } from "../broker/broker.js";
import type { Store } from "../store/database.js";

export interface ReadinessReport {
  /** True when this node can take traffic: storage answers and the broker is not down. */
  ready: boolean;
  storage: "up" | "down";
  /** "none" on a single node. */
  broker: "none" | "up" | "down";
}

/** Whether this node can serve: what `/ready` answers, asked of the engines it depends on. */
export class Readiness {
  constructor(
    private readonly store: Store,
    private readonly broker: Broker,
  ) {}

  async check(): Promise<ReadinessReport> {
    const storage = await this.store.ping();
    const broker = this.broker.status();
    return { ready: storage && broker !== "down", storage: storage ? "up" : "down", broker };
  }
}
