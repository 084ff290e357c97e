import { retryDelayMs } from "../webhooks/backoff.js";

/** A Retry-After longer than this is taken as this: a push that late is not worth keeping. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;
/** Nor is a retry sooner than this, whatever the push service says: no tight loops. */
export const MIN_RETRY_MS = 500;

/**
 * The delay in milliseconds a push service asked for with Retry-After (RFC 9110 §10.2.3:
 * delay-seconds or an HTTP-date), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === "") return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names a weekday and a month ("Wed, 21 Oct 2026 07:28:00 GMT"); Date.parse
  // alone would also take "-3" or "1.5" as years.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * When a push that failed for the `failures`-th time (429, 5xx, no answer) is tried again:
 * at the push service's Retry-After when it gave one (within 0.5 s – 15 min), else the
 * webhooks' backoff (1 s doubling with jitter, at most 15 min).
 */
export function nextAttemptDelayMs(failures: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs === undefined) return retryDelayMs(failures);
  return Math.min(Math.max(retryAfterMs, MIN_RETRY_MS), MAX_RETRY_AFTER_MS);
}
