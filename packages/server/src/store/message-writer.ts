import type { SystemInfo } from "@chatapp/protocol";
import { type Kysely, sql, type Transaction } from "kysely";
import type { Store } from "./database.js";
import { isConnectionError } from "./dialect.js";
import type { Database, MessageRow } from "./schema.js";

export interface NewMessage<Meta = unknown> {
  conversationId: number;
  senderId: number;
  clientId: string | null;
  content: string;
  /** Set for system messages (membership and title changes). */
  system?: SystemInfo | undefined;
  /** Not stored: handed back with the stored message (who to deliver to, which connection sent it). */
  meta: Meta;
}

export interface StoredMessage<Meta = unknown> {
  meta: Meta;
  id: number;
  conversationId: number;
  seq: number;
  senderId: number;
  clientId: string | null;
  content: string;
  createdAt: number;
  system: SystemInfo | null;
  /** True when this answers a repeated (sender, client_id): nothing new was stored. */
  duplicate: boolean;
}

/** The database did not take the batch: nothing of it was stored. */
export class StorageUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super("storage is unavailable: nothing was stored, retry later");
    this.name = "StorageUnavailableError";
  }
}

interface Pending<Meta> {
  message: NewMessage<Meta>;
  resolve: (stored: StoredMessage<Meta>) => void;
  reject: (err: Error) => void;
}

export interface WriterOptions {
  /** Most messages in one transaction. */
  maxBatch?: number;
  /** Tries of a batch that hit a deadlock or a concurrent duplicate before it fails. */
  maxAttempts?: number;
  /** Called after each committed batch with its size and duration (metrics, logs). */
  onBatch?: (size: number, ms: number) => void;
  /** Called with an error that failed a whole batch. */
  onError?: (err: unknown) => void;
  /**
   * A transaction with no answer after this long (a hung database) is given up: its sends are
   * refused with StorageUnavailableError, and their keys are treated as of unknown outcome,
   * since the transaction may still commit later. Default 10 s.
   */
  commitTimeoutMs?: number;
}

/** The database did not answer in time. */
export class CommitTimeoutError extends Error {
  readonly code = "ETIMEDOUT";
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
    this.name = "CommitTimeoutError";
  }
}

const INSERT_CHUNK = 500;

/**
 * Group commit: while one transaction is in flight, new messages queue; when it commits,
 * everything queued goes into the next one. There is no timer, so a lone message is written
 * at once, and under load each transaction (and each fsync) carries many messages.
 *
 * Each message gets the next `seq` of its conversation inside the transaction; (sender,
 * client_id) is unique, and a repeat resolves to the message stored the first time.
 * `onCommit` is called synchronously after each commit with the new messages in seq order,
 * so whoever publishes them keeps that order.
 */
export class MessageWriter<Meta = unknown> {
  private queue: Pending<Meta>[] = [];
  /**
   * (sender, client_id) of messages whose commit failed with the connection: the commit may
   * or may not have happened. A repeat that finds such a message stored was never acked nor
   * delivered, so it is handed on as new rather than as a duplicate.
   */
  private readonly uncertain = new Set<string>();
  private running = false;
  private idle: (() => void)[] = [];
  onCommit: (messages: StoredMessage<Meta>[]) => void = () => {};

  constructor(
    private readonly store: Store,
    private readonly options: WriterOptions = {},
  ) {}

  write(message: NewMessage<Meta>): Promise<StoredMessage<Meta>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Start on the next turn of the event loop, so that frames read in the same I/O
        // phase share the first transaction.
        setImmediate(() => void this.run());
      }
    });
  }

  /** Resolves when every message queued so far has been committed or refused. */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  get pending(): number {
    return this.queue.length;
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch ?? 1000);
      await this.commit(batch);
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    const ms = this.options.commitTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommitTimeoutError(ms)), ms);
    });
    // The abandoned transaction settles on its own later; nobody waits for it.
    work.catch(() => {});
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private markUncertain(m: NewMessage<Meta>): void {
    if (m.clientId === null) return;
    if (this.uncertain.size >= 100_000) this.uncertain.clear();
    this.uncertain.add(idemKey(m.senderId, m.clientId));
  }

  private settleUncertain(results: StoredMessage<Meta>[]): void {
    if (this.uncertain.size === 0) return;
    for (const r of results) {
      if (r.clientId === null) continue;
      // The first answer for the key settles it: stored now, or found stored from before.
      if (this.uncertain.delete(idemKey(r.senderId, r.clientId)) && r.duplicate) r.duplicate = false;
    }
  }

  private async commit(batch: Pending<Meta>[]): Promise<void> {
    const started = performance.now();
    const maxAttempts = this.options.maxAttempts ?? 3;
    const { adapter } = this.store;
    for (let attempt = 1; ; attempt++) {
      let results: StoredMessage<Meta>[];
      try {
        results = await this.withTimeout(
          this.store.db.transaction().execute((trx) =>
            insertBatch(
              trx,
              this.store,
              batch.map((p) => p.message),
            ),
          ),
        );
      } catch (err) {
        // A deadlock, or the same (sender, client_id) committed by another node meanwhile:
        // the next try sees the committed row and answers with it.
        if (attempt < maxAttempts && (adapter.isRetryable(err) || adapter.isUniqueViolation(err))) continue;
        this.options.onError?.(err);
        if (isConnectionError(err)) {
          for (const p of batch) this.markUncertain(p.message);
          const failure = new StorageUnavailableError(err);
          for (const p of batch) p.reject(failure);
        } else if (batch.length > 1) {
          // Something in this batch is wrong, not the database: write the messages one by
          // one so that only the faulty one is refused.
          for (const p of batch) await this.commit([p]);
        } else {
          batch[0]?.reject(new StorageUnavailableError(err));
        }
        return;
      }
      this.settleUncertain(results);
      this.options.onBatch?.(batch.length, performance.now() - started);
      try {
        this.onCommit(results);
      } catch (err) {
        this.options.onError?.(err);
      }
      for (const [i, p] of batch.entries()) p.resolve(results[i] as StoredMessage<Meta>);
      return;
    }
  }
}

const idemKey = (senderId: number, clientId: string) => `${senderId}\u0000${clientId}`;

function toStored<Meta>(row: MessageRow, meta: Meta, duplicate: boolean): StoredMessage<Meta> {
  return {
    meta,
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    senderId: row.sender_id,
    clientId: row.client_id,
    content: row.content,
    createdAt: row.created_at,
    system: row.system_event === null ? null : (JSON.parse(row.system_event) as SystemInfo),
    duplicate,
  };
}

async function insertBatch<Meta>(
  trx: Transaction<Database>,
  store: Store,
  messages: NewMessage<Meta>[],
): Promise<StoredMessage<Meta>[]> {
  const now = Date.now();
  const results: (StoredMessage<Meta> | undefined)[] = new Array(messages.length);

  // 1. Idempotency: answer repeats of (sender, client_id) with what was stored before,
  //    and repeats inside this batch with the first of them.
  const keyed = messages.filter((m) => m.clientId !== null);
  const existing = new Map<string, MessageRow>();
  for (const row of await findByClientIds(trx, keyed)) {
    existing.set(idemKey(row.sender_id, row.client_id as string), row);
  }
  const fresh: number[] = [];
  const firstInBatch = new Map<string, number>();
  const repeatOf = new Map<number, number>();
  messages.forEach((m, i) => {
    if (m.clientId !== null) {
      const key = idemKey(m.senderId, m.clientId);
      const stored = existing.get(key);
      if (stored) {
        results[i] = toStored(stored, m.meta, true);
        return;
      }
      const first = firstInBatch.get(key);
      if (first !== undefined) {
        repeatOf.set(i, first);
        return;
      }
      firstInBatch.set(key, i);
    }
    fresh.push(i);
  });

  if (fresh.length > 0) {
    // 2. Reserve seqs: one UPDATE moves every touched conversation's last_seq forward and
    //    locks those rows until commit; then read where each range ends.
    const counts = new Map<number, number>();
    for (const i of fresh) {
      const c = (messages[i] as NewMessage<Meta>).conversationId;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const ids = [...counts.keys()];
    const increments = sql.join(
      [...counts].map(([id, n]) => sql`when ${sql.lit(id)} then ${sql.lit(n)}`),
      sql` `,
    );
    await trx
      .updateTable("conversations")
      .set({ last_seq: sql`last_seq + case id ${increments} else 0 end`, last_activity_at: now })
      .where("id", "in", ids)
      .execute();
    const ends = await trx.selectFrom("conversations").select(["id", "last_seq"]).where("id", "in", ids).execute();
    const nextSeq = new Map<number, number>();
    for (const row of ends) nextSeq.set(row.id, row.last_seq - (counts.get(row.id) ?? 0) + 1);
    if (nextSeq.size !== counts.size) throw new Error("message for a conversation that does not exist");

    // 3. Insert, in chunks that stay under every driver's parameter limit.
    const rows = fresh.map((i) => {
      const m = messages[i] as NewMessage<Meta>;
      const seq = nextSeq.get(m.conversationId) as number;
      nextSeq.set(m.conversationId, seq + 1);
      return {
        conversation_id: m.conversationId,
        seq,
        sender_id: m.senderId,
        client_id: m.clientId,
        content: m.content,
        created_at: now,
        kind: m.system ? ("system" as const) : ("user" as const),
        system_event: m.system ? JSON.stringify(m.system) : null,
      };
    });
    const idOf = await insertRows(trx, store, rows);
    rows.forEach((row, k) => {
      const id = idOf.get(`${row.conversation_id}:${row.seq}`);
      if (id === undefined) throw new Error("inserted message not found");
      const i = fresh[k] as number;
      results[i] = toStored({ ...row, id, edited_at: null, deleted_at: null }, (messages[i] as NewMessage<Meta>).meta, false);
    });
  }
  for (const [i, first] of repeatOf) {
    results[i] = { ...(results[first] as StoredMessage<Meta>), meta: (messages[i] as NewMessage<Meta>).meta, duplicate: true };
  }
  return results as StoredMessage<Meta>[];
}

/** Senders per lookup query: keeps the OR list short enough for every parser (SQLite's depth limit is 1,000). */
const SENDERS_PER_LOOKUP = 200;

/**
 * Stored messages for exactly these (sender, client_id) pairs: per sender, an IN list of its
 * client ids, so the unique index answers and no sender x client_id cross product is read.
 */
async function findByClientIds(
  trx: Kysely<Database>,
  keyed: { senderId: number; clientId: string | null }[],
): Promise<MessageRow[]> {
  const bySender = new Map<number, Set<string>>();
  for (const m of keyed) {
    const ids = bySender.get(m.senderId) ?? new Set<string>();
    ids.add(m.clientId as string);
    bySender.set(m.senderId, ids);
  }
  const senders = [...bySender];
  const rows: MessageRow[] = [];
  for (let start = 0; start < senders.length; start += SENDERS_PER_LOOKUP) {
    const chunk = senders.slice(start, start + SENDERS_PER_LOOKUP);
    rows.push(
      ...(await trx
        .selectFrom("messages")
        .selectAll()
        .where((eb) =>
          eb.or(chunk.map(([sender, ids]) => eb.and([eb("sender_id", "=", sender), eb("client_id", "in", [...ids])]))),
        )
        .execute()),
    );
  }
  return rows;
}

type RowToInsert = Omit<MessageRow, "id" | "edited_at" | "deleted_at">;

/** Inserts rows and returns their ids keyed "conversation:seq". */
async function insertRows(trx: Kysely<Database>, store: Store, rows: RowToInsert[]): Promise<Map<string, number>> {
  const idOf = new Map<string, number>();
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    if (store.adapter.supportsReturning) {
      const inserted = await trx.insertInto("messages").values(chunk).returning(["id", "conversation_id", "seq"]).execute();
      for (const r of inserted) idOf.set(`${r.conversation_id}:${r.seq}`, r.id);
    } else {
      await trx.insertInto("messages").values(chunk).execute();
    }
  }
  if (!store.adapter.supportsReturning) {
    // MySQL has no RETURNING, and auto-increment ids of a multi-row insert are only
    // guaranteed consecutive in some lock modes: read them back by (conversation, seq),
    // which our row locks make exact.
    const ranges = new Map<number, [number, number]>();
    for (const r of rows) {
      const range = ranges.get(r.conversation_id);
      if (range) range[1] = r.seq;
      else ranges.set(r.conversation_id, [r.seq, r.seq]);
    }
    const inserted = await trx
      .selectFrom("messages")
      .select(["id", "conversation_id", "seq"])
      .where((eb) =>
        eb.or(
          [...ranges].map(([c, [from, to]]) =>
            eb.and([eb("conversation_id", "=", c), eb("seq", ">=", from), eb("seq", "<=", to)]),
          ),
        ),
      )
      .execute();
    for (const r of inserted) idOf.set(`${r.conversation_id}:${r.seq}`, r.id);
  }
  return idOf;
}
