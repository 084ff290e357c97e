import { CreatedWebhookEndpoint, CreateWebhookBody, WebhookEndpointList, WebhookIdParams } from "@chatapp/protocol";
import type { WebhookEndpoints } from "../../../webhooks/endpoints.js";
import type { App } from "../../app-types.js";

/**
 * Webhook endpoints of the admin API (integrations contract §2): create (the secret is shown
 * only here), list (no secrets), delete. Registered inside the admin scope, whose guard has
 * checked the API key; the rules are webhooks/endpoints.ts's.
 */
export async function webhooksAdminRoutes(app: App, deps: { endpoints: WebhookEndpoints }): Promise<void> {
  const { endpoints } = deps;

  app.post(
    "/api/admin/webhooks",
    { schema: { body: CreateWebhookBody, response: { 201: CreatedWebhookEndpoint } } },
    async (request, reply) => reply.code(201).send(await endpoints.create(request.body)),
  );

  app.get("/api/admin/webhooks", { schema: { response: { 200: WebhookEndpointList } } }, async () => endpoints.list());

  app.delete("/api/admin/webhooks/:id", { schema: { params: WebhookIdParams } }, async (request, reply) => {
    await endpoints.delete(request.params.id);
    return reply.code(204).send();
  });
}
