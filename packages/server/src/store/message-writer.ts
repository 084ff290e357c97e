import type { Attachment, LinkPreview, ReplyTo, SystemInfo } from "@chatapp/protocol";
import { GroupCommit } from "../lib/group-commit.js";
import type { Store } from "./database.js";
import { isConnectionError } from "./dialects/index.js";
import { DraftRefusal } from "./draft-refusal.js";
import { idemKey, type MessageDraft } from "./insert-batch.js";
import type { MessageRow } from "./schema.js";

export interface NewMessage<Meta = unknown> extends MessageDraft {
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
  attachments: Attachment[] | null;
  /** The members it mentions (only members, the sender left out); null for none. */
  mentions: number[] | null;
  /** The message it quotes, as it was when this one was stored (or, for a repeat, as it is now). */
  replyTo: ReplyTo | undefined;
  threadRootId: number | null;
  replyCount: number;
  lastReplyAt: number | null;
  /** Null for a new message; a repeat answers the message as it is now (edited, deleted, previewed). */
  editedAt: number | null;
  deletedAt: number | null;
  linkPreviews: LinkPreview[] | null;
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

export interface WriterOptions<Meta = unknown> {
  /**
   * Called synchronously after each commit with the new messages in seq order, before any
   * sender's promise resolves, so whoever publishes them keeps that order.
   */
  onCommit?: (messages: StoredMessage<Meta>[]) => void;
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

/**
 * The database holds a message with this (sender, client_id) that the repeat lookup cannot
 * find: the stored id is not the text that was sent (a driver altered it, or a collation calls
 * them equal). No retry can ever store or find it, so the send is refused for good.
 */
export class ClientIdConflictError extends Error {
  constructor() {
    super("this client_id collides with a stored one that is not the same text: use another client_id");
    this.name = "ClientIdConflictError";
  }
}

/** The database did not answer in time. */
export class CommitTimeoutError extends Error {
  readonly code = "ETIMEDOUT";
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
    this.name = "CommitTimeoutError";
  }
}

/**
 * Stores messages through the group-commit loop (`lib/group-commit.ts`): while one
 * transaction is in flight, new messages queue; when it commits, everything queued goes into
 * the next one, so a lone message is written at once and under load each transaction (and
 * each fsync) carries many messages.
 *
 * Each message gets the next `seq` of its conversation inside the transaction; (sender,
 * client_id) is unique, and a repeat resolves to the message stored the first time.
 */
export class MessageWriter<Meta = unknown> {
  private readonly queue: Pending<Meta>[] = [];
  private readonly loop: GroupCommit<Pending<Meta>[]>;
  /**
   * (sender, client_id) of messages whose commit failed with the connection: the commit may
   * or may not have happened. A repeat that finds such a message stored was never acked nor
   * delivered, so it is handed on as new rather than as a duplicate.
   */
  private readonly uncertain = new Set<string>();
  /**
   * (sender, client_id) keys refused with ClientIdConflictError: a repeat is refused at once,
   * without costing a transaction (the conflict is in the stored data and does not go away).
   */
  private readonly conflicting = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly options: WriterOptions<Meta> = {},
  ) {
    const queue = this.queue;
    const source = {
      get size() {
        return queue.length;
      },
      take: (max: number) => queue.splice(0, max),
    };
    this.loop = new GroupCommit(source, (batch) => this.commitOrRefuse(batch), { maxBatch: options.maxBatch ?? 1000 });
  }

  write(message: NewMessage<Meta>): Promise<StoredMessage<Meta>> {
    if (message.clientId !== null && this.conflicting.has(idemKey(message.senderId, message.clientId))) {
      return Promise.reject(new ClientIdConflictError());
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.loop.kick();
    });
  }

  /** Resolves when every message queued so far has been committed or refused. */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  get pending(): number {
    return this.queue.length;
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

  /**
   * commit() answers every message of its batch itself; should it throw all the same (a bug,
   * a row it cannot read), the messages not yet answered are refused rather than left waiting.
   */
  private async commitOrRefuse(batch: Pending<Meta>[]): Promise<void> {
    try {
      await this.commit(batch);
    } catch (err) {
      this.options.onError?.(err);
      // The batch may have committed before the throw: a repeat is handed on as new.
      for (const p of batch) this.markUncertain(p.message);
      const failure = new StorageUnavailableError(err);
      for (const p of batch) p.reject(failure);
    }
  }

  /**
   * Commits `batch` in one transaction. A deadlock is tried again whole. A unique violation is
   * tried again once: if the same (sender, client_id) was committed elsewhere meanwhile, the
   * repeat lookup now finds it. One that stays is in the data (a stored client_id the lookup
   * cannot see), and any other failure that is not the connection's is one message's fault:
   * the batch is halved until the faulty message is alone and refused, so it costs its batch
   * about 2·log2(size) transactions, not one per message, and the others are stored in order.
   * `isolating`: this batch is such a half, already known to hold a faulty message.
   */
  private async commit(batch: Pending<Meta>[], isolating = false): Promise<void> {
    const started = performance.now();
    const maxAttempts = this.options.maxAttempts ?? 3;
    const { adapter } = this.store;
    for (let attempt = 1; ; attempt++) {
      let answers: (StoredMessage<Meta> | DraftRefusal)[];
      try {
        const stored = await this.withTimeout(this.store.writeBatch(batch.map((p) => p.message)));
        answers = stored.map((r, i) => ("row" in r ? toStored(r, (batch[i] as Pending<Meta>).message.meta) : r.refused));
      } catch (err) {
        const unique = adapter.isUniqueViolation(err);
        // (A message left alone is tried twice too: its first failure may have been a race.)
        const again = adapter.isRetryable(err)
          ? attempt < maxAttempts
          : unique && (!isolating || batch.length === 1) && attempt < Math.min(2, maxAttempts);
        if (again) continue;
        this.options.onError?.(err);
        if (isConnectionError(err)) {
          for (const p of batch) this.markUncertain(p.message);
          const failure = new StorageUnavailableError(err);
          for (const p of batch) p.reject(failure);
        } else if (batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          await this.commit(batch.slice(0, half), true);
          await this.commit(batch.slice(half), true);
        } else {
          this.refuse(batch[0] as Pending<Meta>, err, unique);
        }
        return;
      }
      // Sends refused alone (an upload they may not carry): the rest of the batch was stored.
      const results = answers.filter((a): a is StoredMessage<Meta> => !(a instanceof DraftRefusal));
      this.settleUncertain(results);
      this.options.onBatch?.(batch.length, performance.now() - started);
      try {
        this.options.onCommit?.(results);
      } catch (err) {
        this.options.onError?.(err);
      }
      for (const [i, p] of batch.entries()) {
        const answer = answers[i] as StoredMessage<Meta> | DraftRefusal;
        if (answer instanceof DraftRefusal) p.reject(answer);
        else p.resolve(answer);
      }
      return;
    }
  }

  /** Refuses the one message a failed batch was narrowed down to. */
  private refuse(p: Pending<Meta>, err: unknown, unique: boolean): void {
    const { senderId, clientId } = p.message;
    if (unique && clientId !== null) {
      if (this.conflicting.size >= 10_000) this.conflicting.clear();
      this.conflicting.add(idemKey(senderId, clientId));
      p.reject(new ClientIdConflictError());
    } else {
      p.reject(new StorageUnavailableError(err));
    }
  }
}

function toStored<Meta>(
  { row, duplicate, quote }: { row: MessageRow; duplicate: boolean; quote?: ReplyTo | undefined },
  meta: Meta,
): StoredMessage<Meta> {
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
    attachments: row.attachments === null ? null : (JSON.parse(row.attachments) as Attachment[]),
    mentions: row.mentions === null ? null : (JSON.parse(row.mentions) as number[]),
    replyTo: quote,
    threadRootId: row.thread_root_id,
    replyCount: row.reply_count,
    lastReplyAt: row.last_reply_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    linkPreviews: row.link_previews === null ? null : (JSON.parse(row.link_previews) as LinkPreview[]),
    duplicate,
  };
}
