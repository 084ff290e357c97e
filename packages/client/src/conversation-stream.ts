import type { Message } from "@chatapp/protocol";
import { MessageReactions } from "./message-reactions.js";
import { ThreadCounts } from "./thread-counts.js";

/**
 * One conversation as the client emits it: in seq order, each message once, whatever the
 * server resends or the network reorders.
 *
 * `accept` takes a message from anywhere (live frame, ack, resume fetch) and returns those now
 * ready to emit: the next seq and whatever buffered messages follow it. A message ahead of a
 * gap waits; `hasGap` tells the client to fetch `after_seq = lastSeq`.
 */
export class ConversationStream {
  private emitted: number;
  /** The highest seq known to exist: from `ready`, or seen on the wire. */
  private known: number;
  private readonly ahead = new Map<number, Message>();
  /** The connection (epoch) whose fetch for this conversation is under way, if any. */
  fetchingEpoch: number | undefined;
  /** Failed fetches in a row, for the retry backoff. */
  fetchFailures = 0;
  /** Each message's reactions, kept current by `reaction` frames (see MessageReactions). */
  readonly reactions = new MessageReactions();

  constructor(
    readonly conversationId: number,
    startAfter: number,
    /**
     * The conversation's thread roots with their reply counters, kept current as replies are
     * emitted. Given, not made here: history read before the stream exists feeds them too.
     */
    readonly threads = new ThreadCounts(),
  ) {
    this.emitted = startAfter;
    this.known = startAfter;
  }

  /** Every message up to this seq has been emitted (or predates the client). */
  get lastSeq(): number {
    return this.emitted;
  }

  /** Messages known to exist that have not been emitted yet. */
  get hasGap(): boolean {
    return this.known > this.emitted;
  }

  accept(message: Message): Message[] {
    // A resent or refetched copy still brings the reactions as they are now.
    this.reactions.seed(message);
    const { seq } = message;
    if (seq <= this.emitted || this.ahead.has(seq)) return [];
    if (seq > this.known) this.known = seq;
    if (seq !== this.emitted + 1) {
      this.ahead.set(seq, message);
      return [];
    }
    const ready = [message];
    this.emitted = seq;
    for (let next = this.ahead.get(this.emitted + 1); next; next = this.ahead.get(this.emitted + 1)) {
      this.ahead.delete(next.seq);
      ready.push(next);
      this.emitted = next.seq;
    }
    this.threads.observe(ready);
    return ready;
  }

  /** The server says the conversation has messages up to `seq`. */
  knowUpTo(seq: number): void {
    if (seq > this.known) this.known = seq;
  }

  /**
   * A fetch found nothing after `lastSeq`: what was "known" does not exist (a stale hint).
   * Forget it so the client does not fetch forever; buffered messages stay buffered.
   */
  settle(): void {
    const highestAhead = Math.max(this.emitted, ...this.ahead.keys());
    this.known = highestAhead;
  }
}
