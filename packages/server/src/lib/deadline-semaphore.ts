/**
 * At most `limit` holders at once; the others wait in a line of at most `maxWaiting`, each no
 * longer than its own deadline (first come, first served). For work that must not wait past
 * a deadline of its own (the before-send hook: its timeout bounds the wait and the call).
 */
export class DeadlineSemaphore {
  private active = 0;
  // A Set keeps insertion order and drops a waiter whose deadline passed in O(1).
  private readonly waiting = new Set<{ grant: (release: () => void) => void }>();

  constructor(
    readonly limit: number,
    readonly maxWaiting: number,
  ) {}

  /** Holders now, and waiters in line. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.size };
  }

  /**
   * Resolves to the function that gives the place back, or to undefined when the line is full
   * or no place came within `waitMs`.
   */
  acquire(waitMs: number): Promise<(() => void) | undefined> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.size >= this.maxWaiting || waitMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = {
        grant: (release: () => void) => {
          clearTimeout(timer);
          resolve(release);
        },
      };
      const timer = setTimeout(() => {
        this.waiting.delete(waiter);
        resolve(undefined);
      }, waitMs);
      this.waiting.add(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.values().next();
      if (next.done) {
        this.active--;
        return;
      }
      // The place passes straight to the next in line.
      this.waiting.delete(next.value);
      next.value.grant(this.releaser());
    };
  }
}
