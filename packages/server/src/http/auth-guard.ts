import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerToken, InvalidTokenError, type TokenService } from "../auth/tokens.js";
import type { UserDirectory } from "../chat/user-directory.js";
import { sendError } from "./errors.js";

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
export function requireUser(tokens: TokenService, directory: UserDirectory) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const { userId } = await tokens.verify(bearerToken(request.headers.authorization));
      await directory.provision(userId);
      request.userId = userId;
    } catch (err) {
      if (err instanceof InvalidTokenError) return sendError(reply, "unauthorized", err.message);
      throw err;
    }
  };
}
