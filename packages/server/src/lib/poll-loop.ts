/**
 * A background worker's loop of ticks (the webhook worker's and the push sender's): a tick
 * runs when woken, else `pollMs` after the last one ended; never two at once (a wake during a
 * tick runs the next one right after it). What a tick starts and leaves running (attempts in
 * flight) stays the worker's: stop() only ends the ticking.
 */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  private stopped = true;

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** False once stopped (or before the start): a tick under way should start nothing new. */
  get running(): boolean {
    return !this.stopped;
  }

  /** Starts ticking with a tick at once; false when it was running already. */
  start(): boolean {
    if (!this.stopped) return false;
    this.stopped = false;
    this.wake();
    return true;
  }

  /** A tick now, or right after the one under way. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), 0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    this.ticking = true;
    try {
      await this.tick();
    } catch (err) {
      this.onError(err);
    } finally {
      this.ticking = false;
      if (!this.stopped) {
        const delay = this.again ? 0 : this.pollMs;
        this.again = false;
        this.timer = setTimeout(() => void this.run(), delay);
      }
    }
  }
}

/** Waits for `work` to settle, but at most `ms`: a stop that must not hang on a slow peer. */
export async function settledWithin(work: Iterable<Promise<unknown>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...work]),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
