import { type AuthResponse, MIN_PASSWORD_CHARS, USERNAME_PATTERN, type User } from "@chatapp/protocol";
import { hashPassword, verifyPassword } from "../auth/passwords.js";
import type { TokenService } from "../auth/tokens.js";
import type { UsersRepo } from "../store/users-repo.js";
import type { AccountStatus } from "./account-status.js";
import { ChatError } from "./errors.js";

const usernameRe = new RegExp(USERNAME_PATTERN);

/**
 * Local accounts: the username and password rules, password hashing, and the tokens this
 * server signs for them. HTTP routes only translate to and from it.
 */
export class Accounts {
  constructor(
    private readonly users: UsersRepo,
    private readonly tokens: TokenService,
    private readonly status?: AccountStatus,
  ) {}

  /** Creates an account and signs its first token; `conflict` when the username is taken. */
  async register(input: { username: string; password: string; displayName?: string | undefined }): Promise<AuthResponse> {
    // Usernames are unique ignoring case: they are stored lower-case.
    const username = input.username.trim().toLowerCase();
    if (!usernameRe.test(username)) {
      throw new ChatError("invalid_request", "username must be 3 to 32 characters of a-z, 0-9, '_', '.' or '-'");
    }
    if ([...input.password].length < MIN_PASSWORD_CHARS) {
      throw new ChatError("invalid_request", `password must be at least ${MIN_PASSWORD_CHARS} characters`);
    }
    const displayName = input.displayName?.trim() || username;
    const user = await this.users.create({ username, displayName, passwordHash: await hashPassword(input.password) });
    if (!user) throw new ChatError("conflict", "username is taken");
    return { token: await this.tokens.sign(user.id), user };
  }

  /**
   * A token for the right password; undefined for a wrong one or an unknown user (the same
   * work is done for both: argon2 runs against a dummy hash when the user does not exist).
   */
  async login(usernameGiven: string, password: string): Promise<AuthResponse | undefined> {
    const found = await this.users.findCredentials(usernameGiven.trim().toLowerCase());
    if (!(await verifyPassword(found?.password_hash, password)) || !found) return undefined;
    // Only with the right password: a wrong one does not learn that the account is disabled.
    if (await this.status?.isDisabled(found.id)) throw new ChatError("account_disabled");
    const user = { id: found.id, username: found.username, display_name: found.display_name, bot: found.bot };
    return { token: await this.tokens.sign(user.id), user };
  }

  /**
   * A fresh token for a local account, given its current, still valid token (the caller has
   * checked it): a client that refreshes before expiry stays logged in while it is used. Users
   * known only from another system's tokens get their tokens from that system, so this server
   * does not turn such a token into one of its own with a longer life.
   */
  async refresh(userId: number): Promise<AuthResponse> {
    const user = await this.users.findById(userId);
    if (!user?.username) {
      throw new ChatError("forbidden", "only tokens of local accounts are refreshed here; ask the system that issued this token");
    }
    return { token: await this.tokens.sign(user.id), user };
  }

  /** The user as others see them; one known only by id (provisioned from a token) has no names. */
  async profile(userId: number): Promise<User> {
    return (await this.users.findById(userId)) ?? { id: userId, username: null, display_name: null, bot: false };
  }
}
