import { type Insertable, sql, type Transaction } from "kysely";
import { advanceCursors, type CursorMove, type CursorRow } from "./cursor-moves.js";
import type { Store } from "./database.js";
import { appendEvents, type OutboxEvent } from "./outbox.js";
import type { ConversationRow, ConversationsTable, Database, MemberRow } from "./schema.js";

export interface ConversationInfo {
  id: number;
  kind: "direct" | "group";
  title: string | null;
  memberIds: number[];
  ownerIds: number[];
}

/** Inserts a conversation and returns its id (RETURNING where the dialect has it). */
async function insertConversation(
  trx: Transaction<Database>,
  supportsReturning: boolean,
  values: Insertable<ConversationsTable>,
): Promise<number> {
  const insert = trx.insertInto("conversations").values(values);
  if (supportsReturning) return (await insert.returning("id").executeTakeFirstOrThrow()).id;
  return Number((await insert.executeTakeFirstOrThrow()).insertId);
}

/** "a:b" with the smaller id first: one direct conversation per pair of users. */
export const directKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** A conversation's size, and the cursors its last message's status needs, from one aggregate. */
export interface MemberSummary {
  memberCount: number;
  /** Members other than the last message's sender (0 without a last message). */
  others: number;
  /** Over those others: the lowest read cursor, and the lowest of each one's furthest cursor. */
  minRead: number;
  minReached: number;
}

/** The `member.added` webhook event: users joined (or were there at the conversation's creation). */
const memberAdded = (conversationId: number, userIds: number[], by: number | null): OutboxEvent => ({
  type: "member.added",
  conversationId,
  data: { conversation_id: conversationId, user_ids: userIds, by },
});

export class ConversationsRepo {
  constructor(private readonly store: Store) {}

  async findDirectId(a: number, b: number): Promise<number | undefined> {
    const row = await this.store.db
      .selectFrom("conversations")
      .select("id")
      .where("direct_key", "=", directKey(a, b))
      .executeTakeFirst();
    return row?.id;
  }

  /** The direct conversation of two users, created with both as members if it is new. */
  async findOrCreateDirect(a: number, b: number): Promise<number> {
    const existing = await this.findDirectId(a, b);
    if (existing !== undefined) return existing;
    const { db, adapter } = this.store;
    const now = Date.now();
    try {
      return await db.transaction().execute(async (trx) => {
        const values = {
          kind: "direct" as const,
          title: null,
          direct_key: directKey(a, b),
          created_by: a,
          created_at: now,
          last_activity_at: now,
        };
        const id = await insertConversation(trx, adapter.supportsReturning, values);
        await trx
          .insertInto("members")
          .values([a, b].map((user_id) => ({ conversation_id: id, user_id, role: "member" as const, joined_at: now })))
          .execute();
        await appendEvents(trx, [memberAdded(id, a === b ? [a] : [a, b], a)]);
        return id;
      });
    } catch (err) {
      // Another request (or node) created it at the same moment: use theirs.
      if (!adapter.isUniqueViolation(err)) throw err;
      const id = await this.findDirectId(a, b);
      if (id === undefined) throw err;
      return id;
    }
  }

  async info(conversationId: number): Promise<ConversationInfo | undefined> {
    const { db } = this.store;
    const conversation = await db
      .selectFrom("conversations")
      .select(["id", "kind", "title"])
      .where("id", "=", conversationId)
      .executeTakeFirst();
    if (!conversation) return undefined;
    const members = await db
      .selectFrom("members")
      .select(["user_id", "role"])
      .where("conversation_id", "=", conversationId)
      .orderBy("user_id")
      .execute();
    return {
      ...conversation,
      memberIds: members.map((m) => m.user_id),
      ownerIds: members.filter((m) => m.role === "owner").map((m) => m.user_id),
    };
  }

  /**
   * A new group: the creator and `memberIds` (each once), `ownerIds` among them its owners
   * (default the creator). `creatorId` is null when the admin API creates it; member.added names
   * the creator as `by`.
   */
  async createGroup(
    title: string,
    creatorId: number | null,
    memberIds: number[],
    ownerIds: number[] = creatorId === null ? [] : [creatorId],
  ): Promise<number> {
    const { db, adapter } = this.store;
    const now = Date.now();
    const owners = new Set(ownerIds);
    return db.transaction().execute(async (trx) => {
      const values = {
        kind: "group" as const,
        title,
        direct_key: null,
        created_by: creatorId,
        created_at: now,
        last_activity_at: now,
      };
      const id = await insertConversation(trx, adapter.supportsReturning, values);
      const everyone = creatorId === null ? memberIds : [creatorId, ...memberIds];
      const rows = [...new Set(everyone)].map((user_id) => ({
        conversation_id: id,
        user_id,
        role: owners.has(user_id) ? ("owner" as const) : ("member" as const),
        joined_at: now,
      }));
      for (let start = 0; start < rows.length; start += 500) {
        await trx
          .insertInto("members")
          .values(rows.slice(start, start + 500))
          .execute();
      }
      await appendEvents(trx, [
        memberAdded(
          id,
          rows.map((r) => r.user_id),
          creatorId,
        ),
      ]);
      return id;
    });
  }

  /**
   * Locks the conversation row for the rest of the transaction, so membership changes to one
   * conversation happen one at a time (two last owners leaving at once, the same user added
   * twice at once, a size limit checked by two requests at once). Returns its last_seq.
   */
  private async lock(trx: Transaction<Database>, conversationId: number): Promise<number | undefined> {
    let query = trx.selectFrom("conversations").select("last_seq").where("id", "=", conversationId);
    if (this.store.adapter.supportsForUpdate) query = query.forUpdate();
    return (await query.executeTakeFirst())?.last_seq;
  }

  /**
   * Adds members (those already in are left as they are) and returns the ones added, or
   * "full" when the group would pass `maxMembers`. Newcomers start with their cursors at the
   * conversation's last message: what was said before they joined is not unread for them.
   */
  async addMembers(conversationId: number, userIds: number[], maxMembers: number, by: number | null): Promise<number[] | "full"> {
    const now = Date.now();
    return this.store.db.transaction().execute(async (trx) => {
      const lastSeq = (await this.lock(trx, conversationId)) ?? 0;
      const present = await trx.selectFrom("members").select("user_id").where("conversation_id", "=", conversationId).execute();
      const have = new Set(present.map((p) => p.user_id));
      const added = [...new Set(userIds)].filter((u) => !have.has(u));
      if (have.size + added.length > maxMembers) return "full";
      for (let start = 0; start < added.length; start += 500) {
        await trx
          .insertInto("members")
          .values(
            added.slice(start, start + 500).map((user_id) => ({
              conversation_id: conversationId,
              user_id,
              role: "member" as const,
              joined_at: now,
              delivered_seq: lastSeq,
              read_seq: lastSeq,
            })),
          )
          .execute();
      }
      if (added.length > 0) await appendEvents(trx, [memberAdded(conversationId, added, by)]);
      return added;
    });
  }

  /**
   * Removes a member. A group never loses its last owner while it has members: the longest
   * standing member is promoted. Returns whether the user was a member, and who was promoted.
   */
  async removeMember(
    conversationId: number,
    userId: number,
    by: number | null,
  ): Promise<{ removed: boolean; promoted: number | undefined }> {
    return this.store.db.transaction().execute(async (trx) => {
      await this.lock(trx, conversationId);
      const result = await trx
        .deleteFrom("members")
        .where("conversation_id", "=", conversationId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return { removed: false, promoted: undefined };
      await appendEvents(trx, [
        { type: "member.removed", conversationId, data: { conversation_id: conversationId, user_id: userId, by } },
      ]);
      const owners = await trx
        .selectFrom("members")
        .select("user_id")
        .where("conversation_id", "=", conversationId)
        .where("role", "=", "owner")
        .execute();
      if (owners.length > 0) return { removed: true, promoted: undefined };
      const next = await trx
        .selectFrom("members")
        .select("user_id")
        .where("conversation_id", "=", conversationId)
        .orderBy("joined_at")
        .orderBy("user_id")
        .limit(1)
        .executeTakeFirst();
      if (next) {
        await trx
          .updateTable("members")
          .set({ role: "owner" })
          .where("conversation_id", "=", conversationId)
          .where("user_id", "=", next.user_id)
          .execute();
      }
      return { removed: true, promoted: next?.user_id };
    });
  }

  /** Kind of each conversation, in one query. */
  async kinds(conversationIds: number[]): Promise<Map<number, "direct" | "group">> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.store.db
      .selectFrom("conversations")
      .select(["id", "kind"])
      .where("id", "in", conversationIds)
      .execute();
    return new Map(rows.map((r) => [r.id, r.kind]));
  }

  async setTitle(conversationId: number, title: string): Promise<void> {
    await this.store.db
      .updateTable("conversations")
      .set({ title, last_activity_at: Date.now() })
      .where("id", "=", conversationId)
      .execute();
  }

  lastSeq(conversationId: number): Promise<number | undefined> {
    return this.store.db
      .selectFrom("conversations")
      .select("last_seq")
      .where("id", "=", conversationId)
      .executeTakeFirst()
      .then((r) => r?.last_seq);
  }

  /** For each user, everyone who shares at least one conversation with them (themselves excluded). */
  async contactsOf(userIds: number[]): Promise<Map<number, number[]>> {
    const contacts = new Map<number, number[]>(userIds.map((u) => [u, []]));
    if (userIds.length === 0) return contacts;
    const rows = await this.store.db
      .selectFrom("members as mine")
      .innerJoin("members as other", "other.conversation_id", "mine.conversation_id")
      .select(["mine.user_id as user", "other.user_id as contact"])
      .distinct()
      .where("mine.user_id", "in", userIds)
      .whereRef("other.user_id", "<>", "mine.user_id")
      .execute();
    for (const r of rows) contacts.get(r.user)?.push(r.contact);
    return contacts;
  }

  /** The user's conversations with their last seq and the user's own cursors. */
  cursorsOf(userId: number): Promise<{ id: number; last_seq: number; delivered_seq: number; read_seq: number }[]> {
    return this.store.db
      .selectFrom("members")
      .innerJoin("conversations", "conversations.id", "members.conversation_id")
      .select(["conversations.id", "conversations.last_seq", "members.delivered_seq", "members.read_seq"])
      .where("members.user_id", "=", userId)
      .orderBy("conversations.id")
      .execute();
  }

  /**
   * A page of the user's conversations, most recently active first; `before` continues after
   * the last conversation of the previous page; `only` restricts to one conversation.
   */
  listFor(
    userId: number,
    options: { limit: number; before?: { activity: number; id: number } | undefined; only?: number | undefined },
  ): Promise<(ConversationRow & { read_seq: number })[]> {
    let query = this.store.db
      .selectFrom("members")
      .innerJoin("conversations", "conversations.id", "members.conversation_id")
      .selectAll("conversations")
      .select("members.read_seq")
      .where("members.user_id", "=", userId);
    const { before, only } = options;
    if (only !== undefined) query = query.where("conversations.id", "=", only);
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb("conversations.last_activity_at", "<", before.activity),
          eb.and([eb("conversations.last_activity_at", "=", before.activity), eb("conversations.id", "<", before.id)]),
        ]),
      );
    }
    return query
      .orderBy("conversations.last_activity_at", "desc")
      .orderBy("conversations.id", "desc")
      .limit(options.limit)
      .execute();
  }

  /**
   * Per conversation, counted in the database: the list shows a group's size without
   * shipping every member of every group on the page.
   */
  async summaries(conversationIds: number[]): Promise<Map<number, MemberSummary>> {
    if (conversationIds.length === 0) return new Map();
    const notSender = sql`m.user_id <> ls.sender_id`;
    // The last messages' senders first (one row per conversation), then one pass over the members.
    const lastSenders = this.store.db
      .selectFrom("conversations as c")
      .innerJoin("messages as lm", (join) => join.onRef("lm.conversation_id", "=", "c.id").onRef("lm.seq", "=", "c.last_seq"))
      .select(["c.id", "lm.sender_id"])
      .where("c.id", "in", conversationIds)
      .as("ls");
    const rows = await this.store.db
      .selectFrom("members as m")
      .leftJoin(lastSenders, "ls.id", "m.conversation_id")
      .select((eb) => [
        "m.conversation_id",
        eb.fn.countAll().as("member_count"),
        sql<number>`sum(case when ${notSender} then 1 else 0 end)`.as("others"),
        sql<number>`min(case when ${notSender} then m.read_seq end)`.as("min_read"),
        sql<number>`min(case when ${notSender} then (case when m.read_seq > m.delivered_seq then m.read_seq else m.delivered_seq end) end)`.as(
          "min_reached",
        ),
      ])
      .where("m.conversation_id", "in", conversationIds)
      .groupBy("m.conversation_id")
      .execute();
    return new Map(
      rows.map((r) => [
        r.conversation_id,
        {
          memberCount: Number(r.member_count),
          others: Number(r.others ?? 0),
          minRead: Number(r.min_read ?? 0),
          minReached: Number(r.min_reached ?? 0),
        },
      ]),
    );
  }

  /** The members a list page shows: both of a direct conversation, and only `userId` in a group. */
  listedMembersOf(userId: number, conversationIds: number[], directIds: number[]): Promise<MemberRow[]> {
    if (conversationIds.length === 0) return Promise.resolve([]);
    return this.store.db
      .selectFrom("members")
      .selectAll()
      .where("conversation_id", "in", conversationIds)
      .where((eb) =>
        directIds.length === 0
          ? eb("user_id", "=", userId)
          : eb.or([eb("user_id", "=", userId), eb("conversation_id", "in", directIds)]),
      )
      .orderBy("conversation_id")
      .orderBy("user_id")
      .execute();
  }

  membersOf(conversationIds: number[]): Promise<MemberRow[]> {
    if (conversationIds.length === 0) return Promise.resolve([]);
    return this.store.db
      .selectFrom("members")
      .selectAll()
      .where("conversation_id", "in", conversationIds)
      .orderBy("conversation_id")
      .orderBy("user_id")
      .execute();
  }

  /** Moves cursors forward, never back. Returns the rows that moved, as stored afterwards. */
  advanceCursors(moves: CursorMove[]): Promise<CursorRow[]> {
    if (moves.length === 0) return Promise.resolve([]);
    return advanceCursors(this.store.db, this.store.adapter, moves);
  }
}
