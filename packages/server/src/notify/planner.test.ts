import { describe, expect, it } from "vitest";
import type { Store } from "../store/database.js";
import type { NotificationJobsRepo } from "../store/notification-jobs-repo.js";
import type { NotificationsRepo } from "../store/notifications-repo.js";
import type { PushDeliveriesRepo } from "../store/push-deliveries-repo.js";
import type { PushSubscriptionsRepo } from "../store/push-subscriptions-repo.js";
import { NotificationPlanner } from "./planner.js";

/** A planner over a jobs table that is always empty, counting how often it looks. */
function countingPlanner() {
  const looks: number[] = [];
  const jobs = {
    dueConversations: async () => {
      looks.push(Date.now());
      return [];
    },
  } as unknown as NotificationJobsRepo;
  const planner = new NotificationPlanner(
    {} as Store,
    jobs,
    {} as NotificationsRepo,
    {} as PushSubscriptionsRepo,
    {} as PushDeliveriesRepo,
    {
      previews: true,
      groupMentionsOnlyAbove: 50,
      pollMs: 60_000,
      leaseMs: 30_000,
      onError: (err) => {
        throw err;
      },
    },
  );
  return { planner, looks };
}

const until = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("NotificationPlanner wake-ups", () => {
  it("looks at start, and again when woken, long before its poll", async () => {
    const { planner, looks } = countingPlanner();
    planner.start();
    await until(() => looks.length === 1);
    const woken = Date.now();
    planner.wakeAfter(20);
    await until(() => looks.length === 2);
    expect((looks[1] as number) - woken).toBeLessThan(1000);
    await planner.stop();
  });

  it("is woken after a stop and a start (a wake-up cleared by the stop does not block new ones)", async () => {
    const { planner, looks } = countingPlanner();
    planner.start();
    await until(() => looks.length === 1);
    // Pending when the planner stops: cleared with it, and its time passes meanwhile.
    planner.wakeAfter(30);
    await planner.stop();
    await new Promise((r) => setTimeout(r, 60));
    planner.start();
    await until(() => looks.length === 2);
    planner.wakeAfter(20);
    await until(() => looks.length === 3);
    await planner.stop();
    expect(looks).toHaveLength(3);
  });
});
