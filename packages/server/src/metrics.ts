import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics, served at GET /metrics. One registry per process: the counters are
 * module-level so the hot paths reach them without wiring, and the gauges sum over every
 * gateway in the process (tests run several servers in one).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

interface GatewayGauge {
  connections(): number;
  users(): number;
}
const gateways = new Set<GatewayGauge>();

/** Counts a gateway's connections and users in the gauges until the returned function is called. */
export function watchGateway(gateway: GatewayGauge): () => void {
  gateways.add(gateway);
  return () => gateways.delete(gateway);
}

const sum = (f: (g: GatewayGauge) => number) => [...gateways].reduce((total, g) => total + f(g), 0);

new Gauge({
  name: "chatapp_connections",
  help: "Open WebSocket connections on this node",
  registers: [registry],
  collect() {
    this.set(sum((g) => g.connections()));
  },
});

new Gauge({
  name: "chatapp_users_online",
  help: "Users with at least one connection on this node",
  registers: [registry],
  collect() {
    this.set(sum((g) => g.users()));
  },
});

const framesIn = new Counter({
  name: "chatapp_frames_in_total",
  help: "WebSocket frames received, by type (invalid: refused by the decoder)",
  labelNames: ["type"],
  registers: [registry],
});
const framesOut = new Counter({
  name: "chatapp_frames_out_total",
  help: "WebSocket frames written, by type",
  labelNames: ["type"],
  registers: [registry],
});
const errors = new Counter({
  name: "chatapp_errors_total",
  help: "Errors answered to clients (error frames and HTTP error bodies), by code",
  labelNames: ["code"],
  registers: [registry],
});
const messagesStored = new Counter({
  name: "chatapp_messages_stored_total",
  help: "Messages committed to the database",
  registers: [registry],
});
const batchSize = new Histogram({
  name: "chatapp_store_batch_size",
  help: "Messages per group-commit transaction (near 1000: the database is the bottleneck)",
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
  registers: [registry],
});
const deliveryLatency = new Histogram({
  name: "chatapp_delivery_latency_seconds",
  help: "From a message's commit to its frame being written to a recipient's socket",
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
const brokerPublished = new Counter({
  name: "chatapp_broker_published_total",
  help: "Events this node published to the other nodes",
  registers: [registry],
});
const brokerReceived = new Counter({
  name: "chatapp_broker_received_total",
  help: "Events this node received from the other nodes",
  registers: [registry],
});

/** What a webhook worker last read of the outbox: every node sees the same shared tables. */
interface WebhookBacklog {
  pending: number;
  /** Age of the oldest pending delivery's event, in seconds (0 when none). */
  oldestSeconds: number;
}
const webhookBacklogs = new Set<() => WebhookBacklog>();

/** Reports a webhook worker's outbox reading in the gauges until the returned function is called. */
export function watchWebhooks(read: () => WebhookBacklog): () => void {
  webhookBacklogs.add(read);
  return () => webhookBacklogs.delete(read);
}

// The outbox is shared: several workers in one process (tests) read the same rows, so the
// gauges take the largest reading rather than a sum.
const backlogMax = (f: (b: WebhookBacklog) => number) => [...webhookBacklogs].reduce((m, read) => Math.max(m, f(read())), 0);

new Gauge({
  name: "chatapp_webhook_pending",
  help: "Webhook deliveries waiting (every endpoint, the whole cluster), as last read",
  registers: [registry],
  collect() {
    this.set(backlogMax((b) => b.pending));
  },
});
new Gauge({
  name: "chatapp_webhook_oldest_pending_seconds",
  help: "Age of the oldest waiting webhook delivery's event, as last read (0: none)",
  registers: [registry],
  collect() {
    this.set(backlogMax((b) => b.oldestSeconds));
  },
});
const webhookDelivered = new Counter({
  name: "chatapp_webhook_delivered_total",
  help: "Webhook deliveries answered 2xx by their endpoint (this node)",
  registers: [registry],
});
const webhookFailed = new Counter({
  name: "chatapp_webhook_failed_attempts_total",
  help: "Webhook attempts that failed (non-2xx, timeout, no connection) and will be retried (this node)",
  registers: [registry],
});
const webhookDropped = new Counter({
  name: "chatapp_webhook_dropped_total",
  help: "Webhook deliveries given up after WEBHOOK_MAX_AGE_HOURS of failures (this node)",
  registers: [registry],
});
/** Why a push was given up (the label of chatapp_push_dropped_total). */
export type PushDropReason = "expired" | "rejected" | "blocked";

/** What a push sender last read of the push queue (shared by every node, like the outbox). */
interface PushBacklog {
  pending: number;
  oldestSeconds: number;
}
const pushBacklogs = new Set<() => PushBacklog>();

/** Reports a push sender's queue reading in the gauges until the returned function is called. */
export function watchPushes(read: () => PushBacklog): () => void {
  pushBacklogs.add(read);
  return () => pushBacklogs.delete(read);
}
const pushBacklogMax = (f: (b: PushBacklog) => number) => [...pushBacklogs].reduce((m, read) => Math.max(m, f(read())), 0);

new Gauge({
  name: "chatapp_push_pending",
  help: "Web Pushes queued and not yet sent (the whole cluster), as last read",
  registers: [registry],
  collect() {
    this.set(pushBacklogMax((b) => b.pending));
  },
});
new Gauge({
  name: "chatapp_push_oldest_pending_seconds",
  help: "Age of the oldest queued Web Push, as last read (0: none)",
  registers: [registry],
  collect() {
    this.set(pushBacklogMax((b) => b.oldestSeconds));
  },
});
const pushSent = new Counter({
  name: "chatapp_push_sent_total",
  help: "Web Pushes accepted (2xx) by push services (this node)",
  registers: [registry],
});
const pushFailed = new Counter({
  name: "chatapp_push_failed_attempts_total",
  help: "Web Push attempts that failed (429, 5xx, no answer) and will be retried (this node)",
  registers: [registry],
});
const pushDropped = new Counter({
  name: "chatapp_push_dropped_total",
  help: "Web Pushes given up, by reason: expired (failing past the age limit), rejected (another 4xx), blocked (the SSRF guard, an unusable endpoint or keys) (this node)",
  labelNames: ["reason"],
  registers: [registry],
});
const pushGone = new Counter({
  name: "chatapp_push_subscriptions_gone_total",
  help: "Web Push subscriptions removed because their push service answered 404 or 410 (this node)",
  registers: [registry],
});
const beforeSendDuration = new Histogram({
  name: "chatapp_before_send_duration_seconds",
  help: "Before-send hook checks, waiting for a place included, by outcome (allow, reject, failure)",
  labelNames: ["outcome"],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

// Labelled children are looked up once per label value: the frame paths run per message.
const bound = <T>(make: (label: string) => T) => {
  const cache = new Map<string, T>();
  return (label: string): T => {
    let child = cache.get(label);
    if (!child) {
      child = make(label);
      cache.set(label, child);
    }
    return child;
  };
};
const frameInOf = bound((type) => framesIn.labels(type));
const frameOutOf = bound((type) => framesOut.labels(type));
const errorOf = bound((code) => errors.labels(code));
const beforeSendOf = bound((outcome) => beforeSendDuration.labels(outcome));

export const metrics = {
  frameIn(type: string): void {
    frameInOf(type).inc();
  },
  /** `frame` is a serialized server frame: its type is read from its first field. */
  frameOut(frame: string): void {
    const type = frame.startsWith('{"type":"') ? frame.slice(9, frame.indexOf('"', 9)) : "other";
    frameOutOf(type).inc();
    if (type === "error") {
      const code = /"code":"([a-z_]+)"/.exec(frame)?.[1];
      if (code) errorOf(code).inc();
    }
  },
  httpError(code: string): void {
    errorOf(code).inc();
  },
  batch(size: number): void {
    messagesStored.inc(size);
    batchSize.observe(size);
  },
  delivered(createdAt: number): void {
    deliveryLatency.observe(Math.max(0, Date.now() - createdAt) / 1000);
  },
  beforeSend(outcome: "allow" | "reject" | "failure", seconds: number): void {
    beforeSendOf(outcome).observe(seconds);
  },
  brokerPublished(): void {
    brokerPublished.inc();
  },
  brokerReceived(): void {
    brokerReceived.inc();
  },
  webhookDelivered(): void {
    webhookDelivered.inc();
  },
  webhookFailed(): void {
    webhookFailed.inc();
  },
  webhookDropped(): void {
    webhookDropped.inc();
  },
  pushSent(): void {
    pushSent.inc();
  },
  pushFailed(): void {
    pushFailed.inc();
  },
  pushDropped(reason: PushDropReason): void {
    pushDropped.labels(reason).inc();
  },
  pushGone(): void {
    pushGone.inc();
  },
};
