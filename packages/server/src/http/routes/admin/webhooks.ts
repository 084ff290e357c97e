import { CreatedWebhookEndpoint, CreateWebhookBody, WebhookEndpointList, WebhookIdParams } from "@chatapp/protocol";
import type { App } from "../../app-types.js";
import type { AdminDeps } from "./index.js";

/**
 * Webhook endpoints of the admin API (integrations contract §2): create (the secret is shown
 * only here), list (no secrets), delete. Inside the admin scope, whose guard has checked the
 * API key; the rules are webhooks/endpoints.ts's. Changes are audited (never the secret).
 */
export function webhooksAdminRoutes(app: App, deps: AdminDeps): void {
  const { webhooks, audit } = deps;

  app.post(
    "/api/admin/webhooks",
    { schema: { body: CreateWebhookBody, response: { 201: CreatedWebhookEndpoint } } },
    async (request, reply) => {
      const created = await webhooks.create(request.body);
      await audit.record(
        request.adminKey,
        "webhook.create",
        { type: "webhook", id: created.id },
        { url: created.url, events: created.events },
      );
      return reply.code(201).send(created);
    },
  );

  app.get("/api/admin/webhooks", { schema: { response: { 200: WebhookEndpointList } } }, async () => webhooks.list());

  app.delete("/api/admin/webhooks/:id", { schema: { params: WebhookIdParams } }, async (request, reply) => {
    await webhooks.delete(request.params.id);
    await audit.record(request.adminKey, "webhook.delete", { type: "webhook", id: request.params.id });
    return reply.code(204).send();
  });
}
