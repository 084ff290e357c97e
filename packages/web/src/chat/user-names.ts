import type { HttpApi } from "@chatapp/client";
import type { User } from "@chatapp/protocol";
import { type ChatState, withEntry } from "./chat-state.js";
import { idsMentioned } from "./mentioned-ids.js";
import type { Store } from "./store.js";

/** Look-ups in flight at once: a reload of a big group asks for many names, not all at the same moment. */
const PARALLEL = 6;

/**
 * Names for user ids: conversations and messages carry only ids, so each id met is looked up
 * once (GET /api/users/:id) and kept for the session. The state is watched: any id that shows
 * up in a timeline, a list preview or a member list (former members included: their messages
 * and the system lines about them stay) is looked up without the screens asking. Ids wanted in
 * the same turn are fetched together and land in the state in one update. A failed look-up is
 * tried again the next time the id is wanted.
 */
export class UserNames {
  private readonly inFlight = new Set<number>();
  /** Ids whose names came from the last session (chat/known-names.ts): looked up once all the same. */
  private readonly stale = new Set<number>();
  private readonly queue: number[] = [];
  private readonly arrived: User[] = [];
  private running = 0;
  private flushScheduled = false;

  constructor(
    private readonly api: HttpApi,
    private readonly store: Store<ChatState>,
  ) {}

  /** Looks up every unknown id the state mentions, now and after each change; returns the unsubscribe. */
  watch(): () => void {
    let seen: ChatState | undefined;
    const scan = () => {
      const state = this.store.get();
      this.want(idsMentioned(state, seen));
      seen = state;
    };
    scan();
    return this.store.subscribe(scan);
  }

  /** Names kept from the last session: shown at once, and refreshed when next wanted. */
  restore(users: readonly User[]): void {
    const known = this.store.get().users;
    const kept = users.filter((user) => !known.has(user.id));
    if (kept.length === 0) return;
    for (const user of kept) this.stale.add(user.id);
    this.store.update((s) => {
      const map = new Map(s.users);
      for (const user of kept) if (!map.has(user.id)) map.set(user.id, user);
      return { ...s, users: map };
    });
  }

  /** Nulls (a message without a sender) are passed over. */
  want(ids: Iterable<number | null>): void {
    const users = this.store.get().users;
    for (const id of ids) {
      if (id === null || (users.has(id) && !this.stale.has(id)) || this.inFlight.has(id)) continue;
      this.stale.delete(id);
      this.inFlight.add(id);
      this.queue.push(id);
    }
    this.pump();
  }

  /** Users learnt elsewhere (directory search results) need no look-up. */
  remember(users: readonly User[]): void {
    for (const user of users) {
      this.inFlight.delete(user.id);
      this.stale.delete(user.id);
    }
    this.store.update((s) => {
      let map = s.users;
      for (const user of users) {
        const known = map.get(user.id);
        if (known?.username === user.username && known?.display_name === user.display_name) continue;
        map = withEntry(map, user.id, user);
      }
      return map === s.users ? s : { ...s, users: map };
    });
  }

  private pump(): void {
    while (this.running < PARALLEL && this.queue.length > 0) {
      const id = this.queue.shift() as number;
      this.running++;
      this.api
        .user(id)
        .then(
          (user) => this.arrived.push(user),
          // Forgotten, so the next want() asks again.
          () => this.inFlight.delete(id),
        )
        .finally(() => {
          this.running--;
          this.pump();
          this.scheduleFlush();
        });
    }
  }

  /** Answers that arrive close together go into the state in one update (one render). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      this.remember(this.arrived.splice(0));
    }, 0);
  }
}
