import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";

const Timestamp = Type.String({ format: "date-time", description: "ISO 8601, UTC, milliseconds" });

/**
 * Every webhook event type (integrations contract §2). `notification.needed` is listed so an
 * endpoint may subscribe to it; it is emitted by the notifications feature (§4).
 */
export const WEBHOOK_EVENT_TYPES = [
  "message.created",
  "message.updated",
  "message.deleted",
  "member.added",
  "member.removed",
  "user.created",
  "notification.needed",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const isWebhookEventType = (s: string): s is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(s);

/** The longest webhook URL accepted. */
export const WEBHOOK_URL_MAX_CHARS = 2048;

/** `POST /api/admin/webhooks`. */
export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: WEBHOOK_URL_MAX_CHARS }),
    events: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 32 })),
    secret: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

/** A webhook endpoint as `GET /api/admin/webhooks` lists it (no secret). */
export const WebhookEndpoint = Type.Object({
  id: Id,
  url: Type.String(),
  events: Type.Array(Type.String()),
  created_at: Timestamp,
});
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

/** The answer to `POST /api/admin/webhooks`: the only place its secret is ever shown. */
export const CreatedWebhookEndpoint = Type.Composite([WebhookEndpoint, Type.Object({ secret: Type.String() })]);
export type CreatedWebhookEndpoint = Static<typeof CreatedWebhookEndpoint>;

export const WebhookEndpointList = Type.Array(WebhookEndpoint);

export const WebhookIdParams = Type.Object({ id: Id });

/** What every delivery's body holds. */
export interface WebhookBody {
  type: WebhookEventType;
  timestamp: string;
  data: unknown;
}
