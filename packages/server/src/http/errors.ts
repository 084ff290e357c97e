import { ERROR_STATUS, type ErrorCode } from "@chatapp/protocol";
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { asChatError, ChatError } from "../chat/errors.js";
import { metrics } from "../metrics.js";

/** Every HTTP error leaves through here: `{"error":{"code","message"}}` with the catalogue's status. */
export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  metrics.httpError(code);
  return reply.code(ERROR_STATUS[code]).type("application/json; charset=utf-8").send({ error: { code, message } });
}

const BY_STATUS: Record<number, ErrorCode> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "invalid_request",
  406: "invalid_request",
  409: "conflict",
  413: "too_large",
  415: "invalid_request",
  429: "rate_limited",
  503: "unavailable",
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const err = asChatError(error);
    if (err instanceof ChatError) {
      if (err.retryAfterMs !== undefined) reply.header("retry-after", String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
      return sendError(reply, err.code, err.message);
    }
    if (error.validation) return sendError(reply, "invalid_request", error.message);
    const status = error.statusCode ?? 500;
    const code = BY_STATUS[status];
    if (code !== undefined) return sendError(reply, code, error.message);
    request.log.error({ err: error }, "request failed");
    return sendError(reply, "internal", "internal server error");
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, "not_found", `no route for ${request.method} ${request.url.split("?")[0]}`),
  );
}
