/** Where a group-commit loop takes its batches from: a plain queue, or items merged by key. */
export interface BatchSource<B> {
  /** Items waiting. */
  readonly size: number;
  /** Removes and returns up to `max` waiting items as one batch. */
  take(max: number): B;
}

export interface GroupCommitOptions {
  /** Most items in one batch. Default 1000. */
  maxBatch?: number;
  /**
   * Least time between the starts of two batches, 0 for none. A flush that ends quickly leaves
   * nothing to gather: items arriving one per event-loop turn would each get a transaction and
   * an fsync. With a spacing, the first item after a quiet spell goes at once, and during a
   * burst each batch carries everything from the last gap.
   */
  spacingMs?: number;
}

/**
 * The group-commit loop: one batch in flight at a time; while it runs, new items gather, and
 * when it ends everything gathered goes into the next one. There is no timer (unless spacing
 * is asked for), so a lone item is flushed at once, and under load each flush (each
 * transaction, each fsync) carries many items. The first batch starts on the next turn of the
 * event loop, so items that arrive in the same I/O phase share it.
 *
 * The loop owns only the scheduling; the caller owns the items, how they are batched
 * (`BatchSource`) and how each batch's callers are answered (inside `flush`, which should not
 * throw: a rejection is passed to `onError` and the loop goes on).
 */
export class GroupCommit<B> {
  private running = false;
  private idle: (() => void)[] = [];
  private lastStart = Number.NEGATIVE_INFINITY;
  /** The batch being flushed now, settled either way. */
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly source: BatchSource<B>,
    private readonly flush: (batch: B) => Promise<void>,
    private readonly options: GroupCommitOptions = {},
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Call after adding items to the source: starts the loop unless it runs already. */
  kick(): void {
    if (this.running) return;
    this.running = true;
    setImmediate(() => void this.run());
  }

  /** The batch in flight, if any: resolves when it ends, whatever its outcome. */
  get current(): Promise<void> | undefined {
    return this.inFlight;
  }

  /** Resolves when every item added so far has been flushed (or failed). */
  drain(): Promise<void> {
    if (!this.running && this.source.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async run(): Promise<void> {
    const spacing = this.options.spacingMs ?? 0;
    while (this.source.size > 0) {
      const wait = this.lastStart + spacing - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastStart = performance.now();
      const flushing = this.flush(this.source.take(this.options.maxBatch ?? 1000)).catch(this.onError);
      this.inFlight = flushing;
      await flushing;
      this.inFlight = undefined;
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
