import {
  AdminBanBody,
  AdminCreateUserBody,
  AdminPatchUserBody,
  AdminTokenBody,
  AdminTokenResponse,
  AdminUser,
  AdminUserParams,
} from "@chatapp/protocol";
import type { App } from "../../app-types.js";
import type { AdminDeps } from "./index.js";

/** Admin users (integrations §1): create, read, change, tokens, ban and unban. */
export function usersAdminRoutes(app: App, deps: AdminDeps): void {
  const { adminUsers: users, audit } = deps;
  const target = (id: number) => ({ type: "user", id });
  // A POST without a body (no Content-Type) is the same as `{}`.
  const noBodyIsEmpty = async (request: { body: unknown }) => {
    request.body ??= {};
  };

  app.post(
    "/api/admin/users",
    { schema: { body: AdminCreateUserBody, response: { 201: AdminUser } } },
    async (request, reply) => {
      const user = await users.create(request.body);
      await audit.record(request.adminKey, "user.create", target(user.id), { id_given: request.body.id !== undefined });
      return reply.code(201).send(user);
    },
  );

  app.get("/api/admin/users/:id", { schema: { params: AdminUserParams, response: { 200: AdminUser } } }, async (request) =>
    users.get(request.params.id),
  );

  app.patch(
    "/api/admin/users/:id",
    { schema: { params: AdminUserParams, body: AdminPatchUserBody, response: { 200: AdminUser } } },
    async (request) => {
      const user = await users.update(request.params.id, request.body);
      // Which fields changed, never their values (a password above all).
      await audit.record(request.adminKey, "user.update", target(user.id), { fields: Object.keys(request.body).sort() });
      return user;
    },
  );

  app.post(
    "/api/admin/users/:id/tokens",
    {
      preValidation: noBodyIsEmpty,
      schema: { params: AdminUserParams, body: AdminTokenBody, response: { 201: AdminTokenResponse } },
    },
    async (request, reply) => {
      const answer = await users.issueToken(request.params.id, request.body.ttl);
      await audit.record(request.adminKey, "user.token", target(request.params.id), { expires_at: answer.expires_at });
      return reply.code(201).send(answer);
    },
  );

  app.post(
    "/api/admin/users/:id/ban",
    { preValidation: noBodyIsEmpty, schema: { params: AdminUserParams, body: AdminBanBody, response: { 200: AdminUser } } },
    async (request) => {
      const user = await users.ban(request.params.id, request.body.reason);
      await audit.record(request.adminKey, "user.ban", target(user.id));
      return user;
    },
  );

  app.delete(
    "/api/admin/users/:id/ban",
    { schema: { params: AdminUserParams, response: { 200: AdminUser } } },
    async (request) => {
      const user = await users.unban(request.params.id);
      await audit.record(request.adminKey, "user.unban", target(user.id));
      return user;
    },
  );
}
