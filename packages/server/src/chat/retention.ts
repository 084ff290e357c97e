import { setTimeout as sleep } from "node:timers/promises";
import type { JobLeasesRepo } from "../store/job-leases-repo.js";
import type { RemovedBatch, RetentionRepo } from "../store/retention-repo.js";
import { ChatError } from "./errors.js";

const DAY_MS = 86_400_000;
const JOB = "retention";

export interface RetentionOptions {
  /** RETENTION_DAYS: messages older than this many days are removed; 0 keeps everything. */
  days: number;
  /** This node's name in the lease. */
  nodeId: string;
  /** Time between two rounds of the job (at most an hour: the contract asks for hourly). */
  intervalMs: number;
  /** How often each node asks whether a round is due; jittered so nodes do not ask at once. */
  checkMs: number;
  /** How long a claimed round is held without renewal (a node that dies frees it after this). */
  leaseMs: number;
  /** Messages removed per transaction. */
  batchSize: number;
  /** Least pause between two batches; a batch that took longer is followed by as long a pause. */
  pauseMs: number;
}

export interface RetentionEvents {
  /** The removed uploads' bytes are to be deleted (their rows are gone already). */
  removeUploads(uploadIds: number[]): Promise<void>;
  onError(err: unknown, what: string): void;
  /** A round of the job ran on this node (for the log): the round's due time and what it removed. */
  onRound?(round: { dueAt: number; cutoff: number; deleted: number; nextRunAt: number }): void;
}

/**
 * Retention (integrations §5): removes messages created before a cutoff, in batches of
 * `batchSize` per transaction with a pause after each (as long as the batch took, so the
 * removal never holds more than about half of the database's time and sends keep going),
 * until none is left. Removed messages are gone, quietly: no frames, no webhook events.
 *
 * With RETENTION_DAYS set, each node checks every `checkMs` whether a round is due; the round
 * is claimed through a lease row (store/job-leases-repo.ts), so one node runs it, renewing the
 * lease after every batch. A node that dies mid-round leaves the lease to expire, and the next
 * check of any node runs the round again. On one node, runs (the job's and the admin's) go one
 * at a time.
 */
export class Retention {
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly repo: RetentionRepo,
    private readonly leases: JobLeasesRepo,
    private readonly events: RetentionEvents,
    private readonly options: RetentionOptions,
  ) {}

  /** The cutoff of a run: `before`, else now − RETENTION_DAYS; neither: 400. */
  cutoff(before: number | undefined, now = Date.now()): number {
    if (before !== undefined) return before;
    if (this.options.days > 0) return now - this.options.days * DAY_MS;
    throw new ChatError("invalid_request", "give `before`: RETENTION_DAYS is not set, so there is no default cutoff");
  }

  /** Removes every message created before `cutoff`; answers how many went. */
  run(cutoff: number): Promise<number> {
    return this.serialized(() => this.removeAll(cutoff, async () => !this.stopped));
  }

  /** Starts the job when RETENTION_DAYS is set. */
  async start(): Promise<void> {
    if (this.options.days <= 0) return;
    await this.leases.ensure(JOB);
    const schedule = () => {
      if (this.stopped) return;
      const jitter = Math.random() * this.options.checkMs * 0.2;
      this.timer = setTimeout(() => {
        this.serialized(() => this.round())
          .catch((err) => this.events.onError(err, "retention round failed"))
          .finally(schedule);
      }, this.options.checkMs - jitter);
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the job; a batch in flight finishes, no further one starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue.catch(() => {});
  }

  /** One round, if this node wins it. */
  private async round(): Promise<void> {
    const { nodeId, leaseMs, intervalMs } = this.options;
    const dueAt = Date.now();
    if (!(await this.leases.claim(JOB, nodeId, dueAt, leaseMs))) return;
    const cutoff = this.cutoff(undefined, dueAt);
    let held = true;
    const deleted = await this.removeAll(cutoff, async () => {
      held = !this.stopped && (await this.leases.renew(JOB, nodeId, Date.now(), leaseMs));
      return held;
    });
    // Stopped midway: the lease expires and the round runs again (by any node). Lost (another
    // node took the round over after this one missed renewals): that node finishes it.
    if (!held) return;
    const nextRunAt = Date.now() + intervalMs;
    await this.leases.finish(JOB, nodeId, nextRunAt);
    this.events.onRound?.({ dueAt, cutoff, deleted, nextRunAt });
  }

  /** Batches until none is left, or `goOn` says to stop between two batches. */
  private async removeAll(cutoff: number, goOn: () => Promise<boolean>): Promise<number> {
    let total = 0;
    for (;;) {
      const started = performance.now();
      const batch = await this.batch(cutoff);
      total += batch.deleted;
      if (batch.uploadIds.length > 0) {
        await this.events.removeUploads(batch.uploadIds).catch((err) => this.events.onError(err, "retention: upload bytes"));
      }
      if (batch.deleted < this.options.batchSize) return total;
      // Yield: sends and reads queued meanwhile get the database (and, on SQLite, the event loop).
      await sleep(Math.max(this.options.pauseMs, performance.now() - started));
      if (!(await goOn())) return total;
    }
  }

  /** One batch; a deadlock with a concurrent writer is tried again (a few times). */
  private async batch(cutoff: number): Promise<RemovedBatch> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.repo.removeBatch(cutoff, this.options.batchSize);
      } catch (err) {
        if (attempt >= 5 || !this.repo.isRetryable(err)) throw err;
        await sleep(10 * attempt);
      }
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }
}
