import type { Store } from "./database.js";
import { takeLocalUserId } from "./local-user-ids.js";
import { appendEvents, userData } from "./outbox.js";
import type { UserRow } from "./schema.js";
import { searchName } from "./search-name.js";

/** A user as the admin API reads it. */
export type AdminUserRow = Pick<UserRow, "id" | "username" | "display_name" | "created_at" | "ban_reason"> & {
  bot: boolean;
  active: boolean;
};

export interface NewAdminUser {
  /** The application's own id; without it one is taken from the local counter. */
  id?: number | undefined;
  username: string | null;
  displayName: string | null;
  passwordHash: string | null;
  bot: boolean;
}

export interface AdminUserChanges {
  username?: string | null;
  displayName?: string | null;
  passwordHash?: string | null;
  bot?: boolean;
  active?: boolean;
  banReason?: string | null;
}

/** Why a create or an update was refused. */
export type Taken = "username" | "id";

const COLUMNS = ["id", "username", "display_name", "created_at", "ban_reason", "bot", "active"] as const;

function toRow(r: Pick<UserRow, (typeof COLUMNS)[number]>): AdminUserRow {
  return { ...r, created_at: Number(r.created_at), bot: Number(r.bot) === 1, active: Number(r.active) === 1 };
}

/** The users table as the admin API changes it (migration 014's columns), and erased ids. */
export class AdminUsersRepo {
  constructor(private readonly store: Store) {}

  async find(id: number): Promise<AdminUserRow | undefined> {
    const row = await this.store.db
      .selectFrom("users")
      .select(COLUMNS)
      .where("id", "=", id)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom("erased_users").select("user_id").where("user_id", "=", id))))
      .executeTakeFirst();
    return row && toRow(row);
  }

  /** Of `ids`, those whose tokens are refused: inactive, or erased. */
  async disabledAmong(ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const { db } = this.store;
    const [inactive, erased] = await Promise.all([
      db.selectFrom("users").select("id").where("id", "in", ids).where("active", "=", 0).execute(),
      db.selectFrom("erased_users").select("user_id").where("user_id", "in", ids).execute(),
    ]);
    return new Set([...inactive.map((r) => Number(r.id)), ...erased.map((r) => Number(r.user_id))]);
  }

  /**
   * Creates a user, with the given id or one from the local counter (local-user-ids.ts: an
   * id from outside never moves it). An erased id given here is created anew and loses its
   * mark. The row, or what was taken.
   */
  async create(input: NewAdminUser): Promise<AdminUserRow | Taken> {
    const { db, adapter } = this.store;
    const values = {
      username: input.username,
      display_name: input.displayName,
      password_hash: input.passwordHash,
      bot: input.bot ? 1 : 0,
      created_at: Date.now(),
      search_name: searchName(input.username, input.displayName),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const id = await db.transaction().execute(async (trx) => {
          const id = input.id ?? (await takeLocalUserId(trx, adapter));
          if (input.id !== undefined) await trx.deleteFrom("erased_users").where("user_id", "=", id).execute();
          await trx
            .insertInto("users")
            .values({ id, ...values })
            .execute();
          // The webhook event, committed with the user (integrations §2).
          await appendEvents(trx, [
            {
              type: "user.created",
              conversationId: null,
              data: userData({ id, username: values.username, display_name: values.display_name, bot: input.bot === true }),
            },
          ]);
          return id;
        });
        return (await this.find(id)) as AdminUserRow;
      } catch (err) {
        const unique = adapter.isUniqueViolation(err);
        if (!unique && !adapter.isRetryable(err)) throw err;
        if (unique && input.username !== null && (await this.usernameTaken(input.username))) return "username";
        if (unique && input.id !== undefined) return "id";
        // A local id provisioned meanwhile, or a deadlock: again.
        if (attempt >= 3) throw err;
      }
    }
  }

  /** Applies `changes`; the row after them, undefined for an unknown user, or "username" when taken. */
  async update(id: number, changes: AdminUserChanges): Promise<AdminUserRow | "username" | undefined> {
    const current = await this.find(id);
    if (!current) return undefined;
    const username = changes.username === undefined ? current.username : changes.username;
    const displayName = changes.displayName === undefined ? current.display_name : changes.displayName;
    const set: Record<string, unknown> = {};
    if (changes.username !== undefined) set.username = changes.username;
    if (changes.displayName !== undefined) set.display_name = changes.displayName;
    if (changes.username !== undefined || changes.displayName !== undefined) set.search_name = searchName(username, displayName);
    if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash;
    if (changes.bot !== undefined) set.bot = changes.bot ? 1 : 0;
    if (changes.active !== undefined) set.active = changes.active ? 1 : 0;
    if (changes.banReason !== undefined) set.ban_reason = changes.banReason;
    if (Object.keys(set).length > 0) {
      try {
        await this.store.db.updateTable("users").set(set).where("id", "=", id).execute();
      } catch (err) {
        if (this.store.adapter.isUniqueViolation(err)) return "username";
        throw err;
      }
    }
    return this.find(id);
  }

  private async usernameTaken(username: string): Promise<boolean> {
    const row = await this.store.db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirst();
    return row !== undefined;
  }
}
