import { GroupCommit } from "./group-commit.js";

interface Settle {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Entry<V> {
  value: V;
  settle: Settle[];
}

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
  private readonly pending = new Map<K, Entry<V>>();
  private readonly loop: GroupCommit<Map<K, Entry<V>>>;

  constructor(
    flush: (items: Map<K, V>) => Promise<void>,
    private readonly merge: (older: V, newer: V) => V = (_older, newer) => newer,
    maxBatch = 1000,
    spacingMs = 0,
  ) {
    const pending = this.pending;
    const source = {
      get size() {
        return pending.size;
      },
      take(max: number) {
        const batch = new Map<K, Entry<V>>();
        for (const [key, entry] of pending) {
          if (batch.size >= max) break;
          batch.set(key, entry);
          pending.delete(key);
        }
        return batch;
      },
    };
    this.loop = new GroupCommit(
      source,
      async (batch) => {
        const items = new Map<K, V>();
        for (const [key, entry] of batch) items.set(key, entry.value);
        try {
          await flush(items);
          for (const entry of batch.values()) for (const s of entry.settle) s.resolve();
        } catch (err) {
          for (const entry of batch.values()) for (const s of entry.settle) s.reject(err);
        }
      },
      { maxBatch, spacingMs },
    );
  }

  /** Items waiting for a flush (the one in progress not counted). */
  get size(): number {
    return this.pending.size;
  }

  add(key: K, value: V): Promise<void> {
    return new Promise((resolve, reject) => {
      const current = this.pending.get(key);
      if (current) {
        current.value = this.merge(current.value, value);
        current.settle.push({ resolve, reject });
      } else {
        this.pending.set(key, { value, settle: [{ resolve, reject }] });
      }
      this.loop.kick();
    });
  }

  /**
   * Resolves once everything added before the call has been flushed (or failed): a read that
   * must see the writes made so far waits for this, without waiting for later ones as
   * `drain` would under steady traffic.
   */
  settled(): Promise<void> {
    const waits: Promise<void>[] = [];
    const current = this.loop.current;
    if (current) waits.push(current);
    for (const entry of this.pending.values()) {
      waits.push(new Promise((resolve) => entry.settle.push({ resolve, reject: () => resolve() })));
    }
    return Promise.all(waits).then(() => {});
  }

  /** Resolves when everything added so far has been flushed. */
  drain(): Promise<void> {
    return this.loop.drain();
  }
}
