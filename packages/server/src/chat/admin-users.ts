import {
  ADMIN_TOKEN_TTL,
  type AdminCreateUserBody,
  type AdminPatchUserBody,
  type AdminTokenResponse,
  type AdminUser,
  MIN_PASSWORD_CHARS,
  USERNAME_PATTERN,
} from "@chatapp/protocol";
import { decodeJwt } from "jose";
import { hashPassword } from "../auth/passwords.js";
import type { TokenService } from "../auth/tokens.js";
import type { AdminUserChanges, AdminUserRow, AdminUsersRepo } from "../store/admin-users-repo.js";
import type { AccountStatus } from "./account-status.js";
import { ChatError } from "./errors.js";

const usernameRe = new RegExp(USERNAME_PATTERN);

/** The admin API's view of a user: `ban_reason` only while banned. */
export function adminUserView(row: AdminUserRow): AdminUser {
  const user: AdminUser = {
    id: row.id,
    username: row.username,
    display_name: row.display_name,
    bot: row.bot,
    active: row.active,
    created_at: new Date(row.created_at).toISOString(),
  };
  if (!row.active && row.ban_reason !== null) user.ban_reason = row.ban_reason;
  return user;
}

/** Usernames are stored lower-case, as registration stores them. */
function username(given: string | null | undefined): string | null | undefined {
  if (given === undefined || given === null) return given;
  const name = given.trim().toLowerCase();
  if (!usernameRe.test(name)) {
    throw new ChatError("invalid_request", "username must be 3 to 32 characters of a-z, 0-9, '_', '.' or '-'");
  }
  return name;
}

function displayName(given: string | null | undefined): string | null | undefined {
  if (given === undefined || given === null) return given;
  const name = given.trim();
  if (name === "") throw new ChatError("invalid_request", "display_name must not be blank");
  return name;
}

async function passwordHash(given: string | null | undefined): Promise<string | null | undefined> {
  if (given === undefined || given === null) return given;
  if ([...given].length < MIN_PASSWORD_CHARS) {
    throw new ChatError("invalid_request", `password must be at least ${MIN_PASSWORD_CHARS} characters`);
  }
  return hashPassword(given);
}

/**
 * Users as the application backend manages them through the admin API (integrations §1):
 * creation with its own ids, changes, tokens, and deactivation (a ban is a deactivation with
 * a reason). Every change of whether a user may sign in goes through AccountStatus, which
 * closes their sockets on every node and refuses their tokens.
 */
export class AdminUsers {
  constructor(
    private readonly repo: AdminUsersRepo,
    private readonly status: AccountStatus,
    private readonly tokens: TokenService,
  ) {}

  async create(body: AdminCreateUserBody): Promise<AdminUser> {
    const made = await this.repo.create({
      id: body.id,
      username: username(body.username) ?? null,
      displayName: displayName(body.display_name) ?? null,
      passwordHash: (await passwordHash(body.password)) ?? null,
      bot: body.bot ?? false,
    });
    if (made === "username") throw new ChatError("conflict", "username is taken");
    if (made === "id") throw new ChatError("conflict", `a user with id ${body.id} exists`);
    // An erased id made anew may sign in again.
    if (body.id !== undefined) this.status.changed(made.id, false);
    return adminUserView(made);
  }

  async get(id: number): Promise<AdminUser> {
    return adminUserView(await this.existing(id));
  }

  async update(id: number, body: AdminPatchUserBody): Promise<AdminUser> {
    const changes: AdminUserChanges = {
      username: username(body.username),
      displayName: displayName(body.display_name),
      passwordHash: await passwordHash(body.password),
      bot: body.bot,
      active: body.active,
    };
    // Active again: no longer banned either.
    if (body.active === true) changes.banReason = null;
    return this.change(id, changes);
  }

  ban(id: number, reason: string | undefined): Promise<AdminUser> {
    return this.change(id, { active: false, banReason: reason?.trim() || null });
  }

  unban(id: number): Promise<AdminUser> {
    return this.change(id, { active: true, banReason: null });
  }

  /** A user token as login issues it; an inactive user gets none (conflict). */
  async issueToken(id: number, ttl: number = ADMIN_TOKEN_TTL.default): Promise<AdminTokenResponse> {
    const user = await this.existing(id);
    if (!user.active) throw new ChatError("conflict", `user ${id} is inactive: activate them first`);
    let token: string;
    try {
      token = await this.tokens.sign(id, ttl);
    } catch (err) {
      if (err instanceof RangeError) throw new ChatError("invalid_request", `ttl: ${err.message}`);
      throw err;
    }
    // The token's own `exp`, so the two never differ by the second the signing took.
    const exp = decodeJwt(token).exp ?? Math.floor(Date.now() / 1000) + ttl;
    return { token, expires_at: new Date(exp * 1000).toISOString() };
  }

  private async change(id: number, changes: AdminUserChanges): Promise<AdminUser> {
    const before = await this.existing(id);
    const after = await this.repo.update(id, changes);
    if (after === undefined) throw new ChatError("not_found", `no user with id ${id}`);
    if (after === "username") throw new ChatError("conflict", "username is taken");
    if (after.active !== before.active) this.status.changed(id, !after.active);
    return adminUserView(after);
  }

  private async existing(id: number): Promise<AdminUserRow> {
    const row = await this.repo.find(id);
    if (!row) throw new ChatError("not_found", `no user with id ${id}`);
    return row;
  }
}
