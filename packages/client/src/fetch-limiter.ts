import { ChatClientError } from "./errors.js";

export interface FetchLimiterOptions {
  /** Fetches under way at once. */
  limit: number;
  /** Fetches waiting for a turn; one more is refused at once (code `unavailable`). */
  maxWaiting: number;
  /** How long a fetch may wait for its turn before it is refused (code `timeout`). */
  waitMs: number;
}

interface Waiter {
  start: () => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A gate for the client's history fetches. After a long absence every conversation has a
 * gap at once: without a gate a user with 2,000 conversations asks the server for 2,000
 * pages at the same moment, each read and held in memory until it is written. A few at a
 * time bound that, and leave the server's offline backlog (on the socket) time to fill
 * gaps before their fetch's turn comes. Waiting fetches start in the order they asked.
 */
export class FetchLimiter {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: FetchLimiterOptions) {}

  /** Fetches under way, and fetches waiting for a turn. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `work` once a place is free; rejects without running it when refused. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.turn();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private turn(): Promise<void> {
    if (this.running < this.options.limit) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.maxWaiting) {
      return Promise.reject(new ChatClientError("unavailable", `${this.waiting.length} fetches already wait for a turn`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new ChatClientError("timeout", `no turn to fetch within ${this.options.waitMs} ms`));
        }, this.options.waitMs),
      };
      // A waiting fetch must not keep a Node process alive by itself.
      (waiter.timer as { unref?: () => void }).unref?.();
      this.waiting.push(waiter);
    });
  }

  /** The place goes to the oldest waiter, if any; otherwise it is free. */
  private release(): void {
    const next = this.waiting.shift();
    if (!next) {
      this.running--;
      return;
    }
    clearTimeout(next.timer);
    next.start();
  }
}

/**
 * The client's gap fetches: 8 pages at once. The catch-up bench (docs/benchmarks.md) found 8
 * as fast as no limit on both databases, and 4 twice as slow on MariaDB when the server's
 * offline backlog races the fetches; 16 was no faster than 8. As many waiting as a user has
 * conversations in any real case (more are retried with backoff), and a wait long enough
 * for thousands of pages ahead of it.
 */
export const GAP_FETCH_LIMITS: FetchLimiterOptions = { limit: 8, maxWaiting: 10_000, waitMs: 60_000 };
