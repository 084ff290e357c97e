import { Coalescer } from "../lib/coalescer.js";
import type { Store } from "../store/database.js";
import type { NotificationsRepo, ReadPast } from "../store/notifications-repo.js";
import type { PushDeliveriesRepo, QueuedPush } from "../store/push-deliveries-repo.js";
import type { PushSubscriptionsRepo } from "../store/push-subscriptions-repo.js";
import { pushClearPayload } from "./payloads.js";

/** Read moves waiting for their check at most: past it, new ones are dropped (a clear is a courtesy). */
const MAX_PENDING = 10_000;
/** Least time between two checks: steady reading costs one query every this long, not one per read. */
const SPACING_MS = 50;

export interface ReadClearsOptions {
  /** Pushes were queued (the push sender may start at once). */
  onQueued?: () => void;
  onError: (err: unknown, what: string) => void;
}

/**
 * "Clear" on read (integrations §4): when a user's read cursor reaches the seq a notification
 * named (push_notified), each of their subscriptions is sent a `clear` for the conversation,
 * so their other devices drop it; queued like any push, it replaces a message push for that
 * conversation still unsent (it has been read), and the record goes. Off the hot path: reads
 * are gathered like receipts (merged per user and conversation, a check at most every
 * SPACING_MS, one query per 200 of them), after the cursor write, and bounded.
 */
export class ReadClears {
  private readonly checks = new Coalescer<string, ReadPast>(
    (reads) => this.check([...reads.values()]),
    (older, newer) => (newer.seq > older.seq ? newer : older),
    1000,
    SPACING_MS,
  );

  constructor(
    private readonly store: Store,
    private readonly reads: NotificationsRepo,
    private readonly subscriptions: PushSubscriptionsRepo,
    private readonly deliveries: PushDeliveriesRepo,
    private readonly options: ReadClearsOptions,
  ) {}

  /** Read cursors as stored: `seq` is each user's read position in the conversation. */
  read(moves: readonly ReadPast[]): void {
    for (const move of moves) {
      if (this.checks.size >= MAX_PENDING) return;
      this.checks
        .add(`${move.conversationId}:${move.userId}`, move)
        .catch((err) => this.options.onError(err, "push clear failed"));
    }
  }

  drain(): Promise<void> {
    return this.checks.drain();
  }

  private async check(moves: ReadPast[]): Promise<void> {
    const reached = await this.reads.readPast(moves);
    if (reached.length === 0) return;
    const readSeq = new Map(moves.map((m) => [`${m.conversationId}:${m.userId}`, m.seq]));
    const subscriptions = await this.subscriptions.idsByUser(reached.map((r) => r.userId));
    const pushes: QueuedPush[] = [];
    for (const r of reached) {
      const seq = readSeq.get(`${r.conversationId}:${r.userId}`) ?? r.seq;
      const payload = pushClearPayload(r.conversationId, seq);
      for (const subscriptionId of subscriptions.get(r.userId) ?? []) {
        pushes.push({ subscriptionId, conversationId: r.conversationId, payload });
      }
    }
    const now = Date.now();
    await this.store.db.transaction().execute(async (trx) => {
      await this.deliveries.queue(trx, pushes, now);
      await this.reads.forgetNotified(trx, reached);
    });
    if (pushes.length > 0) this.options.onQueued?.();
  }
}
