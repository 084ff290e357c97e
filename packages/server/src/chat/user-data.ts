import type { AdminUser, EraseResponse, UserExport } from "@chatapp/protocol";
import { iso } from "../lib/time.js";
import type { AdminUsersRepo } from "../store/admin-users-repo.js";
import type { ErasedBatchHook, UserDataRepo } from "../store/user-data-repo.js";
import type { AccountStatus } from "./account-status.js";
import { adminUserView } from "./admin-users.js";
import type { ConversationAdmin } from "./conversation-admin.js";
import type { ConversationCache } from "./conversation-cache.js";
import { asChatError, ChatError } from "./errors.js";
import type { UserDirectory } from "./user-directory.js";

/** The parts of an export that other features fill: what the user made there. */
export type ExportParts = Pick<UserExport, "blocks" | "push_subscriptions" | "reports">;

/**
 * One feature's share of a user's data (blocks, push subscriptions, reports, uploads, …):
 * what it adds to an export, and how it ends at an erasure. Features that keep per-user data
 * register one with `UserData.addSection`, so neither export nor erase needs to know them.
 */
export interface UserDataSection {
  /** Fills its part of the export (the parts start as empty arrays). */
  export?(userId: number, parts: ExportParts): Promise<void>;
  /** Ends the user's data of this feature; runs before the account row goes. */
  erase?(userId: number): Promise<void>;
}

/** The account side of an erasure, owned by the accounts feature (the erased mark, the 4003 close). */
export interface AccountEnd {
  /** The admin user object of the export; undefined for an unknown or erased user. */
  describe(userId: number): Promise<AdminUser | undefined>;
  /**
   * Marks the id erased, so its tokens are refused from now on and it is never provisioned
   * again, and closes the user's sockets on every node. Runs first: nothing new arrives from
   * the user while the rest is erased.
   */
  markErased(userId: number): Promise<void>;
}

/**
 * The account side as the admin users feature keeps it: the admin user object (404 once
 * erased), and the erased mark, which AccountStatus tells every node (tokens refused, sockets
 * closed with 4003).
 */
export function adminAccountEnd(users: AdminUsersRepo, status: AccountStatus, repo: UserDataRepo): AccountEnd {
  return {
    async describe(userId) {
      const row = await users.find(userId);
      return row && adminUserView(row);
    },
    async markErased(userId) {
      await repo.markErased(userId, Date.now());
      status.changed(userId, true);
    },
  };
}

/**
 * Export and erasure of one user's data (integrations contract §1, GDPR). Both read and
 * write in batches (store/user-data-repo.ts), so a user with a million messages never holds
 * the chat up in one long transaction.
 */
export class UserData {
  private readonly sections: UserDataSection[] = [];
  private readonly batchHooks: ErasedBatchHook[] = [];

  constructor(
    private readonly repo: UserDataRepo,
    private readonly admin: ConversationAdmin,
    private readonly cache: ConversationCache,
    private readonly directory: UserDirectory,
    private readonly account: AccountEnd,
  ) {}

  addSection(section: UserDataSection): void {
    this.sections.push(section);
  }

  /**
   * Runs `hook` inside each transaction that deletes a batch of an erased user's messages,
   * with those messages: what must commit together with the deletion (such as the events
   * that report it) goes there.
   */
  onMessagesErased(hook: ErasedBatchHook): void {
    this.batchHooks.push(hook);
  }

  /** The user's data as one document; 404 for an unknown or erased user. */
  async export(userId: number): Promise<UserExport> {
    try {
      const user = await this.account.describe(userId);
      if (!user) throw new ChatError("not_found", `no user with id ${userId}`);
      const exportedAt = Date.now();
      const conversations = (await this.repo.memberships(userId)).map((c) => ({
        id: c.id,
        kind: c.kind,
        title: c.title,
        role: c.role,
      }));
      const messages: UserExport["messages"] = [];
      for (let after = 0; ; ) {
        const page = await this.repo.sentMessages(userId, after);
        for (const m of page) {
          const message: UserExport["messages"][number] = {
            id: m.id,
            conversation_id: m.conversation_id,
            seq: m.seq,
            content: m.content,
            timestamp: iso(m.created_at),
          };
          if (m.edited_at !== null) message.edited_at = iso(m.edited_at);
          messages.push(message);
        }
        const last = page.at(-1);
        if (!last) break;
        after = last.id;
      }
      const parts: ExportParts = { blocks: [], push_subscriptions: [], reports: [] };
      for (const section of this.sections) await section.export?.(userId, parts);
      return { user, exported_at: iso(exportedAt), conversations, messages, ...parts };
    } catch (err) {
      throw asChatError(err);
    }
  }

  /**
   * Erases the user: marked erased with their sockets closed (4003), then their messages
   * become deleted messages (same seq, empty content, out of search) batch by batch, they
   * leave their groups as if an admin removed them (`member_left` frames and system messages
   * with `by` null, an owner promoted where needed) and their direct conversations, every
   * section ends its data, and the account row goes last. Deleted messages send no
   * `message_deleted` frames (an erasure may delete millions): clients see them deleted on
   * their next read. Safe to run again after a failure part way (404 once the row is gone).
   */
  async erase(userId: number): Promise<EraseResponse> {
    try {
      if (!(await this.repo.account(userId))) throw new ChatError("not_found", `no user with id ${userId}`);
      await this.account.markErased(userId);
      // From here no node takes the id as a receiver or a new member (existingIds leaves
      // marked ids out); told again at the end, for a check that raced this one.
      this.directory.forget(userId);
      this.cache.forgetUser(userId);
      const now = Date.now();
      let deleted = 0;
      for (;;) {
        const n = await this.repo.eraseMessageBatch(userId, now, this.batchHooks);
        if (n === 0) break;
        deleted += n;
      }
      for (const c of await this.repo.memberships(userId)) {
        if (c.kind !== "group") continue;
        await this.admin.removeMember(null, c.id, userId).catch((err: unknown) => {
          // Removed meanwhile (by its owner, or a concurrent erase): nothing left to do.
          if (!(err instanceof ChatError && err.code === "not_found")) throw err;
        });
      }
      const directs = await this.repo.directConversationIds(userId);
      for (const id of directs) this.cache.dropMember(id, userId);
      await this.repo.leaveDirects(userId, directs);
      for (const id of directs) await this.cache.refresh(id);
      for (const section of this.sections) await section.erase?.(userId);
      await this.repo.deleteAccount(userId);
      this.directory.forget(userId);
      this.cache.forgetUser(userId);
      return { user_id: userId, messages_deleted: deleted };
    } catch (err) {
      throw asChatError(err);
    }
  }
}
