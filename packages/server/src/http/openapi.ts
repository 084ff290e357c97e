import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * The OpenAPI description of the HTTP API, generated from the TypeBox schemas the routes
 * validate with (one source for both): the document at /docs/json, a browsable page at /docs.
 * Registered before the routes, so that it sees each of them.
 */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "ChatApp HTTP API",
        version,
        description:
          "Self-hosted chat server. Real-time messaging goes over the WebSocket at /ws (frames in docs/protocol.md); this is the HTTP side.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
          // The admin API (/api/admin/…): an API key in either header, never a user's JWT.
          apiKey: { type: "apiKey", in: "header", name: "X-Api-Key" },
          adminBearer: { type: "http", scheme: "bearer", description: "an API key as the bearer token" },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  // staticCSP: the page's own Content-Security-Policy, with hashes for its inline parts.
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });
}
