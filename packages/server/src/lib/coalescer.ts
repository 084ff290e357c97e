/**
 * Group commit for small writes: items are merged by key, and while one flush runs the next
 * ones gather, so a burst (thousands of users connecting) costs a few transactions, not one
 * per item. `add` resolves once the item's flush is done, or rejects with its error.
 *
 * A flush that ends quickly leaves nothing to gather: items arriving one per event-loop
 * turn (each socket's handshake ends in a turn of its own) would each get a transaction and
 * an fsync. So flushes are spaced at least `spacingMs` apart: the first item after a quiet
 * spell goes at once, and during a burst each flush carries everything from the last gap.
 */
export class Coalescer<K, V> {
  private pending = new Map<K, { value: V; settle: { resolve: () => void; reject: (err: unknown) => void }[] }>();
  private running = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly flush: (items: Map<K, V>) => Promise<void>,
    private readonly merge: (older: V, newer: V) => V = (_older, newer) => newer,
    private readonly maxBatch = 1000,
    private readonly spacingMs = 0,
  ) {}

  private lastFlush = Number.NEGATIVE_INFINITY;
  /** The flush running now, settled either way. */
  private current: Promise<void> | undefined;

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

  /**
   * Resolves once everything added before the call has been flushed (or failed): a read that
   * must see the writes made so far waits for this, without waiting for later ones as
   * `drain` would under steady traffic.
   */
  settled(): Promise<void> {
    const waits: Promise<void>[] = [];
    if (this.current) waits.push(this.current);
    for (const entry of this.pending.values()) {
      waits.push(new Promise((resolve) => entry.settle.push({ resolve, reject: () => resolve() })));
    }
    return Promise.all(waits).then(() => {});
  }

  /** Resolves when everything added so far has been flushed. */
  drain(): Promise<void> {
    if (!this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async run(): Promise<void> {
    while (this.pending.size > 0) {
      const wait = this.lastFlush + this.spacingMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastFlush = performance.now();
      const batch = new Map<K, V>();
      const settle: { resolve: () => void; reject: (err: unknown) => void }[] = [];
      for (const [key, entry] of this.pending) {
        if (batch.size >= this.maxBatch) break;
        batch.set(key, entry.value);
        settle.push(...entry.settle);
        this.pending.delete(key);
      }
      const flushing = this.flush(batch);
      this.current = flushing.then(
        () => {},
        () => {},
      );
      try {
        await flushing;
        for (const s of settle) s.resolve();
      } catch (err) {
        for (const s of settle) s.reject(err);
      } finally {
        this.current = undefined;
      }
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
