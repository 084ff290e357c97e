/**
 * At most one announcement per user every `intervalMs`, and the last state always follows.
 * The first change after a quiet spell goes out at once; changes within the interval wait,
 * the latest replacing the earlier, and go out when it ends. So a user who connects and
 * disconnects in a loop costs each contact at most one status_update per interval.
 *
 * A waiting state is said even when it matches what this node said last: in a cluster
 * another node may have announced the opposite meanwhile, and a repeat is harmless.
 *
 * Memory: one entry and one timer per user announced within the last interval.
 */
export class PresenceThrottle<S> {
  private readonly recent = new Map<number, { waiting: S | undefined; timer: NodeJS.Timeout }>();

  constructor(
    private readonly intervalMs: number,
    private readonly announce: (userId: number, state: S) => void,
  ) {}

  change(userId: number, state: S): void {
    const entry = this.intervalMs > 0 ? this.recent.get(userId) : undefined;
    if (this.intervalMs <= 0) this.announce(userId, state);
    else if (entry) entry.waiting = state;
    else this.say(userId, state);
  }

  /** Says every waiting change now (the node is stopping), and forgets the rest. */
  flush(): void {
    for (const [userId, entry] of this.recent) {
      clearTimeout(entry.timer);
      if (entry.waiting) this.announce(userId, entry.waiting);
    }
    this.recent.clear();
  }

  private say(userId: number, state: S): void {
    this.announce(userId, state);
    const timer = setTimeout(() => {
      const entry = this.recent.get(userId);
      this.recent.delete(userId);
      if (entry?.waiting) this.say(userId, entry.waiting);
    }, this.intervalMs);
    timer.unref();
    this.recent.set(userId, { waiting: undefined, timer });
  }
}
