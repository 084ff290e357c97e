import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";

/** Notifications for offline users: Web Push (integrations contract §4). */

/** Largest plaintext a push carries, in UTF-8 bytes (one aes128gcm record stays well under 4 KiB). */
export const PUSH_PAYLOAD_MAX_BYTES = 3000;
/** Longest endpoint URL accepted, in characters. */
export const PUSH_ENDPOINT_MAX_CHARS = 2048;

/** `GET /api/push/vapid-public-key`. */
export const VapidPublicKeyResponse = Type.Object({
  /** base64url of the 65-byte uncompressed P-256 point (the applicationServerKey). */
  public_key: Type.String(),
});
export type VapidPublicKeyResponse = Static<typeof VapidPublicKeyResponse>;

/**
 * `POST /api/push/subscriptions`: a browser's `PushSubscription.toJSON()` is accepted as is
 * (its `expirationTime` and any other member are ignored). The key checks (a 65-byte
 * uncompressed P-256 point, a 16-byte auth secret, a public https endpoint) are the route's.
 */
export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ minLength: 1, maxLength: PUSH_ENDPOINT_MAX_CHARS }),
    keys: Type.Object(
      {
        p256dh: Type.String({ minLength: 1, maxLength: 128 }),
        auth: Type.String({ minLength: 1, maxLength: 64 }),
      },
      { additionalProperties: true },
    ),
    expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  },
  { additionalProperties: true },
);
export type PushSubscriptionBody = Static<typeof PushSubscriptionBody>;

/** One of the caller's subscriptions: the POST's answer and `GET /api/push/subscriptions`' items. */
export const PushSubscription = Type.Object({
  id: Id,
  endpoint: Type.String(),
  created_at: Type.String({ format: "date-time" }),
});
export type PushSubscription = Static<typeof PushSubscription>;
export const PushSubscriptionsResponse = Type.Array(PushSubscription);
export type PushSubscriptionsResponse = Static<typeof PushSubscriptionsResponse>;

/** `DELETE /api/push/subscriptions/:id`. */
export const PushSubscriptionParams = Type.Object({ id: Id });
export type PushSubscriptionParams = Static<typeof PushSubscriptionParams>;

/**
 * What a push carries, before encryption. `type: "message"` names the latest message of a
 * conversation the user should see; `preview` is absent with PUSH_PREVIEWS=false. `type:
 * "clear"` tells the user's other devices the conversation was read up to `seq`.
 */
export interface PushMessagePayload {
  type: "message";
  conversation_id: number;
  message_id: number;
  seq: number;
  sender_id: number;
  sender_name?: string;
  conversation_title?: string;
  preview?: string;
  /** Messages of this conversation the user has not read, when known. */
  unread?: number;
}
export interface PushClearPayload {
  type: "clear";
  conversation_id: number;
  seq: number;
}
export type PushPayload = PushMessagePayload | PushClearPayload;

/** The `notification.needed` webhook event's `data` (integrations contract §2). */
export interface NotificationNeededData {
  user_id: number;
  conversation_id: number;
  message_id: number;
  seq: number;
  sender_id: number;
  preview?: string;
  sender_name?: string;
  conversation_title?: string;
  /** "direct" or "group", so a relay can word the notification without another call. */
  conversation_type?: "direct" | "group";
  unread?: number;
}

/**
 * A message's preview (contract §4): the content itself up to 100 code points; a longer one is
 * cut to its first 99 code points and "…".
 */
export function pushPreview(content: string): string {
  const points = Array.from(content);
  return points.length > 100 ? `${points.slice(0, 99).join("")}…` : content;
}
