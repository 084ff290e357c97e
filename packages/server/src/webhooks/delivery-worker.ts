import { randomUUID } from "node:crypto";
import { PollLoop, settledWithin } from "../lib/poll-loop.js";
import { iso } from "../lib/time.js";
import { metrics, watchWebhooks } from "../metrics.js";
import type { OutboundClient } from "../outbound/http-client.js";
import { WebhookSigner } from "../outbound/webhook-signing.js";
import type { ClaimedDelivery, WebhooksRepo } from "../store/webhooks-repo.js";
import { FIRST_RETRY_MS, retryDelayMs } from "./backoff.js";

export interface DeliveryWorkerOptions {
  /** WEBHOOK_SECRET: signs for the WEBHOOK_URL endpoint (its secret is never stored). */
  envSecret: string | undefined;
  /** WEBHOOK_MAX_AGE_HOURS: an event failing for longer is dropped. */
  maxAgeMs: number;
  /** How often the outbox is looked at when nothing wakes the worker (default 1 s). */
  pollMs?: number;
  /** The first retry's delay, doubling after it (default 1 s: backoff.ts). */
  firstRetryMs?: number;
  /** An attempt's deadline: a 2xx within it is success (default 10 s). */
  attemptTimeoutMs?: number;
  /**
   * How long a claim holds against other nodes (default 11 s): just above the attempt's
   * deadline, so a node killed mid-attempt holds up its conversation for at most that long.
   */
  leaseMs?: number;
  /** Attempts in flight on this node at most, and per endpoint (so a dead one cannot take every slot). */
  concurrency?: number;
  perEndpoint?: number;
  /** How often delivered events are pruned and the backlog gauges read (default 5 s). */
  housekeepingMs?: number;
  onError: (err: unknown, what: string) => void;
  onDropped: (delivery: { eventId: number; endpointId: number; type: string; attempts: number; ageMs: number }) => void;
}

interface Endpoint {
  id: number;
  url: string;
  signer: WebhookSigner;
}

/** What an endpoint's answer body may be at most: it is not used, only drained. */
const MAX_ANSWER_BYTES = 4096;

/**
 * Sends outbox events to endpoints, on every node (integrations contract §2).
 *
 * Each tick: fan new events out into deliveries (one node at a time, in event order), then per
 * endpoint claim the deliveries that are due and head their conversation (WebhooksRepo) and
 * attempt them in parallel, within a bound per node and per endpoint. A 2xx removes the
 * delivery, which makes the next event of that conversation the head; anything else puts it
 * back with a later `next_at` (1 s, doubling, at most 15 min) until it is older than
 * WEBHOOK_MAX_AGE_HOURS, when it is dropped with a warning. A claim is a lease: a node killed
 * mid-attempt leaves one that expires, and another node (or this one restarted) takes it over.
 * Every attempt carries the same `webhook-id` and body, with a fresh timestamp and signature.
 */
export class DeliveryWorker {
  private readonly firstRetryMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  private readonly housekeepingMs: number;
  private readonly inFlight = new Map<number, number>();
  private readonly attempts = new Set<Promise<void>>();
  private endpoints = new Map<number, Endpoint>();
  /** Signers by secret, so a tick does not rebuild them. */
  private readonly signers = new Map<string, WebhookSigner>();
  private readonly loop: PollLoop;
  private lastHousekeeping = 0;
  private backlog = { pending: 0, oldestSeconds: 0 };
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly repo: WebhooksRepo,
    private readonly client: OutboundClient,
    private readonly options: DeliveryWorkerOptions,
  ) {
    // Events left due by an earlier run (a crash, a restart) go out at the start's first tick.
    this.loop = new PollLoop(
      () => this.tick(),
      options.pollMs ?? 1000,
      (err) => options.onError(err, "webhook worker tick failed"),
    );
    this.firstRetryMs = options.firstRetryMs ?? FIRST_RETRY_MS;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
    this.leaseMs = options.leaseMs ?? 11_000;
    this.concurrency = options.concurrency ?? 32;
    this.perEndpoint = options.perEndpoint ?? 8;
    this.housekeepingMs = options.housekeepingMs ?? 5000;
  }

  start(): void {
    if (!this.loop.start()) return;
    this.unwatch = watchWebhooks(() => this.backlog);
  }

  /** Looks at the outbox now (or right after the tick that is running). */
  wake(): void {
    this.loop.wake();
  }

  /** Stops claiming; waits up to `graceMs` for attempts in flight (their leases expire otherwise). */
  async stop(graceMs = 5000): Promise<void> {
    this.loop.stop();
    this.unwatch?.();
    await settledWithin(this.attempts, graceMs);
  }

  private async tick(): Promise<void> {
    await this.fanOut();
    await this.loadEndpoints();
    await this.claimAndSend();
    if (Date.now() - this.lastHousekeeping >= this.housekeepingMs) await this.housekeeping();
  }

  private async fanOut(): Promise<void> {
    // A bounded number of rounds per tick: a huge backlog is worked through over several ticks.
    for (let round = 0; round < 10 && (await this.repo.hasUnfanned()); round++) {
      if ((await this.repo.fanOut()) === 0) break;
    }
  }

  private async loadEndpoints(): Promise<void> {
    const next = new Map<number, Endpoint>();
    for (const row of await this.repo.endpoints()) {
      // The WEBHOOK_URL endpoint's secret is this node's configuration; a node without it
      // (a cluster being reconfigured) leaves those deliveries to the nodes that have it.
      const secret = row.name === "env" ? this.options.envSecret : (row.secret ?? undefined);
      if (secret === undefined) continue;
      let signer = this.signers.get(secret);
      if (!signer) {
        try {
          signer = new WebhookSigner(secret);
        } catch (err) {
          this.options.onError(err, `webhook endpoint ${row.id} has an unusable secret`);
          continue;
        }
        if (this.signers.size >= 1000) this.signers.clear();
        this.signers.set(secret, signer);
      }
      next.set(row.id, { id: row.id, url: row.url, signer });
    }
    this.endpoints = next;
  }

  private async claimAndSend(): Promise<void> {
    for (const endpoint of this.endpoints.values()) {
      const free = Math.min(this.perEndpoint - (this.inFlight.get(endpoint.id) ?? 0), this.concurrency - this.attempts.size);
      if (!this.loop.running || free <= 0) continue;
      const now = Date.now();
      const ids = await this.repo.dueHeads(endpoint.id, free, now);
      if (ids.length === 0) continue;
      const token = randomUUID();
      const claimed = await this.repo.claim(ids, token, now, now + this.leaseMs);
      for (const delivery of claimed) this.begin(endpoint, delivery, token);
    }
  }

  private begin(endpoint: Endpoint, delivery: ClaimedDelivery, token: string): void {
    this.inFlight.set(endpoint.id, (this.inFlight.get(endpoint.id) ?? 0) + 1);
    const attempt = this.attempt(endpoint, delivery, token)
      .catch((err) => this.options.onError(err, "webhook delivery bookkeeping failed"))
      .finally(() => {
        this.attempts.delete(attempt);
        const left = (this.inFlight.get(endpoint.id) ?? 1) - 1;
        if (left > 0) this.inFlight.set(endpoint.id, left);
        else this.inFlight.delete(endpoint.id);
        // The next event of its conversation may be the head now.
        this.wake();
      });
    this.attempts.add(attempt);
  }

  private async attempt(endpoint: Endpoint, delivery: ClaimedDelivery, token: string): Promise<void> {
    const ageMs = Date.now() - delivery.createdAt;
    if (ageMs > this.options.maxAgeMs) {
      await this.drop(delivery, ageMs);
      return;
    }
    // The stored data is already JSON: the body is built around it, byte for byte the same
    // on every attempt.
    const body = `{"type":${JSON.stringify(delivery.type)},"timestamp":"${iso(delivery.createdAt)}","data":${delivery.data}}`;
    const headers = endpoint.signer.sign(`msg_${delivery.eventId}_${delivery.endpointId}`, new Date(), body);
    let ok = false;
    try {
      const answer = await this.client.request(endpoint.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body,
        timeoutMs: this.attemptTimeoutMs,
        maxResponseBytes: MAX_ANSWER_BYTES,
        oversize: "truncate",
      });
      ok = answer.status >= 200 && answer.status < 300;
    } catch {
      // No answer (refused, timed out, cut off): a failed attempt like any other.
    }
    if (ok) {
      await this.repo.remove(delivery.id);
      metrics.webhookDelivered();
      return;
    }
    const now = Date.now();
    if (now - delivery.createdAt >= this.options.maxAgeMs) {
      await this.drop(delivery, now - delivery.createdAt);
      return;
    }
    // A retry that falls past the age limit is dropped when it comes due, without an attempt.
    metrics.webhookFailed();
    await this.repo.retryLater(delivery.id, token, now + retryDelayMs(delivery.attempts + 1, Math.random, this.firstRetryMs));
  }

  private async drop(delivery: ClaimedDelivery, ageMs: number): Promise<void> {
    await this.repo.remove(delivery.id);
    metrics.webhookDropped();
    this.options.onDropped({
      eventId: delivery.eventId,
      endpointId: delivery.endpointId,
      type: delivery.type,
      attempts: delivery.attempts + 1,
      ageMs,
    });
  }

  private async housekeeping(): Promise<void> {
    this.lastHousekeeping = Date.now();
    await this.repo.pruneDelivered();
    const { count, oldest } = await this.repo.pending();
    this.backlog = { pending: count, oldestSeconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000) };
  }
}
