import type { Logger } from "pino";
import type { PushConfig } from "../config-push.js";
import { OutboundClient } from "../outbound/http-client.js";
import type { Store } from "../store/database.js";
import { PushDeliveriesRepo } from "../store/push-deliveries-repo.js";
import { PushSubscriptionsRepo } from "../store/push-subscriptions-repo.js";
import { ServerKeysRepo } from "../store/server-keys-repo.js";
import { PushRequestBuilder } from "./push-request.js";
import { DEFAULT_CONCURRENCY, PushSender, type PushSenderOptions } from "./push-sender.js";
import { loadVapidKeys, type VapidKeys } from "./vapid-keys.js";

export interface Push {
  /** The VAPID pair every node uses (the public key is what browsers subscribe with). */
  vapid: VapidKeys;
  subscriptions: PushSubscriptionsRepo;
  deliveries: PushDeliveriesRepo;
  sender: PushSender;
  /** Nudges the sender after pushes were queued (they would go at the next poll anyway). */
  wake(): void;
  /** Stops the sender (pushes in flight get a few seconds) and closes its connections. */
  close(): Promise<void>;
}

/**
 * Web Push on this node (integrations contract §4): the VAPID pair (configured, or made once
 * and shared through the database) and the sender, started.
 */
export async function startPush(
  store: Store,
  config: PushConfig,
  logger: Logger,
  onError: (err: unknown, what: string) => void,
  tuning: Partial<PushSenderOptions> = {},
): Promise<Push> {
  const vapid = await loadVapidKeys(new ServerKeysRepo(store), config.vapid);
  logger.info({ source: vapid.source, public_key: vapid.publicKey }, "VAPID key loaded");
  const subscriptions = new PushSubscriptionsRepo(store);
  const deliveries = new PushDeliveriesRepo(store);
  // Endpoints come from browsers, so from users: the SSRF guard stays on unless the operator
  // allows private endpoints (tests, closed networks). Keep-alive: a few push services get
  // every push.
  const concurrency = tuning.concurrency ?? DEFAULT_CONCURRENCY;
  const client = new OutboundClient({
    purpose: "web push",
    allowPrivate: config.allowPrivateEndpoints,
    keepAlive: true,
    maxSockets: concurrency,
  });
  const builder = new PushRequestBuilder({
    publicKey: vapid.publicKey,
    privateKey: vapid.privateKey,
    subject: config.subject,
    ttlSeconds: config.ttlSeconds,
  });
  const sender = new PushSender(deliveries, subscriptions, client, builder, {
    maxAgeMs: config.maxAgeMs,
    pollMs: config.pollMs,
    leaseMs: config.leaseMs,
    allowPrivateEndpoints: config.allowPrivateEndpoints,
    concurrency,
    onError,
    onDropped: (d) =>
      logger.warn(
        {
          reason: d.reason,
          subscription_id: d.subscriptionId,
          conversation_id: d.conversationId,
          origin: d.origin,
          status: d.status,
          detail: d.detail,
          attempts: d.attempts,
          age_ms: d.ageMs,
        },
        "web push dropped",
      ),
    ...tuning,
  });
  sender.start();
  return {
    vapid,
    subscriptions,
    deliveries,
    sender,
    wake: () => sender.wake(),
    async close() {
      await sender.stop();
      client.close();
    },
  };
}
