import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerToken } from "../auth/tokens.js";
import type { ApiKeys } from "../chat/api-keys.js";
import { sendError } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** On /api/admin/… routes: the name of the API key the request came with (set by the guard). */
    adminKey: string;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function presentedApiKey(request: FastifyRequest): string | undefined {
  const header = request.headers["x-api-key"];
  const fromHeader = typeof header === "string" ? header.trim() : undefined;
  return fromHeader || bearerToken(request.headers.authorization);
}

/**
 * onRequest hook of the admin scope: a missing, unknown or revoked key, a user's JWT
 * included, is a 401 before anything else of the request is read.
 */
export function requireApiKey(keys: ApiKeys) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const name = await keys.verify(presentedApiKey(request));
    if (name === undefined) {
      return sendError(reply, "unauthorized", "missing, unknown or revoked API key (Authorization: Bearer <key> or X-Api-Key)");
    }
    request.adminKey = name;
  };
}
