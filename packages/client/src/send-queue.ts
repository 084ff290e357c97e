import { type BackoffOptions, backoffDelay } from "./backoff.js";

/** A send the server has not answered for good yet. */
export interface PendingSend<Ack> {
  clientId: string;
  /** Its conversation (see Lanes): the sends of a lane are stored in the order they were made. */
  lane: string;
  /** The frame, serialized once: resent byte for byte. */
  frame: string;
  resolve: (ack: Ack) => void;
  reject: (err: Error) => void;
  /**
   * `preparing`: its files are uploading (it holds its lane; see `prepared`); `queued`: may go
   * out; `wire`: out on the current connection, unanswered; `waiting`: a backoff after `unavailable`.
   */
  state: "preparing" | "queued" | "wire" | "waiting";
  /** It went out at least once: until the server answers, it may be stored. */
  transmitted: boolean;
  /**
   * Its promise was rejected with `timeout` after it went out. It stays at the head of its
   * lane, resent until the server answers, so that nothing after it is stored before it.
   */
  abandoned: boolean;
  /** Queued `ahead` (a stored send put before newer ones of its lane). */
  ahead: boolean;
  /** Refusals that called for a backoff (`unavailable`, or `rate_limited` without a retry time). */
  refusals: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface SendQueueOptions<Ack> {
  /** A send not acknowledged within this time is rejected (0: never). */
  timeoutMs: number;
  onTimeout: (entry: PendingSend<Ack>) => Error;
  /** Sends may go out that could not before (a wait ended): call `due()`. */
  onDue: () => void;
  backoff: BackoffOptions;
}

/**
 * The client's unanswered sends, in lanes (one per conversation). Only the head of a lane is
 * ever on the wire: a send goes out once the one before it in its lane is acknowledged or
 * refused for good (stop-and-wait), so a refusal to retry (`rate_limited`, `unavailable`), a
 * lost connection or a server restart can never let a later send be stored first. Lanes go
 * out side by side, except after a `rate_limited` answer: the limits are per user and per
 * connection, so every lane waits the `retry_after_ms` the server named, and then one send
 * at a time goes out, across lanes, until the queue is empty.
 */
export class SendQueue<Ack> {
  private readonly lanes = new Map<string, PendingSend<Ack>[]>();
  private readonly byId = new Map<string, PendingSend<Ack>>();
  private live = 0;
  /** No send goes out before this time (Date.now()). */
  private holdUntil = 0;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  /** After a `rate_limited` answer, until the queue is empty: one send on the wire at a time. */
  private singleFile = false;

  constructor(private readonly options: SendQueueOptions<Ack>) {}

  /** Sends whose promise is still waiting. */
  get size(): number {
    return this.live;
  }

  get(clientId: string): PendingSend<Ack> | undefined {
    return this.byId.get(clientId);
  }

  /** A lane holds sends: a new send to that conversation must join it. */
  busy(lane: string): boolean {
    return this.lanes.has(lane);
  }

  /**
   * Queues a send at the end of its lane. The id of a send abandoned after a timeout takes
   * it up again where it stands: the new promise gets the server's answer to the first one.
   */
  add(
    entry: Pick<PendingSend<Ack>, "clientId" | "lane" | "frame" | "resolve" | "reject">,
    /**
     * `preparing`: held until `prepared`; `timeout`: false for a send nobody here waits on;
     * `ahead`: an older send read back from storage while nothing is on the wire, which goes
     * before the sends of its lane that were not (after the stored ones queued before it).
     */
    { preparing = false, timeout = true, ahead = false }: { preparing?: boolean; timeout?: boolean; ahead?: boolean } = {},
  ): PendingSend<Ack> {
    const abandoned = this.byId.get(entry.clientId);
    if (abandoned?.abandoned) {
      abandoned.resolve = entry.resolve;
      abandoned.reject = entry.reject;
      abandoned.abandoned = false;
      this.live++;
      this.startTimer(abandoned);
      return abandoned;
    }
    if (abandoned) throw new Error(`client_id ${entry.clientId} is already pending`);
    const full: PendingSend<Ack> = {
      ...entry,
      ahead,
      state: preparing ? "preparing" : "queued",
      transmitted: false,
      abandoned: false,
      refusals: 0,
      timer: undefined,
      retryTimer: undefined,
    };
    const lane = this.lanes.get(full.lane);
    if (!lane) this.lanes.set(full.lane, [full]);
    else if (!ahead) lane.push(full);
    else {
      const at = lane.findIndex((e, i) => !e.ahead && !(i === 0 && e.transmitted));
      lane.splice(at === -1 ? lane.length : at, 0, full);
    }
    this.byId.set(full.clientId, full);
    this.live++;
    if (timeout) this.startTimer(full);
    return full;
  }

  /**
   * The sends to put on the wire now, marked as on it: the head of each lane that is not
   * out or waiting; none before a `retry_after_ms` has passed; one at most, and none while
   * another is out, after a `rate_limited` answer.
   */
  due(now = Date.now()): PendingSend<Ack>[] {
    if (now < this.holdUntil) return [];
    const heads = [...this.lanes.values()].map((lane) => lane[0] as PendingSend<Ack>);
    if (this.singleFile) {
      if (heads.some((h) => h.state === "wire")) return [];
      const next = heads.find((h) => h.state === "queued");
      return next ? [this.out(next)] : [];
    }
    return heads.filter((h) => h.state === "queued").map((h) => this.out(h));
  }

  /** Its files are uploaded: the send may go out when its turn comes, as this frame. */
  prepared(clientId: string, frame: string): void {
    const entry = this.byId.get(clientId);
    if (entry?.state !== "preparing") return;
    entry.frame = frame;
    entry.state = "queued";
    this.options.onDue();
  }

  /** The server stored it: settles the send and returns it, or undefined if it is not pending. */
  resolve(clientId: string, ack: Ack): PendingSend<Ack> | undefined {
    const entry = this.take(clientId);
    if (entry && !entry.abandoned) entry.resolve(ack);
    return entry;
  }

  /** The server refused it for good (or the client gave up): the lane moves on. */
  reject(clientId: string, err: Error): boolean {
    const entry = this.take(clientId);
    if (entry && !entry.abandoned) entry.reject(err);
    return entry !== undefined;
  }

  /** Over a limit: nothing goes out for `retryAfterMs` (a backoff when the server named no time). */
  rateLimited(clientId: string, retryAfterMs: number | undefined): void {
    const entry = this.byId.get(clientId);
    if (!entry) return;
    entry.state = "queued";
    this.singleFile = true;
    const wait = retryAfterMs ?? backoffDelay(++entry.refusals, this.options.backoff);
    const until = Date.now() + wait;
    if (until <= this.holdUntil) return;
    this.holdUntil = until;
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      // Always the latest hold (a longer one replaces the timer): over, whatever the clock says.
      this.holdTimer = undefined;
      this.holdUntil = 0;
      this.options.onDue();
    }, wait);
  }

  /** Storage is down (the send may or may not be stored): it goes out again after a backoff. */
  unavailable(clientId: string): void {
    const entry = this.byId.get(clientId);
    if (!entry) return;
    entry.state = "waiting";
    clearTimeout(entry.retryTimer);
    entry.retryTimer = setTimeout(
      () => {
        entry.retryTimer = undefined;
        entry.state = "queued";
        this.options.onDue();
      },
      backoffDelay(++entry.refusals, this.options.backoff),
    );
  }

  /** A new connection: what was out on the old one, or waiting, goes out again at once. */
  reconnected(): void {
    for (const lane of this.lanes.values()) {
      const head = lane[0] as PendingSend<Ack>;
      if (head.state === "preparing") continue;
      clearTimeout(head.retryTimer);
      head.retryTimer = undefined;
      head.state = "queued";
    }
  }

  rejectAll(err: Error): void {
    for (const entry of [...this.byId.values()]) this.reject(entry.clientId, err);
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.holdUntil = 0;
  }

  private out(entry: PendingSend<Ack>): PendingSend<Ack> {
    entry.state = "wire";
    entry.transmitted = true;
    return entry;
  }

  private startTimer(entry: PendingSend<Ack>): void {
    const { timeoutMs } = this.options;
    clearTimeout(entry.timer);
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.byId.get(entry.clientId) !== entry || entry.abandoned) return;
      const err = this.options.onTimeout(entry);
      if (entry.transmitted) {
        // It may be stored yet: it keeps its place until the server answers.
        entry.abandoned = true;
        this.live--;
        entry.reject(err);
      } else {
        // Never sent: withdrawn, and never stored.
        this.reject(entry.clientId, err);
        this.options.onDue();
      }
    }, timeoutMs);
  }

  private take(clientId: string): PendingSend<Ack> | undefined {
    const entry = this.byId.get(clientId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    clearTimeout(entry.retryTimer);
    this.byId.delete(clientId);
    if (!entry.abandoned) this.live--;
    const lane = this.lanes.get(entry.lane) ?? [];
    const at = lane.indexOf(entry);
    if (at >= 0) lane.splice(at, 1);
    // Round robin: a lane that moved on goes to the back, so every conversation moves when one send goes at a time.
    this.lanes.delete(entry.lane);
    if (lane.length > 0) this.lanes.set(entry.lane, lane);
    if (this.lanes.size === 0) this.singleFile = false;
    return entry;
  }
}
