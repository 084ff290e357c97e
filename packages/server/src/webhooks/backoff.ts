/** The first retry of a failed delivery comes about this long after the failure. */
export const FIRST_RETRY_MS = 1000;
/** Retries are never further apart than this (contract: at most 15 min). */
export const MAX_RETRY_MS = 15 * 60_000;

/**
 * How long after its `failures`-th failure (1 for the first) a delivery is tried again:
 * `firstMs` (1 s), then doubling, each within ±20 % (jitter, so endpoints that come back are
 * not hit by every backlog at the same instant), never more than 15 min. Only tests pass
 * another `firstMs` (config.webhooks.firstRetryMs), to see the schedule's shape quickly.
 */
export function retryDelayMs(failures: number, random: () => number = Math.random, firstMs = FIRST_RETRY_MS): number {
  const base = Math.min(firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 30), MAX_RETRY_MS);
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(jittered, MAX_RETRY_MS));
}
