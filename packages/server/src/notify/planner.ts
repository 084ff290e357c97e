import type { Store } from "../store/database.js";
import { type NotificationJobsRepo, PlannedElsewhere } from "../store/notification-jobs-repo.js";
import type { NotificationsRepo, PlannedMessage } from "../store/notifications-repo.js";
import { appendEvents, type OutboxEvent, readSinks, wants } from "../store/outbox.js";
import type { PushDeliveriesRepo, QueuedPush } from "../store/push-deliveries-repo.js";
import type { PushSubscriptionsRepo } from "../store/push-subscriptions-repo.js";
import { type NotificationFacts, notificationNeededData, pushMessagePayload } from "./payloads.js";
import { latestPerMember } from "./recipients.js";

export interface PlannerOptions {
  /** PUSH_PREVIEWS. */
  previews: boolean;
  /** PUSH_GROUP_MENTIONS_ONLY_ABOVE. */
  groupMentionsOnlyAbove: number;
  /** How often due jobs are looked for when nothing wakes the planner. */
  pollMs: number;
  /** How long a claim holds against other nodes: a node killed mid-plan holds its jobs up that long at most. */
  leaseMs: number;
  /** Pushes were queued (the push sender may start at once). */
  onQueued?: () => void;
  /** notification.needed events were appended (the webhook worker may start at once). */
  onEvents?: () => void;
  onError: (err: unknown, what: string) => void;
}

/** Conversations claimed per look at the jobs; more wait for the next round, which follows at once. */
const CONVERSATIONS_PER_ROUND = 50;
/**
 * Messages of one conversation read per plan, newest first. Collapsing names only the latest
 * message each user may see, so older ones matter only to users no newer one reaches (in
 * mentions-only groups, a mention further back): past this many they are not notified.
 */
const MESSAGES_PER_PLAN = 500;
/** Tries of one conversation's plan when another node moved its progress meanwhile. */
const PLAN_TRIES = 3;

/** One conversation's plan: what its transaction writes. */
interface Plan {
  events: OutboxEvent[];
  pushes: QueuedPush[];
  notified: { userId: number; seq: number }[];
}

/**
 * The notification planner (integrations §4), on every node. Each round it claims the
 * conversations whose notification jobs are due (a lease per job, compare-and-set, so each
 * goes to one node), reads who may be notified of the messages in (progress, job seq], and
 * in ONE transaction appends `notification.needed` events, queues the pushes, records what
 * each user was notified of (for clears), moves the conversation's progress and deletes the
 * jobs. A node killed mid-plan commits nothing: its lease runs out and another node (or this
 * one, restarted) plans the same range. Progress moves by compare-and-set, so two planners of
 * one conversation cannot both commit: each message is planned exactly once.
 */
export class NotificationPlanner {
  private timer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly store: Store,
    private readonly jobs: NotificationJobsRepo,
    private readonly reads: NotificationsRepo,
    private readonly subscriptions: PushSubscriptionsRepo,
    private readonly deliveries: PushDeliveriesRepo,
    private readonly options: PlannerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
    // Jobs left by a node that stopped (or by this one's earlier life) are due already.
    this.kick();
  }

  /**
   * Messages were stored here: their jobs fall due `delayMs` from now, and the planner looks
   * then instead of at its next poll.
   */
  wakeAfter(delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.kick();
    }, delayMs);
    this.wakeTimer.unref();
  }

  /** Stops looking for jobs and waits for the round in progress (its plans commit or roll back). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.wakeTimer);
    // The cleared wake-up is not pending any more: a start after this must be able to set one.
    this.wakeAt = Number.POSITIVE_INFINITY;
    await this.running;
  }

  /** Starts a round, or asks for another after the current one. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.rounds().finally(() => {
      this.running = undefined;
    });
  }

  private async rounds(): Promise<void> {
    do {
      this.again = false;
      try {
        const due = await this.jobs.dueConversations(Date.now(), CONVERSATIONS_PER_ROUND);
        for (const conversationId of due) {
          if (this.stopped) return;
          await this.planConversation(conversationId);
        }
        if (due.length >= CONVERSATIONS_PER_ROUND) this.again = true;
      } catch (err) {
        this.options.onError(err, "notification planning failed");
      }
    } while (this.again && !this.stopped);
  }

  /** Claims the conversation's due jobs and plans them; a failed plan releases its claim to be tried again. */
  private async planConversation(conversationId: number): Promise<void> {
    const claim = await this.jobs.claim(conversationId, Date.now(), this.options.leaseMs);
    if (!claim) return;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.planRange(conversationId, claim.fromSeq, claim.toSeq);
          return;
        } catch (err) {
          const raced =
            err instanceof PlannedElsewhere || this.store.adapter.isUniqueViolation(err) || this.store.adapter.isRetryable(err);
          if (!raced || attempt >= PLAN_TRIES) throw err;
        }
      }
    } catch (err) {
      await this.jobs.release(claim.token).catch(() => {});
      throw err;
    }
  }

  /** Plans the messages after the conversation's progress up to `toSeq`, and commits it all at once. */
  private async planRange(conversationId: number, firstFrom: number, toSeq: number): Promise<void> {
    const progress = await this.jobs.progress(conversationId);
    const from = progress ?? firstFrom;
    const now = Date.now();
    const plan = toSeq > from ? await this.plan(conversationId, from, toSeq, now) : undefined;
    await this.store.db.transaction().execute(async (trx) => {
      if (plan) {
        await this.jobs.advance(trx, conversationId, progress, toSeq);
        await appendEvents(trx, plan.events, now);
        await this.deliveries.queue(trx, plan.pushes, now);
        await this.reads.recordNotified(trx, conversationId, plan.notified);
      }
      // Jobs covered by the progress already (planned by another node) only go.
      await this.jobs.finish(trx, conversationId, plan ? toSeq : Math.max(from, toSeq));
    });
    if (plan && plan.pushes.length > 0) this.options.onQueued?.();
    if (plan && plan.events.length > 0) this.options.onEvents?.();
  }

  /**
   * Who is notified of which message (integrations §4): the members who may see one
   * (recipients.ts), less, per chunk of users, those connected on any node and those who
   * muted the conversation; then the latest message each of the rest may see, passing over
   * senders they block. Without
   * an endpoint that wants notification.needed, users without a push subscription are left
   * out first: nobody would hear of their notification.
   */
  private async plan(conversationId: number, from: number, to: number, now: number): Promise<Plan> {
    const plan: Plan = { events: [], pushes: [], notified: [] };
    const conversation = await this.reads.conversation(conversationId);
    if (!conversation) return plan;
    const messages = await this.reads.messages(conversationId, from, to, MESSAGES_PER_PLAN);
    if (messages.length === 0) return plan;
    const members = await this.reads.members(conversationId);
    const mentionsOnly = conversation.kind === "group" && members.size > this.options.groupMentionsOnlyAbove;
    const replyAuthors = mentionsOnly
      ? await this.reads.authors(messages.flatMap((m) => (m.replyToId === null ? [] : [m.replyToId])))
      : new Map<number, number>();
    // Who could be notified of something, before the checks that need queries.
    const candidates = latestPerMember({ messages, members, mentionsOnly, replyAuthors });
    if (candidates.size === 0) return plan;

    const relay = wants(await readSinks(this.store.db), "notification.needed");
    let userIds = [...candidates.keys()];
    let subscriptions = relay ? undefined : await this.subscriptions.idsByUser(userIds);
    if (subscriptions) {
      const subscribed = subscriptions;
      userIds = userIds.filter((u) => subscribed.has(u));
    }
    const online = await this.reads.onlineAmong(userIds);
    userIds = userIds.filter((u) => !online.has(u));
    const muted = await this.reads.mutedAmong(conversationId, userIds, now);
    userIds = userIds.filter((u) => !muted.has(u));
    if (userIds.length === 0) return plan;
    // Blocks are per sender: a blocked sender's newer message is passed over for an older one
    // from someone else, so the walk runs again over those left, with the blocks known.
    const blocking = await this.reads.blocking(
      userIds,
      messages.map((m) => m.senderId),
    );
    const left = new Map(userIds.map((u) => [u, members.get(u) as number]));
    const targets = latestPerMember({
      messages,
      members: left,
      mentionsOnly,
      replyAuthors,
      blocks: (u, sender) => blocking.has(`${u}:${sender}`),
    });
    userIds = [...targets.keys()];
    if (userIds.length === 0) return plan;
    const target = (u: number) => targets.get(u) as PlannedMessage;
    subscriptions ??= await this.subscriptions.idsByUser(userIds);
    const names = await this.reads.names(userIds.map((u) => target(u).senderId));

    for (const userId of userIds) {
      const message = target(userId);
      const facts: NotificationFacts = {
        userId,
        conversationId,
        conversationType: conversation.kind,
        conversationTitle: conversation.kind === "group" ? (conversation.title ?? undefined) : undefined,
        message,
        senderName: names.get(message.senderId),
        previews: this.options.previews,
      };
      if (relay) plan.events.push({ type: "notification.needed", conversationId, data: notificationNeededData(facts) });
      const subs = subscriptions.get(userId);
      if (!subs || subs.length === 0) continue;
      const payload = pushMessagePayload(facts);
      for (const subscriptionId of subs) plan.pushes.push({ subscriptionId, conversationId, payload });
      plan.notified.push({ userId, seq: message.seq });
    }
    return plan;
  }
}
