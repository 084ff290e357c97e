/** A send the server has not acknowledged yet. */
export interface PendingSend<Ack> {
  clientId: string;
  /** The frame, serialized once: resent byte for byte after a reconnect. */
  frame: string;
  resolve: (ack: Ack) => void;
  reject: (err: Error) => void;
  /** Times the server answered `unavailable`. */
  refusals: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** A resend waiting after an `unavailable` answer. */
  retryTimer?: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Unacknowledged sends, in the order they were made. Each keeps its client_id for life, so
 * resending after a reconnect (or after `unavailable`) is stored once by the server.
 */
export class SendQueue<Ack> {
  private readonly pending = new Map<string, PendingSend<Ack>>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (entry: PendingSend<Ack>) => Error,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  add(entry: Omit<PendingSend<Ack>, "refusals" | "timer" | "retryTimer">): PendingSend<Ack> {
    const full: PendingSend<Ack> = { ...entry, refusals: 0, timer: undefined };
    if (this.timeoutMs > 0 && Number.isFinite(this.timeoutMs)) {
      full.timer = setTimeout(() => {
        if (this.pending.get(full.clientId) !== full) return;
        this.pending.delete(full.clientId);
        full.reject(this.onTimeout(full));
      }, this.timeoutMs);
    }
    this.pending.set(full.clientId, full);
    return full;
  }

  get(clientId: string): PendingSend<Ack> | undefined {
    return this.pending.get(clientId);
  }

  /** Settles a send: resolves it with the ack. A second ack for the same id finds nothing. */
  resolve(clientId: string, ack: Ack): boolean {
    const entry = this.take(clientId);
    entry?.resolve(ack);
    return entry !== undefined;
  }

  reject(clientId: string, err: Error): boolean {
    const entry = this.take(clientId);
    entry?.reject(err);
    return entry !== undefined;
  }

  /** Every unacknowledged send, oldest first: what a new connection resends. */
  all(): PendingSend<Ack>[] {
    return [...this.pending.values()];
  }

  rejectAll(err: Error): void {
    for (const entry of this.all()) this.reject(entry.clientId, err);
  }

  private take(clientId: string): PendingSend<Ack> | undefined {
    const entry = this.pending.get(clientId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    clearTimeout(entry.retryTimer);
    this.pending.delete(clientId);
    return entry;
  }
}
