import type { PushSubscriptionBody } from "@chatapp/protocol";
import { ChatClientError } from "./errors.js";

/**
 * What a browser's `PushSubscription.toJSON()` gives (the DOM's `PushSubscriptionJSON`, whose
 * members are all optional), declared here so the SDK builds without the DOM's types.
 */
export interface PushSubscriptionJsonLike {
  endpoint?: string;
  expirationTime?: number | null;
  keys?: Record<string, string>;
}

/**
 * The body of `POST /api/push/subscriptions` for a browser's subscription, kept as the browser
 * gave it (the server accepts `toJSON()` as is). A subscription without an endpoint or either
 * key cannot receive a push at all: it is refused here, with the server's code, rather than
 * sent to be refused.
 */
export function pushSubscriptionBody(subscription: PushSubscriptionJsonLike): PushSubscriptionBody {
  const { endpoint, keys } = subscription;
  const p256dh = keys?.p256dh;
  const auth = keys?.auth;
  if (!endpoint || !p256dh || !auth) {
    const missing = [!endpoint && "endpoint", !p256dh && "keys.p256dh", !auth && "keys.auth"].filter(Boolean).join(", ");
    throw new ChatClientError("invalid_request", `the push subscription has no ${missing}`);
  }
  const body: PushSubscriptionBody = { ...subscription, endpoint, keys: { ...keys, p256dh, auth } };
  return body;
}
