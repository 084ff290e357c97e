export interface BackoffOptions {
  /** First delay, in ms. */
  initialMs: number;
  /** Longest delay, in ms. */
  maxMs: number;
  /** Growth per attempt. */
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, factor: 2 };

/**
 * The wait before reconnect attempt `attempt` (1, 2, …): exponential, capped, with "full
 * jitter" (uniform between 0 and the cap) so that thousands of clients dropped together do
 * not come back together.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const cap = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt - 1));
  return Math.round(random() * cap);
}
