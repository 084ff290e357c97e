import { randomUUID } from "node:crypto";
import { PollLoop, settledWithin } from "../lib/poll-loop.js";
import { metrics, type PushDropReason, watchPushes } from "../metrics.js";
import { type OutboundClient, OutboundError } from "../outbound/http-client.js";
import type { ClaimedPush, PushDeliveriesRepo, Settlement } from "../store/push-deliveries-repo.js";
import type { PushSubscriptionsRepo } from "../store/push-subscriptions-repo.js";
import type { PushRequestBuilder } from "./push-request.js";
import { nextAttemptDelayMs, parseRetryAfter } from "./retry-policy.js";
import { PushSettlements } from "./settlements.js";

export interface PushSenderOptions {
  /** A push still failing (429, 5xx, no answer) after this long since it was queued is dropped. */
  maxAgeMs: number;
  /** How often the queue is looked at when nothing wakes the sender. */
  pollMs: number;
  /** How long a claim holds against other nodes; above the request's deadline. */
  leaseMs: number;
  /** PUSH_ALLOW_PRIVATE_ENDPOINTS: http: endpoints are sent to as well (the client's guard is off too). */
  allowPrivateEndpoints: boolean;
  /** Pushes in flight on this node at most (default 64). */
  concurrency?: number;
  /** A push's deadline, from connecting to the answer (default 10 s). */
  requestTimeoutMs?: number;
  /** How often the queue's depth is read for the metrics (default 5 s). */
  housekeepingMs?: number;
  onError: (err: unknown, what: string) => void;
  /** A push given up: logged by the caller (a warning), never retried. */
  onDropped: (drop: DroppedPush) => void;
}

export interface DroppedPush {
  reason: PushDropReason;
  subscriptionId: number;
  conversationId: number;
  /** The push service's origin (never the whole endpoint: it is a capability URL). */
  origin: string;
  /** The push service's answer, when there was one. */
  status?: number;
  detail: string;
  attempts: number;
  ageMs: number;
}

/**
 * Pushes in flight at most: one group message to many offline members sends thousands, to the
 * same few push services; 64 keeps claims (half of it at a time) large enough that their
 * commits do not dominate, and bounds the sockets per push service.
 */
export const DEFAULT_CONCURRENCY = 64;

/** What a push service's answer body may be at most: it is not used, only drained. */
const MAX_ANSWER_BYTES = 4096;

/** An attempt's outcome, decided from the answer (or its absence). */
type Outcome =
  | { kind: "sent" }
  | { kind: "gone"; status: number }
  | { kind: "retry"; status?: number; retryAfterMs?: number; detail: string }
  | { kind: "drop"; reason: PushDropReason; status?: number; detail: string };

/**
 * Sends queued Web Pushes, on every node (integrations contract §4).
 *
 * Each tick claims due pushes by lease (a compare-and-set on lease_owner/lease_until, so two
 * nodes never send the same one; a node killed mid-send leaves a lease that expires and
 * another node takes over), up to `concurrency` in flight, and sends each through the one
 * outbound client (its SSRF guard on unless PUSH_ALLOW_PRIVATE_ENDPOINTS) within a deadline:
 *
 * - 2xx: sent; the row goes.
 * - 404 or 410: the subscription is gone; it and every push queued for it are deleted at once.
 * - 429, 5xx, no answer: tried again at the push service's Retry-After (seconds or an
 *   HTTP-date, within 0.5 s – 15 min), else after a backoff (1 s doubling, at most 15 min);
 *   dropped with a warning once it would be older than `maxAgeMs`.
 * - any other status (400, 401, 403, 413, a 3xx …): the push service will not take it; dropped
 *   with a warning.
 * - an endpoint the SSRF guard refuses (a name resolving to a private address), or one that
 *   cannot be used: dropped.
 *
 * `wake()` makes it look at the queue now (the notification planner calls it after queuing);
 * otherwise it polls every `pollMs`.
 */
export class PushSender {
  private readonly concurrency: number;
  private readonly requestTimeoutMs: number;
  private readonly housekeepingMs: number;
  private readonly attempts = new Set<Promise<void>>();
  private lastHousekeeping = 0;
  private backlog = { pending: 0, oldestSeconds: 0 };
  private unwatch: (() => void) | undefined;
  private readonly settlements: PushSettlements;
  private readonly loop: PollLoop;

  constructor(
    private readonly deliveries: PushDeliveriesRepo,
    private readonly subscriptions: PushSubscriptionsRepo,
    private readonly client: OutboundClient,
    private readonly builder: PushRequestBuilder,
    private readonly options: PushSenderOptions,
  ) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.housekeepingMs = options.housekeepingMs ?? 5000;
    this.settlements = new PushSettlements(deliveries);
    // Pushes left due by an earlier run (a crash, a restart) go out at the start's first tick.
    this.loop = new PollLoop(
      () => this.tick(),
      options.pollMs,
      (err) => options.onError(err, "push sender tick failed"),
    );
  }

  start(): void {
    if (!this.loop.start()) return;
    this.unwatch = watchPushes(() => this.backlog);
  }

  /** Looks at the queue now (or right after the tick that is running). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming; waits up to `graceMs` for pushes in flight (their leases expire otherwise). */
  async stop(graceMs = 5000): Promise<void> {
    this.loop.stop();
    this.unwatch?.();
    await settledWithin(this.attempts, graceMs);
    await this.settlements.drain();
  }

  private async tick(): Promise<void> {
    await this.claimAndSend();
    if (Date.now() - this.lastHousekeeping >= this.housekeepingMs) await this.housekeeping();
  }

  private async claimAndSend(): Promise<void> {
    const free = this.concurrency - this.attempts.size;
    // Claims wait until half the places are free: a claim is a commit (an fsync on SQLite), and
    // claiming one push per freed place made it two statements and a commit per push.
    if (!this.loop.running || free <= 0 || (this.attempts.size > 0 && free < this.concurrency / 2)) return;
    const now = Date.now();
    const ids = await this.deliveries.due(free, now);
    if (ids.length === 0) return;
    const token = randomUUID();
    const claimed = await this.deliveries.claim(ids, token, now, now + this.options.leaseMs);
    for (const push of claimed) this.begin(push, token);
    // A full batch: more may be due; the next tick comes at once.
    if (ids.length === free) this.loop.wake();
  }

  private begin(push: ClaimedPush, token: string): void {
    const attempt = this.attempt(push, token)
      .catch((err) => this.options.onError(err, "push bookkeeping failed"))
      .finally(() => {
        this.attempts.delete(attempt);
        // A place is free: the next due push may go.
        this.wake();
      });
    this.attempts.add(attempt);
  }

  private async attempt(push: ClaimedPush, token: string): Promise<void> {
    const ageMs = Date.now() - push.createdAt;
    if (ageMs > this.options.maxAgeMs) {
      await this.drop(push, token, { kind: "drop", reason: "expired", detail: "queued longer than the age limit" });
      return;
    }
    const outcome = await this.send(push);
    switch (outcome.kind) {
      case "sent":
        this.settle({ push, token });
        metrics.pushSent();
        return;
      case "gone":
        // The browser unsubscribed or the subscription expired: it never comes back.
        await this.subscriptions.remove([push.subscriptionId]);
        metrics.pushGone();
        return;
      case "drop":
        await this.drop(push, token, outcome);
        return;
      case "retry": {
        const now = Date.now();
        const nextAt = now + nextAttemptDelayMs(push.attempts + 1, outcome.retryAfterMs);
        if (nextAt - push.createdAt > this.options.maxAgeMs) {
          await this.drop(push, token, { kind: "drop", reason: "expired", status: outcome.status, detail: outcome.detail });
          return;
        }
        metrics.pushFailed();
        this.settle({ push, token, retryAt: nextAt });
        return;
      }
    }
  }

  /** One request to the push service, and what its answer means. */
  private async send(push: ClaimedPush): Promise<Outcome> {
    let url: URL;
    let request: ReturnType<PushRequestBuilder["build"]>;
    try {
      url = new URL(push.endpoint);
      if (url.protocol !== "https:" && !(this.options.allowPrivateEndpoints && url.protocol === "http:")) {
        return { kind: "drop", reason: "blocked", detail: `${url.protocol} endpoint` };
      }
      request = this.builder.build(push);
    } catch (err) {
      return { kind: "drop", reason: "blocked", detail: `unusable subscription: ${(err as Error).message}` };
    }
    try {
      const answer = await this.client.request(url.href, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        timeoutMs: this.requestTimeoutMs,
        maxResponseBytes: MAX_ANSWER_BYTES,
        oversize: "truncate",
      });
      const { status } = answer;
      if (status >= 200 && status < 300) return { kind: "sent" };
      if (status === 404 || status === 410) return { kind: "gone", status };
      if (status === 429 || status >= 500) {
        return {
          kind: "retry",
          status,
          retryAfterMs: parseRetryAfter(answer.headers["retry-after"], Date.now()),
          detail: `answered ${status}`,
        };
      }
      // 400 (malformed), 401/403 (VAPID refused: the subscription was made for another key),
      // 413 (too large) and the rest: sending it again would be refused again.
      return { kind: "drop", reason: "rejected", status, detail: `answered ${status}` };
    } catch (err) {
      if (err instanceof OutboundError && (err.reason === "refused_address" || err.reason === "bad_url")) {
        return { kind: "drop", reason: "blocked", detail: err.message };
      }
      return { kind: "retry", detail: err instanceof Error ? err.message : String(err) };
    }
  }

  private async drop(push: ClaimedPush, token: string, outcome: Extract<Outcome, { kind: "drop" }>): Promise<void> {
    // A newer notification that replaced this one meanwhile is kept (settle releases it).
    this.settle({ push, token });
    metrics.pushDropped(outcome.reason);
    this.options.onDropped({
      reason: outcome.reason,
      subscriptionId: push.subscriptionId,
      conversationId: push.conversationId,
      origin: originOf(push.endpoint),
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      detail: outcome.detail,
      attempts: push.attempts + 1,
      ageMs: Date.now() - push.createdAt,
    });
  }

  /**
   * Writes an attempt's end without holding its place: the next push may go while the write
   * waits for its batch (the row stays leased meanwhile, so no node takes it again). stop()
   * waits for these writes.
   */
  private settle(settlement: Settlement): void {
    this.settlements.settle(settlement).catch((err) => this.options.onError(err, "push bookkeeping failed"));
  }

  private async housekeeping(): Promise<void> {
    this.lastHousekeeping = Date.now();
    const { count, oldest } = await this.deliveries.pending();
    this.backlog = { pending: count, oldestSeconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
  }
}

function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return "(not a URL)";
  }
}
