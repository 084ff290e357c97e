import type { Store } from "./database.js";

/**
 * Cluster-wide jobs (migration 016): a row per job says which node holds it until when, and
 * when its next round is due. Every change is one conditional UPDATE, which the database
 * applies to the row atomically on each dialect (SQLite serializes writers; MySQL and
 * PostgreSQL lock the row), so of several nodes claiming the same round exactly one gets
 * `true`. Times are epoch milliseconds from the nodes' clocks.
 */
export class JobLeasesRepo {
  constructor(private readonly store: Store) {}

  /** Makes sure the job's row exists (a round is due at once). */
  async ensure(name: string): Promise<void> {
    const { db, adapter } = this.store;
    await adapter
      .insertIgnore(db.insertInto("job_leases").values({ name, holder: null, lease_until: 0, next_run_at: 0 }), ["name"])
      .execute();
  }

  /**
   * Claims the round that is due, if one is and nobody holds the job: true when this holder
   * got it (it holds it until `now + leaseMs`, unless it renews).
   */
  async claim(name: string, holder: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.store.db
      .updateTable("job_leases")
      .set({ holder, lease_until: now + leaseMs })
      .where("name", "=", name)
      .where("next_run_at", "<=", now)
      .where("lease_until", "<=", now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Extends the holder's lease; false when it was lost (another node took the job over). */
  async renew(name: string, holder: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.store.db
      .updateTable("job_leases")
      .set({ lease_until: now + leaseMs })
      .where("name", "=", name)
      .where("holder", "=", holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Ends the holder's round: the lease is released and the next round due at `nextRunAt`. */
  async finish(name: string, holder: string, nextRunAt: number): Promise<void> {
    await this.store.db
      .updateTable("job_leases")
      .set({ lease_until: 0, next_run_at: nextRunAt })
      .where("name", "=", name)
      .where("holder", "=", holder)
      .execute();
  }
}
