import { RateLimiter } from "../lib/rate-limiter.js";
import { ChatError } from "./errors.js";

export interface ActionBudgetOptions {
  /** Edits, deletes, renames and membership changes a user may make per minute, and how many may be saved up. */
  actionsPerMinute: number;
  actionsBurst: number;
  /** Groups a user may create per hour (also the burst). */
  groupsPerHour: number;
  /** Users a user may add to groups per hour, a new group's members included (also the burst). */
  memberAddsPerHour: number;
  /** Reports a user may file per hour (also the burst): each one is work for the admins. */
  reportsPerHour: number;
}

/**
 * Budgets for what fans out besides messages: each of these actions is pushed to every
 * member of a conversation (and group changes are stored as system messages), so each is
 * paid for per user. A rate of 0 turns a budget off. Over a budget: `rate_limited`, with the
 * time until it refills.
 */
export class ActionBudgets {
  private readonly actions: RateLimiter<number>;
  private readonly groups: RateLimiter<number>;
  private readonly memberAdds: RateLimiter<number>;
  private readonly reports: RateLimiter<number>;

  constructor(options: ActionBudgetOptions) {
    this.actions = new RateLimiter(options.actionsPerMinute / 60, options.actionsBurst);
    this.groups = new RateLimiter(options.groupsPerHour / 3600, options.groupsPerHour);
    this.memberAdds = new RateLimiter(options.memberAddsPerHour / 3600, options.memberAddsPerHour);
    this.reports = new RateLimiter(options.reportsPerHour / 3600, options.reportsPerHour);
    // Unref'd: it never keeps the process up, so nothing needs to stop it.
    setInterval(() => {
      for (const limiter of [this.actions, this.groups, this.memberAdds, this.reports]) limiter.sweep();
    }, 60_000).unref();
  }

  /** One edit, delete, rename or membership change (a leave included). */
  action(userId: number): void {
    if (!this.actions.take(userId)) {
      throw ChatError.rateLimited("too many changes", this.actions.retryAfterMs(userId));
    }
  }

  /** One report of a message. */
  report(userId: number): void {
    if (!this.reports.take(userId)) throw ChatError.rateLimited("too many reports", this.reports.retryAfterMs(userId));
  }

  /** A new group with `members` other members: one creation, and that many additions. */
  createGroup(userId: number, members: number): void {
    this.withMembers(this.groups, userId, members, "too many groups or members added");
  }

  /** Members added to an existing group: one change, and that many additions. */
  addMembers(userId: number, members: number): void {
    this.withMembers(this.actions, userId, members, "too many members added");
  }

  /** One token of `budget` and `members` member additions, both or neither. */
  private withMembers(budget: RateLimiter<number>, userId: number, members: number, what: string): void {
    const now = performance.now();
    const wait = Math.max(budget.retryAfterMs(userId, now), this.memberAdds.retryAfterMs(userId, now, members));
    if (wait > 0 || !this.memberAdds.takeMany(userId, members, now)) {
      throw ChatError.rateLimited(what, wait || 3_600_000);
    }
    budget.take(userId, now);
  }
}
