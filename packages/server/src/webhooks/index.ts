import type { Logger } from "pino";
import type { WebhooksConfig } from "../config.js";
import { OutboundClient } from "../outbound/http-client.js";
import type { Store } from "../store/database.js";
import { WebhooksRepo } from "../store/webhooks-repo.js";
import { DeliveryWorker, type DeliveryWorkerOptions } from "./delivery-worker.js";
import { WebhookEndpoints } from "./endpoints.js";

export interface Webhooks {
  endpoints: WebhookEndpoints;
  worker: DeliveryWorker;
  /** Stops the worker (in-flight attempts get a few seconds) and closes its connections. */
  close(): Promise<void>;
}

/**
 * Webhooks on this node: WEBHOOK_URL's endpoint made to match the configuration, the admin
 * API's endpoints, and the delivery worker, started.
 */
export async function startWebhooks(
  store: Store,
  config: WebhooksConfig,
  logger: Logger,
  onError: (err: unknown, what: string) => void,
  tuning: Partial<DeliveryWorkerOptions> = {},
): Promise<Webhooks> {
  const repo = new WebhooksRepo(store);
  await repo.syncEnvEndpoint(config.endpoint && { url: config.endpoint.url, events: config.endpoint.events });
  // Webhook URLs are set by the operator or an admin (trusted, contract §2): private and
  // loopback addresses are allowed, unlike link previews. Keep-alive: one peer, called often.
  const client = new OutboundClient({ purpose: "webhooks", allowPrivate: true, keepAlive: true, maxSockets: 16 });
  const worker = new DeliveryWorker(repo, client, {
    envSecret: config.endpoint?.secret,
    maxAgeMs: config.maxAgeMs,
    pollMs: config.pollMs,
    firstRetryMs: config.firstRetryMs,
    onError,
    onDropped: (d) =>
      logger.warn(
        { event_id: d.eventId, endpoint_id: d.endpointId, type: d.type, attempts: d.attempts, age_ms: d.ageMs },
        "webhook event dropped: not delivered within WEBHOOK_MAX_AGE_HOURS",
      ),
    ...tuning,
  });
  worker.start();
  return {
    endpoints: new WebhookEndpoints(repo, () => worker.wake()),
    worker,
    async close() {
      await worker.stop();
      client.close();
    },
  };
}
