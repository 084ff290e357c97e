import { GroupCommit } from "../lib/group-commit.js";
import type { PushDeliveriesRepo, Settlement } from "../store/push-deliveries-repo.js";

interface Waiting {
  settlement: Settlement;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The ends of push attempts, written many per transaction: those of one event-loop turn, and
 * all that end while a batch is written, go into the next one. One commit per push capped the
 * sender at about 250 pushes a second on SQLite (each commit an fsync, on the event loop);
 * the group-commit loop does the scheduling, one batch at a time.
 */
export class PushSettlements {
  private readonly waiting: Waiting[] = [];
  private readonly loop: GroupCommit<Waiting[]>;

  constructor(repo: PushDeliveriesRepo, maxBatch = 500) {
    const waiting = this.waiting;
    this.loop = new GroupCommit(
      {
        get size() {
          return waiting.length;
        },
        take: (max) => waiting.splice(0, max),
      },
      async (batch) => {
        try {
          await repo.settle(batch.map((w) => w.settlement));
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      },
      { maxBatch },
    );
  }

  /** Resolves once the attempt's end is written (with others of its batch). */
  settle(settlement: Settlement): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ settlement, resolve, reject });
      this.loop.kick();
    });
  }

  /** Resolves when every settlement handed over so far is written (or failed). */
  drain(): Promise<void> {
    return this.loop.drain();
  }
}
