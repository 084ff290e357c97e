import type { FastifyReply, FastifyRequest } from "fastify";
import { InvalidTokenError, type TokenService } from "../auth/tokens.js";
import type { AccountStatus } from "../chat/account-status.js";
import type { UserDirectory } from "../chat/user-directory.js";
import { sendError } from "./errors.js";

/**
 * The one authentication step of every route that needs a user (HTTP and the WebSocket
 * upgrade): verify the token, refuse an inactive or erased user (403 account_disabled), let
 * `admit` refuse the user (its reply is returned), provision the user, and set `request.userId` and `request.tokenExpiresAt`. A bad token answers 401.
 * Resolves with a reply when it answered, undefined when the request goes on.
 */
export type Authenticator = (
  request: FastifyRequest,
  reply: FastifyReply,
  token: string | undefined,
  admit?: (userId: number) => FastifyReply | undefined,
) => Promise<FastifyReply | undefined>;

export function authenticator(tokens: TokenService, directory: UserDirectory, status: AccountStatus): Authenticator {
  return async (request, reply, token, admit) => {
    try {
      const { userId, expiresAt } = await tokens.verify(token);
      // Before provisioning: an erased id is never made again from a token.
      if (await status.isDisabled(userId)) {
        request.releasePlace?.();
        return sendError(reply, "account_disabled", "this account is disabled");
      }
      const refused = admit?.(userId);
      if (refused) return refused;
      await directory.provision(userId);
      request.userId = userId;
      request.tokenExpiresAt = expiresAt;
      return undefined;
    } catch (err) {
      // A place the gateway reserved for an upgrade is given back.
      request.releasePlace?.();
      if (err instanceof InvalidTokenError) return sendError(reply, "unauthorized", err.message);
      throw err;
    }
  };
}
