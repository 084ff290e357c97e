import { type ChatClient, ChatClientError } from "@chatapp/client";
import type { Message } from "@chatapp/protocol";
import { type ChatState, EMPTY_TIMELINE, hasOlder, mergeMessages, type Timeline, withEntry } from "./chat-state.js";
import type { Store } from "./store.js";

const PAGE = 50;
/** Read messages shown above the first unread one when a conversation opens there. */
const CONTEXT = 10;
/** The server's largest page: a jump to an old search result loads at most this much per request. */
const MAX_PAGE = 1000;

/**
 * Loads history into timelines through the SDK: the latest page when a conversation opens,
 * older pages as the user scrolls up, and as far back as a search result when they jump to
 * one. Pages go below the oldest loaded seq, so a timeline never has holes.
 */
export class TimelineLoader {
  /** Conversations whose latest page is on its way: asking again would fetch it twice. */
  private readonly loadingLatest = new Set<number>();

  constructor(
    private readonly client: ChatClient,
    private readonly store: Store<ChatState>,
  ) {}

  /** Merges messages into a conversation's timeline, if it has one (it was opened). */
  merge(conversationId: number, messages: readonly Message[]): void {
    this.patch(conversationId, (t) => ({ ...t, messages: mergeMessages(t.messages, messages) }), false);
  }

  /** Changes messages of a conversation's timeline in place (a thread root's counters), if it has one. */
  patchMessages(conversationId: number, change: (messages: readonly Message[]) => readonly Message[]): void {
    this.patch(
      conversationId,
      (t) => {
        const messages = change(t.messages);
        return messages === t.messages ? t : { ...t, messages };
      },
      false,
    );
  }

  /**
   * The messages the SDK keeps of a conversation, on screen at once when it opens (offline
   * too), until its latest page arrives and replaces them. Only the unbroken run up to the
   * newest counts: a timeline has no holes. Nothing changes once a page has loaded.
   */
  async showCached(conversationId: number): Promise<void> {
    let cached: Message[];
    try {
      cached = await this.client.cachedMessages(conversationId);
    } catch {
      return;
    }
    const run = unbrokenTail(cached);
    if (run.length === 0) return;
    this.patch(conversationId, (t) => (t.loaded ? t : { ...t, messages: mergeMessages(t.messages, run) }), true);
  }

  /**
   * The latest page: on first open, and after a reconnect (to pick up edits and deletes made
   * meanwhile). It reaches back to the first unread message (and a few before it), where the
   * conversation opens, as far as one request of the server's largest page goes.
   */
  async loadLatest(conversationId: number): Promise<void> {
    if (this.loadingLatest.has(conversationId)) return;
    this.loadingLatest.add(conversationId);
    this.patch(conversationId, (t) => ({ ...t, error: undefined }), true);
    const conversation = this.store.get().conversations.get(conversationId);
    const unread = conversation && conversation.unread_count > 0 ? conversation.last_seq - conversation.read_seq : 0;
    try {
      const page = await this.client.history(conversationId, { limit: Math.min(MAX_PAGE, Math.max(PAGE, unread + CONTEXT)) });
      // On first load, cached messages above the page go: what is above it loads as pages, from
      // the server (a cached copy may miss an edit or a deletion made while this tab was away).
      const from = page.messages[0]?.seq ?? 0;
      this.patch(
        conversationId,
        (t) => {
          const kept = t.loaded ? t.messages : t.messages.filter((m) => m.seq >= from);
          return { ...t, loaded: true, messages: mergeMessages(kept, page.messages) };
        },
        true,
      );
    } catch (err) {
      // Offline with cached messages on screen: they are what there is, and the page loads
      // when the connection is back (the session asks again then).
      const quiet = isOffline(err) && (this.store.get().timelines.get(conversationId)?.messages.length ?? 0) > 0;
      if (!quiet) this.patch(conversationId, (t) => ({ ...t, error: describe(err) }), true);
    } finally {
      this.loadingLatest.delete(conversationId);
    }
  }

  /** The page before the oldest loaded message; with `untilSeq`, enough pages to reach that seq. */
  async loadOlder(conversationId: number, untilSeq?: number): Promise<void> {
    const timeline = this.store.get().timelines.get(conversationId);
    const first = timeline?.messages[0]?.seq;
    if (!timeline || first === undefined || timeline.loadingOlder || !hasOlder(timeline)) return;
    const limit = untilSeq === undefined ? PAGE : Math.min(MAX_PAGE, Math.max(PAGE, first - untilSeq + 10));
    this.patch(conversationId, (t) => ({ ...t, loadingOlder: true, error: undefined }), false);
    try {
      const page = await this.client.history(conversationId, { before: first, limit });
      this.patch(
        conversationId,
        (t) => ({ ...t, loadingOlder: false, messages: mergeMessages(t.messages, page.messages) }),
        false,
      );
    } catch (err) {
      this.patch(conversationId, (t) => ({ ...t, loadingOlder: false, error: describe(err) }), false);
    }
  }

  /** Loads back until `seq` is in the timeline (a search result), or nothing older is left. */
  async loadUntil(conversationId: number, seq: number): Promise<void> {
    for (;;) {
      const timeline = this.store.get().timelines.get(conversationId);
      const first = timeline?.messages[0]?.seq;
      if (!timeline?.loaded || first === undefined || first <= seq || !hasOlder(timeline) || timeline.error) return;
      await this.loadOlder(conversationId, seq);
      if (this.store.get().timelines.get(conversationId)?.messages[0]?.seq === first) return;
    }
  }

  private patch(conversationId: number, change: (t: Timeline) => Timeline, create: boolean): void {
    this.store.update((s) => {
      const current = s.timelines.get(conversationId) ?? (create ? EMPTY_TIMELINE : undefined);
      if (current === undefined) return s;
      return { ...s, timelines: withEntry(s.timelines, conversationId, change(current)) };
    });
  }
}

/** The newest messages that follow each other by seq (a cache may lack some between). */
function unbrokenTail(messages: readonly Message[]): Message[] {
  const sorted = [...messages].sort((a, b) => a.seq - b.seq);
  let start = sorted.length - 1;
  while (start > 0 && (sorted[start - 1]?.seq ?? 0) === (sorted[start]?.seq ?? 0) - 1) start--;
  return sorted.slice(Math.max(0, start));
}

function isOffline(err: unknown): boolean {
  return err instanceof ChatClientError && (err.code === "network" || err.code === "unavailable");
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
