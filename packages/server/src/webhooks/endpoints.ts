import {
  type CreatedWebhookEndpoint,
  isWebhookEventType,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_URL_MAX_CHARS,
  type WebhookEndpoint,
} from "@chatapp/protocol";
import { ChatError } from "../chat/errors.js";
import { isHttpUrl } from "../config.js";
import { iso } from "../lib/time.js";
import { generateWebhookSecret, webhookSecretProblem } from "../outbound/webhook-signing.js";
import type { WebhookEndpointRow } from "../store/schema.js";
import type { WebhooksRepo } from "../store/webhooks-repo.js";

/** Endpoints made through the admin API at most: each costs every event a delivery row. */
export const MAX_WEBHOOK_ENDPOINTS = 100;

/**
 * The admin API's webhook endpoints (integrations contract §2): any http(s) URL (the admin is
 * trusted, so private addresses are allowed), the event types it wants (all by default), and
 * its secret, generated unless given, shown only in the answer to its creation. The
 * WEBHOOK_URL endpoint is the configuration's and is not listed here.
 */
export class WebhookEndpoints {
  constructor(
    private readonly repo: WebhooksRepo,
    /** Called after a change, so this node's worker sees it at once. */
    private readonly changed: () => void,
  ) {}

  async create(input: {
    url: string;
    events?: string[] | undefined;
    secret?: string | undefined;
  }): Promise<CreatedWebhookEndpoint> {
    if (!isHttpUrl(input.url) || input.url.length > WEBHOOK_URL_MAX_CHARS) {
      throw new ChatError("invalid_request", "url must be an http:// or https:// URL");
    }
    let events: string[] | null = null;
    if (input.events !== undefined) {
      const unknown = input.events.filter((e) => !isWebhookEventType(e));
      if (unknown.length > 0) {
        throw new ChatError(
          "invalid_request",
          `unknown event type ${JSON.stringify(unknown[0])}; known: ${WEBHOOK_EVENT_TYPES.join(", ")}`,
        );
      }
      events = [...new Set(input.events)];
    }
    if (input.secret !== undefined) {
      const problem = webhookSecretProblem(input.secret);
      if (problem !== undefined) throw new ChatError("invalid_request", `secret ${problem}`);
    }
    const listed = (await this.repo.endpoints()).filter((e) => e.name === null);
    if (listed.length >= MAX_WEBHOOK_ENDPOINTS) {
      throw new ChatError("conflict", `at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints; delete one first`);
    }
    const secret = input.secret ?? generateWebhookSecret();
    const row = await this.repo.createEndpoint({ url: input.url, events, secret });
    this.changed();
    return { ...view(row), secret };
  }

  async list(): Promise<WebhookEndpoint[]> {
    return (await this.repo.endpoints()).filter((e) => e.name === null).map(view);
  }

  /** Stops every further delivery to it; `not_found` for an unknown id. */
  async delete(id: number): Promise<void> {
    if (!(await this.repo.deleteEndpoint(id))) throw new ChatError("not_found", "no such webhook endpoint");
    this.changed();
  }
}

function view(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events === null ? [...WEBHOOK_EVENT_TYPES] : (JSON.parse(row.events) as string[]),
    created_at: iso(row.created_at),
  };
}
