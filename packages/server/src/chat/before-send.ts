import { randomUUID } from "node:crypto";
import { DeadlineSemaphore } from "../lib/deadline-semaphore.js";
import { metrics } from "../metrics.js";
import { OutboundClient, type OutboundResponse } from "../outbound/http-client.js";
import { WebhookSigner } from "../outbound/webhook-signing.js";
import { ChatError } from "./errors.js";

/**
 * The before-send hook (contract §2): every user message and every edit is first posted to
 * BEFORE_SEND_URL, signed like a webhook, and stored only when the answer allows it. Never
 * retried. A 2xx with `{"action":"allow"}` or an empty body allows; `{"action":"reject",
 * "reason"}` rejects (ChatError "rejected" with the reason); anything else — no answer within
 * the timeout, another status, no connection, an answer that is neither — is a failure, and
 * BEFORE_SEND_FAILURE decides: `allow` lets the message through, `reject` refuses it with
 * `unavailable` (ChatError "hook_unavailable").
 *
 * The timeout bounds the whole check: at most `maxInFlight` calls are open at once per node;
 * past that a check waits in a bounded line for a place, but only within its own timeout, so
 * a check never takes longer than BEFORE_SEND_TIMEOUT_MS, waiting included. A full line, or a
 * place that did not come in time, is a failure like a timeout (the policy applies).
 */

export interface BeforeSendConfig {
  url: string;
  /** `whsec_…`: BEFORE_SEND_SECRET, else WEBHOOK_SECRET. */
  secret: string;
  timeoutMs: number;
  failure: "allow" | "reject";
}

export interface BeforeSendOptions extends BeforeSendConfig {
  /** Calls open at once on this node (and sockets kept to the hook). */
  maxInFlight?: number;
  /** Checks waiting for a place; past it a check fails at once. */
  maxWaiting?: number;
  /**
   * The hook's address is set by the administrator, so loopback and private addresses are
   * allowed by default (a hook beside the app's backend); the SSRF guard still refuses
   * 0.0.0.0 and `::`.
   */
  allowPrivate?: boolean;
}

/** What the hook is told (contract §2: `data` of `message.before_send`). */
export interface BeforeSendData {
  conversationId: number;
  senderId: number;
  content: string;
  receiverId?: number | undefined;
  clientId?: string | undefined;
  /** Set for an edit: the message being changed. */
  messageId?: number | undefined;
}

export const DEFAULT_MAX_IN_FLIGHT = 256;
export const DEFAULT_MAX_WAITING = 10_000;
/** The largest answer read; a longer one is a failure (an answer is `{"action":…}`). */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** A rejection's reason is cut to this many code points before it reaches the client. */
export const MAX_REASON_CHARS = 1000;
const DEFAULT_REASON = "rejected by the before-send hook";

type Verdict = { action: "allow" } | { action: "reject"; reason: string } | { action: "failure"; why: string };

export class BeforeSendHook {
  private readonly client: OutboundClient;
  private readonly signer: WebhookSigner;
  private readonly slots: DeadlineSemaphore;

  constructor(
    private readonly options: BeforeSendOptions,
    /** Told of each failed call (the caller logs it, throttled). */
    private readonly onFailure: (err: unknown, what: string) => void = () => {},
  ) {
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.client = new OutboundClient({
      purpose: "before-send hook",
      allowPrivate: options.allowPrivate ?? true,
      keepAlive: true,
      maxSockets: maxInFlight,
    });
    this.signer = new WebhookSigner(options.secret);
    this.slots = new DeadlineSemaphore(maxInFlight, options.maxWaiting ?? DEFAULT_MAX_WAITING);
  }

  /** Calls open and waiting, for tests and metrics. */
  get load(): { active: number; waiting: number } {
    return this.slots.load;
  }

  /**
   * Resolves when the message may be stored; rejects with ChatError "rejected" (the hook said
   * no) or "hook_unavailable" (it failed and the policy is `reject`).
   */
  async check(data: BeforeSendData): Promise<void> {
    const started = performance.now();
    const verdict = await this.ask(data, started);
    metrics.beforeSend(verdict.action, (performance.now() - started) / 1000);
    if (verdict.action === "allow") return;
    if (verdict.action === "reject") throw new ChatError("rejected", verdict.reason);
    this.onFailure(new Error(verdict.why), "before-send hook failed");
    if (this.options.failure === "reject") throw new ChatError("hook_unavailable");
  }

  close(): void {
    this.client.close();
  }

  private async ask(data: BeforeSendData, started: number): Promise<Verdict> {
    const { timeoutMs } = this.options;
    const release = await this.slots.acquire(timeoutMs);
    if (!release) return { action: "failure", why: "too many before-send calls in flight" };
    try {
      const remaining = Math.max(1, Math.round(timeoutMs - (performance.now() - started)));
      const body = JSON.stringify({ type: "message.before_send", timestamp: new Date().toISOString(), data: wire(data) });
      const response = await this.client.request(this.options.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...this.signer.sign(`bs_${randomUUID()}`, new Date(), body) },
        body,
        timeoutMs: remaining,
        maxResponseBytes: MAX_ANSWER_BYTES,
        oversize: "error",
      });
      return verdictOf(response);
    } catch (err) {
      return { action: "failure", why: (err as Error).message };
    } finally {
      release();
    }
  }
}

/** `data` with the contract's names, optional fields only when set. */
function wire(data: BeforeSendData): Record<string, unknown> {
  return {
    conversation_id: data.conversationId,
    sender_id: data.senderId,
    content: data.content,
    ...(data.receiverId !== undefined ? { receiver_id: data.receiverId } : {}),
    ...(data.clientId !== undefined ? { client_id: data.clientId } : {}),
    ...(data.messageId !== undefined ? { message_id: data.messageId } : {}),
  };
}

function verdictOf(response: OutboundResponse): Verdict {
  if (response.status < 200 || response.status >= 300) return { action: "failure", why: `status ${response.status}` };
  const text = response.body.toString("utf8").trim();
  if (text === "") return { action: "allow" };
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { action: "failure", why: "the answer is not JSON" };
  }
  const action = typeof answer === "object" && answer !== null ? (answer as { action?: unknown }).action : undefined;
  if (action === "allow") return { action: "allow" };
  if (action === "reject") {
    const reason = (answer as { reason?: unknown }).reason;
    return {
      action: "reject",
      reason: typeof reason === "string" && reason.trim() !== "" ? cleanReason(reason) : DEFAULT_REASON,
    };
  }
  return { action: "failure", why: 'the answer has no "action" of allow or reject' };
}

/** Well-formed Unicode (JSON may carry lone surrogates), at most MAX_REASON_CHARS code points. */
function cleanReason(reason: string): string {
  const wellFormed = reason.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
  const points = [...wellFormed];
  return points.length > MAX_REASON_CHARS ? points.slice(0, MAX_REASON_CHARS).join("") : wellFormed;
}
