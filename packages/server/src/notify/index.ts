import type { PushConfig } from "../config-push.js";
import type { Store } from "../store/database.js";
import { NotificationJobsRepo } from "../store/notification-jobs-repo.js";
import { NotificationsRepo, type ReadPast } from "../store/notifications-repo.js";
import { PushDeliveriesRepo } from "../store/push-deliveries-repo.js";
import { PushSubscriptionsRepo } from "../store/push-subscriptions-repo.js";
import { ReadClears } from "./clears.js";
import { NotificationPlanner } from "./planner.js";

export interface Notifications {
  planner: NotificationPlanner;
  /** User messages were stored on this node: their jobs fall due after PUSH_COLLAPSE_MS. */
  stored(): void;
  /** Read cursors as stored: clears for what was notified and has now been read. */
  read(moves: readonly ReadPast[]): void;
  /** Erasure: the user's notification records go. */
  forgetUser(userId: number): Promise<void>;
  /** Stops planning (the round in progress finishes) and lets pending clear checks finish. */
  stop(): Promise<void>;
}

/**
 * Notifications for offline users on this node (integrations §4): the planner, started, and
 * the clears on read. `onQueued` wakes the push sender, `onEvents` the webhook worker.
 */
export function startNotifications(
  store: Store,
  config: PushConfig,
  hooks: { onQueued?: () => void; onEvents?: () => void; onError: (err: unknown, what: string) => void },
): Notifications {
  const reads = new NotificationsRepo(store);
  const subscriptions = new PushSubscriptionsRepo(store);
  const deliveries = new PushDeliveriesRepo(store);
  const planner = new NotificationPlanner(store, new NotificationJobsRepo(store), reads, subscriptions, deliveries, {
    previews: config.previews,
    groupMentionsOnlyAbove: config.groupMentionsOnlyAbove,
    pollMs: config.pollMs,
    leaseMs: config.leaseMs,
    ...hooks,
  });
  const clears = new ReadClears(store, reads, subscriptions, deliveries, hooks);
  planner.start();
  return {
    planner,
    // A few milliseconds past due, so the job is due by the database's comparison too.
    stored: () => planner.wakeAfter(config.collapseMs + 5),
    read: (moves) => clears.read(moves),
    forgetUser: (userId) => reads.removeAllOf(userId),
    async stop() {
      await planner.stop();
      await clears.drain();
    },
  };
}
