import { AuthResponse, LoginBody, RegisterBody, User } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import type { Accounts } from "../../chat/accounts.js";
import type { App } from "../app-types.js";
import type { AuthLimits } from "../auth-limits.js";
import { sendError } from "../errors.js";

/** Registration, login, token refresh and /api/me: translated to and from the accounts service. */
export function authRoutes(app: App, deps: { accounts: Accounts; guard: preHandlerHookHandler; limits: AuthLimits }): void {
  const { accounts, limits } = deps;
  const preHandler = limits.perAddress;

  app.post(
    "/api/auth/register",
    { preHandler, schema: { body: RegisterBody, response: { 201: AuthResponse } } },
    async (request, reply) => {
      const { username, password, display_name: displayName } = request.body;
      return reply.code(201).send(await accounts.register({ username, password, displayName }));
    },
  );

  app.post(
    "/api/auth/login",
    { preHandler, schema: { body: LoginBody, response: { 200: AuthResponse } } },
    async (request, reply) => {
      // Counted before the check (a burst cannot pass the limit), given back unless it failed.
      const giveBack = await limits.reserveLogin(request, reply);
      let failed = false;
      try {
        const answer = await accounts.login(request.body.username, request.body.password);
        failed = answer === undefined;
        return answer ?? sendError(reply, "unauthorized", "invalid username or password");
      } finally {
        if (!failed) await giveBack();
      }
    },
  );

  // A valid token in, a fresh one out: the web client refreshes before its token expires.
  app.post("/api/auth/refresh", { preHandler: deps.guard, schema: { response: { 200: AuthResponse } } }, async (request) =>
    accounts.refresh(request.userId),
  );

  app.get("/api/me", { preHandler: deps.guard, schema: { response: { 200: User } } }, async (request) =>
    accounts.profile(request.userId),
  );
}
