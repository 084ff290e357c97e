import type { HttpApi } from "@chatapp/client";
import type { StatusUpdateFrame, UserStatus } from "@chatapp/protocol";
import { type ChatState, withEntry } from "./chat-state.js";
import type { Store } from "./store.js";

/** A `status_update` frame: the user's presence and when they were last seen. */
export function withStatus(state: ChatState, frame: StatusUpdateFrame): ChatState {
  return {
    ...state,
    presence: withEntry(state.presence, frame.user_id, frame.status),
    lastSeen: withEntry(state.lastSeen, frame.user_id, frame.last_seen),
  };
}

/**
 * Everyone's presence with `last_seen` (GET /api/users/status), after each (re)connect: the
 * conversation list carries only online/offline. A failure leaves only the "last seen" wording
 * out until the next reconnect.
 */
export async function loadStatuses(api: HttpApi, store: Store<ChatState>, stopped: () => boolean): Promise<void> {
  let statuses: UserStatus[];
  try {
    statuses = await api.statuses();
  } catch {
    return;
  }
  if (stopped()) return;
  store.update((s) => {
    const presence = new Map(s.presence);
    const lastSeen = new Map(s.lastSeen);
    for (const { user_id: id, status, last_seen: seen } of statuses) {
      if (id === s.me.id) continue;
      presence.set(id, status);
      if (seen !== null) lastSeen.set(id, seen);
    }
    return { ...s, presence, lastSeen };
  });
}
