import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerToken } from "../auth/tokens.js";
import type { Authenticator } from "./authenticate.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated user; set by the guard before any handler that needs it runs. */
    userId: number;
    /** When the request's token expires (seconds since the epoch). */
    tokenExpiresAt: number;
    /** For a WebSocket upgrade: gives back the connection place the gateway reserved. */
    releasePlace?: () => void;
  }
}

/** preHandler for routes that need `Authorization: Bearer <jwt>`; provisions unknown users. */
export function requireUser(authenticate: Authenticator) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    await authenticate(request, reply, bearerToken(request.headers.authorization));
  };
}
