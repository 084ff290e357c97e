import type {} from "@fastify/swagger";
import { registry } from "../../metrics.js";
import type { App } from "../app-types.js";

/**
 * Prometheus metrics (see metrics.ts). Open like /health: scrapers rarely carry tokens, and
 * nothing here names a user. Deployments that publish the port block it at the proxy.
 */
export function metricsRoutes(app: App): void {
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
