import { MessageParams, Report, ReportBody } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { ChatServices } from "../../chat/services.js";
import type { App } from "../app-types.js";

/** A member reports a message (integrations §5): 201 a new report, 200 the caller's earlier one. */
export function reportsRoutes(app: App, deps: { chat: ChatServices; guard: preHandlerHookHandler }): void {
  const { chat, guard } = deps;
  app.post(
    "/api/messages/:id/report",
    { preHandler: guard, schema: { params: MessageParams, body: ReportBody, response: { 200: Report, 201: Report } } },
    async (request, reply) => {
      const { report, created } = await chat.reports.report(request.userId, request.params.id, request.body.reason);
      return reply.code(created ? 201 : 200).send(report);
    },
  );
}
