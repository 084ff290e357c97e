import type { PushSubscription, PushSubscriptionBody, VapidPublicKeyResponse } from "@chatapp/protocol";
import { RateLimiter } from "../lib/rate-limiter.js";
import { iso } from "../lib/time.js";
import type { PushSubscriptionsRepo, StoredSubscription } from "../store/push-subscriptions-repo.js";
import { asChatError, ChatError } from "./errors.js";
import { checkAuth, checkEndpoint, checkP256dh } from "./push-subscription-checks.js";

export interface PushSubscriptionsOptions {
  /** The VAPID public key browsers subscribe with (applicationServerKey). */
  vapidPublicKey: string;
  /** PUSH_MAX_SUBSCRIPTIONS: past it, the user's oldest subscription goes. */
  maxPerUser: number;
  /** New subscriptions a user may make per hour (also the burst); 0: no limit. */
  perHour: number;
  /** PUSH_ALLOW_PRIVATE_ENDPOINTS. */
  allowPrivateEndpoints: boolean;
}

/**
 * Users' Web Push subscriptions (integrations contract §4): the VAPID key to subscribe with,
 * and subscribing, listing and unsubscribing one's own.
 *
 * - Posting an endpoint already stored replaces its keys and owner (a browser re-subscribing,
 *   or another user logging in on it), 200; a new one is 201.
 * - A user holds at most `maxPerUser`: a new one past it removes their oldest (a browser
 *   replaced long ago is the likeliest dead one), rather than refusing the new device.
 * - New subscriptions are paid from a per-user hourly budget (each is a row and pushes to a
 *   URL the user chose); replacing an existing one is not.
 */
export class PushSubscriptions {
  private readonly budget: RateLimiter<number>;

  constructor(
    private readonly repo: PushSubscriptionsRepo,
    private readonly options: PushSubscriptionsOptions,
  ) {
    this.budget = new RateLimiter(options.perHour / 3600, options.perHour);
    // Unref'd: it never keeps the process up, so nothing needs to stop it.
    setInterval(() => this.budget.sweep(), 60_000).unref();
  }

  publicKey(): VapidPublicKeyResponse {
    return { public_key: this.options.vapidPublicKey };
  }

  /** Stores the caller's subscription; `created` false when the endpoint was known (keys and owner replaced). */
  async subscribe(userId: number, body: PushSubscriptionBody): Promise<{ subscription: PushSubscription; created: boolean }> {
    try {
      const endpoint = checkEndpoint(body.endpoint, this.options.allowPrivateEndpoints);
      const p256dh = checkP256dh(body.keys.p256dh);
      const auth = checkAuth(body.keys.auth);
      const now = performance.now();
      const wait = this.budget.retryAfterMs(userId, now);
      if (wait > 0 && !(await this.repo.hasEndpoint(endpoint))) throw ChatError.rateLimited("too many push subscriptions", wait);
      const { subscription, created } = await this.repo.save({ userId, endpoint, p256dh, auth }, Date.now());
      // Only a new row is paid for; the cap counts the new owner's rows either way.
      if (created) this.budget.take(userId, now);
      await this.repo.trimOldest(userId, this.options.maxPerUser);
      return { subscription: toWire(subscription), created };
    } catch (err) {
      throw asChatError(err);
    }
  }

  async list(userId: number): Promise<PushSubscription[]> {
    return (await this.repo.listByUser(userId)).map(toWire);
  }

  /** Removes one of the caller's subscriptions; 404 for any other id. */
  async unsubscribe(userId: number, id: number): Promise<void> {
    if (!(await this.repo.removeOwn(userId, id))) throw new ChatError("not_found", "no such push subscription");
  }

  /** The user's export (integrations §1): endpoints and times, never the keys. */
  async exportOf(userId: number): Promise<{ endpoint: string; created_at: string }[]> {
    return (await this.repo.listByUser(userId)).map((s) => ({ endpoint: s.endpoint, created_at: iso(s.createdAt) }));
  }

  /** Erasure: every subscription of the user, with the pushes queued for them. */
  removeAllOf(userId: number): Promise<void> {
    return this.repo.removeAllOf(userId);
  }
}

function toWire(s: StoredSubscription): PushSubscription {
  return { id: s.id, endpoint: s.endpoint, created_at: iso(s.createdAt) };
}
