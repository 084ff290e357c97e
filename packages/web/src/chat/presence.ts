import type { UserStatusValue } from "@chatapp/protocol";
import { useChatState } from "./chat-context.js";
import type { ChatState } from "./chat-state.js";

/** What the screens show of someone's presence: "unknown" while our own connection is down. */
export type PresenceShown = UserStatusValue | "unknown";

/**
 * Presence is only as fresh as our connection: while it is down, nobody's status can be
 * trusted (a peer may have left meanwhile), so it is shown as unknown rather than as the last
 * thing heard.
 */
export function presenceOf(state: ChatState, userId: number): PresenceShown {
  if (state.connection !== "open") return "unknown";
  if (userId === state.me.id) return "online";
  return state.presence.get(userId) ?? "unknown";
}

export function usePresence(userId: number | undefined): { shown: PresenceShown; lastSeen: string | undefined } {
  const shown = useChatState((s) => (userId === undefined ? "unknown" : presenceOf(s, userId)));
  const lastSeen = useChatState((s) => (userId === undefined ? undefined : s.lastSeen.get(userId)));
  return { shown, lastSeen };
}
