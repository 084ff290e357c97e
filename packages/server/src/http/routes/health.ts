import { ErrorBody, HealthResponse, ReadyResponse } from "@chatapp/protocol";
import { Type } from "@sinclair/typebox";
import type { Readiness } from "../../chat/readiness.js";
import type { App } from "../app-types.js";

const ReadyUnavailable = Type.Composite([ReadyResponse, ErrorBody]);

/** What this server is and where things are: at `/api`, and at `/` when the web UI is not built. */
export const serviceDescription = {
  service: "chatapp",
  websocket: "/ws",
  health: "/health",
  ready: "/ready",
  api: [
    "/api/auth/register",
    "/api/auth/login",
    "/api/me",
    "/api/messages/history",
    "/api/users/status",
    "/api/conversations",
    "/api/search",
    "/api/users",
  ],
};

export function healthRoutes(app: App, deps: { readiness: Readiness }): void {
  app.get("/api", async () => serviceDescription);

  /** (seed) Liveness: 200 while the process serves. */
  app.get("/health", { schema: { response: { 200: HealthResponse } } }, async () => ({ status: "ok" as const }));

  /** Readiness: 200 when storage (and the broker) answer, 503 otherwise. */
  app.get("/ready", { schema: { response: { 200: ReadyResponse, 503: ReadyUnavailable } } }, async (_request, reply) => {
    const { ready, ...body } = await deps.readiness.check();
    const status = ready ? ("ready" as const) : ("unavailable" as const);
    if (ready) return { status, ...body };
    return reply.code(503).send({
      status,
      ...body,
      error: {
        code: "unavailable",
        message: body.storage === "up" ? "the cluster broker (Redis) is not connected" : "storage is not answering",
      } as const,
    });
  });
}
