import { AuthResponse, LoginBody, MIN_PASSWORD_CHARS, RegisterBody, USERNAME_PATTERN, User } from "@chatapp/protocol";
import type { preHandlerHookHandler } from "fastify";
import { hashPassword, verifyPassword } from "../../auth/passwords.js";
import type { TokenService } from "../../auth/tokens.js";
import { ChatError } from "../../chat/errors.js";
import type { UsersRepo } from "../../store/users-repo.js";
import type { App } from "../app-types.js";
import type { AuthLimits } from "../auth-limits.js";
import { sendError } from "../errors.js";

const usernameRe = new RegExp(USERNAME_PATTERN);

export function authRoutes(
  app: App,
  deps: { users: UsersRepo; tokens: TokenService; guard: preHandlerHookHandler; limits: AuthLimits },
): void {
  const { users, tokens, limits } = deps;
  const preHandler = limits.perAddress;

  app.post(
    "/api/auth/register",
    { preHandler, schema: { body: RegisterBody, response: { 201: AuthResponse } } },
    async (request, reply) => {
      // Usernames are unique ignoring case: they are stored lower-case.
      const username = request.body.username.trim().toLowerCase();
      if (!usernameRe.test(username)) {
        throw new ChatError("invalid_request", "username must be 3 to 32 characters of a-z, 0-9, '_', '.' or '-'");
      }
      if ([...request.body.password].length < MIN_PASSWORD_CHARS) {
        throw new ChatError("invalid_request", `password must be at least ${MIN_PASSWORD_CHARS} characters`);
      }
      const displayName = request.body.display_name?.trim() || username;
      const user = await users.create({ username, displayName, passwordHash: await hashPassword(request.body.password) });
      if (!user) return sendError(reply, "conflict", "username is taken");
      return reply.code(201).send({ token: await tokens.sign(user.id), user });
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
        const found = await users.findCredentials(request.body.username.trim().toLowerCase());
        failed = !(await verifyPassword(found?.password_hash, request.body.password)) || !found;
        if (!found || failed) return sendError(reply, "unauthorized", "invalid username or password");
        const user = { id: found.id, username: found.username, display_name: found.display_name };
        return { token: await tokens.sign(user.id), user };
      } finally {
        if (!failed) await giveBack();
      }
    },
  );

  app.get("/api/me", { preHandler: deps.guard, schema: { response: { 200: User } } }, async (request) => {
    const user = await users.findById(request.userId);
    return user ?? { id: request.userId, username: null, display_name: null };
  });
}
