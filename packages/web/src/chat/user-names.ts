import type { HttpApi } from "@chatapp/client";
import type { User } from "@chatapp/protocol";
import { type ChatState, withEntry } from "./chat-state.js";
import type { Store } from "./store.js";

/**
 * Names for user ids: conversations and messages carry only ids, so each id met is looked up
 * once (GET /api/users/:id) and kept for the session. A failed look-up is tried again the next
 * time the id is wanted.
 */
export class UserNames {
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly api: HttpApi,
    private readonly store: Store<ChatState>,
  ) {}

  want(ids: Iterable<number>): void {
    for (const id of ids) {
      if (this.store.get().users.has(id) || this.inFlight.has(id)) continue;
      this.inFlight.add(id);
      this.api.user(id).then(
        (user) => this.remember([user]),
        // Forgotten, so the next want() asks again.
        () => this.inFlight.delete(id),
      );
    }
  }

  /** Users learnt elsewhere (directory search results) need no look-up. */
  remember(users: readonly User[]): void {
    for (const user of users) this.inFlight.delete(user.id);
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
}
