import { CLOSE } from "@chatapp/protocol";
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { bearerToken } from "../../auth/tokens.js";
import type { AccountStatus } from "../../chat/account-status.js";
import type { Config } from "../../config.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { Authenticator } from "../authenticate.js";
import { sendError } from "../errors.js";

export const SUBPROTOCOL = "chatapp.v1";
const WS_PATH = "/ws";
const BEARER_PROTOCOL = "bearer.";

/** The token from the header, the `bearer.<jwt>` subprotocol, or `?token=`. */
function tokenOf(request: FastifyRequest): string | undefined {
  const fromHeader = bearerToken(request.headers.authorization);
  if (fromHeader) return fromHeader;
  const protocols = request.headers["sec-websocket-protocol"];
  if (typeof protocols === "string") {
    for (const p of protocols.split(",")) {
      const value = p.trim();
      if (value.startsWith(BEARER_PROTOCOL) && value.length > BEARER_PROTOCOL.length) return value.slice(BEARER_PROTOCOL.length);
    }
  }
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === "string" ? query.token : undefined;
}

/** Browsers send Origin: allow the server's own, and those in ALLOWED_ORIGINS. */
function originAllowed(origin: string | undefined, host: string | undefined, allowed: string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export async function registerWebSocketRoute(
  app: FastifyInstance,
  deps: { gateway: Gateway; authenticate: Authenticator; config: Config; accountStatus: AccountStatus },
): Promise<void> {
  const { gateway, authenticate: authenticateUser, config } = deps;
  await app.register(websocket, {
    options: {
      maxPayload: config.ws.maxPayloadBytes,
      perMessageDeflate: false,
      // Answer chatapp.v1 when offered; never echo the bearer.<jwt> entry.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    },
    // Shutdown closes the sockets itself, with 1012.
    preClose: async () => {},
  });

  // An upgrade to any other path (a mistyped /ws/, /WS, /socket) is refused before the
  // handshake: without this, a route without a WebSocket handler answered 101 and closed.
  app.addHook("onRequest", async (request, reply) => {
    if (request.ws && request.routeOptions.url !== WS_PATH) {
      return sendError(reply, "not_found", `no WebSocket endpoint at ${request.url.split("?")[0]}; use ${WS_PATH}`);
    }
  });

  // Authentication happens before the upgrade: a bad token is an HTTP 401, never an open socket.
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    if (gateway.shuttingDown) return sendError(reply, "unavailable", "server is restarting; reconnect shortly");
    if (!originAllowed(request.headers.origin, request.headers.host, config.allowedOrigins)) {
      return sendError(reply, "forbidden", "origin not allowed");
    }
    return authenticateUser(request, reply, tokenOf(request), (userId) => {
      // Only an upgrade takes a place: a plain GET /ws is answered 400 and must not hold one.
      if (!request.ws) return undefined;
      const place = gateway.reserve(userId, request.ip);
      if (typeof place === "string") return sendError(reply, "rate_limited", place);
      // Given back when the socket closes (the upgraded socket is the same TCP socket).
      request.releasePlace = place;
      request.raw.socket.once("close", place);
      return undefined;
    });
  };

  app.route({
    method: "GET",
    url: WS_PATH,
    preValidation: authenticate,
    // A plain GET (no upgrade) gets the usual error body rather than an empty 404.
    handler: (_request, reply) => sendError(reply, "invalid_request", "GET /ws needs a WebSocket upgrade"),
    wsHandler: (socket, request) => {
      gateway.accept(socket, request.userId, {
        ip: request.ip,
        tokenExpiresAt: request.tokenExpiresAt * 1000,
        release: request.releasePlace,
      });
      // Disabled while this upgrade was under way (after its check, before the close went out).
      if (deps.accountStatus.knownDisabled(request.userId))
        gateway.closeUser(request.userId, CLOSE.ACCOUNT_DISABLED, "account disabled");
    },
  });
}
