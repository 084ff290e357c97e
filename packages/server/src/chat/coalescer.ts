/**
 * Group commit for small writes: items are merged by key, and while one flush runs the next
 * ones gather, so a burst (thousands of users connecting) costs a few transactions, not one
 * per item. `add` resolves once the item's flush is done, or rejects with its error.
 */
export class Coalescer<K, V> {
  private pending = new Map<K, { value: V; settle: { resolve: () => void; reject: (err: unknown) => void }[] }>();
  private running = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly flush: (items: Map<K, V>) => Promise<void>,
    private readonly merge: (older: V, newer: V) => V = (_older, newer) => newer,
    private readonly maxBatch = 1000,
  ) {}

  add(key: K, value: V): Promise<void> {
    return new Promise((resolve, reject) => {
      const current = this.pending.get(key);
      if (current) {
        current.value = this.merge(current.value, value);
        current.settle.push({ resolve, reject });
      } else {
        this.pending.set(key, { value, settle: [{ resolve, reject }] });
      }
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.run());
      }
    });
  }

  /** Resolves when everything added so far has been flushed. */
  drain(): Promise<void> {
    if (!this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async run(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = new Map<K, V>();
      const settle: { resolve: () => void; reject: (err: unknown) => void }[] = [];
      for (const [key, entry] of this.pending) {
        if (batch.size >= this.maxBatch) break;
        batch.set(key, entry.value);
        settle.push(...entry.settle);
        this.pending.delete(key);
      }
      try {
        await this.flush(batch);
        for (const s of settle) s.resolve();
      } catch (err) {
        for (const s of settle) s.reject(err);
      }
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
