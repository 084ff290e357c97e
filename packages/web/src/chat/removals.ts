import { type ChatState, type Removal, withEntry, withoutEntry } from "./chat-state.js";
import type { Store } from "./store.js";

/** Only the latest removals are remembered: an old one has nothing left to explain. */
const KEPT = 50;
export const REMOVALS_PREFIX = "chatapp.removals.";
const key = (userId: number) => `${REMOVALS_PREFIX}${userId}`;

/**
 * Removals are kept in localStorage, per user, so the explanation survives a reload: the
 * server answers a removed member's requests about the group as a stranger's (404), and it
 * sends the `member_left` frame that says who did it only once, live.
 */
export function loadRemovals(userId: number): Map<number, Removal> {
  try {
    const raw = localStorage.getItem(key(userId));
    const entries = raw === null ? [] : (JSON.parse(raw) as [number, Removal][]);
    return new Map(Array.isArray(entries) ? entries : []);
  } catch {
    return new Map();
  }
}

export function saveRemovals(userId: number, removals: ReadonlyMap<number, Removal>): void {
  try {
    localStorage.setItem(key(userId), JSON.stringify([...removals].slice(-KEPT)));
  } catch {
    // Storage full or blocked: the notice then lasts until the page is reloaded.
  }
}

/** Notes removals in the state and in storage, and forgets them when the user is added back. */
export class RemovalNotes {
  constructor(
    private readonly store: Store<ChatState>,
    private readonly userId: number,
  ) {}

  /** `by` null: removed through the admin API. */
  record(conversationId: number, by: number | null): void {
    const title = this.store.get().conversations.get(conversationId)?.title ?? null;
    this.save(withEntry(this.store.get().removals, conversationId, { title, by, at: new Date().toISOString() }));
  }

  clear(conversationId: number): void {
    const current = this.store.get().removals;
    if (current.has(conversationId)) this.save(withoutEntry(current, conversationId));
  }

  private save(removals: ReadonlyMap<number, Removal>): void {
    this.store.update((s) => ({ ...s, removals }));
    saveRemovals(this.userId, removals);
  }
}
