import { usePresence } from "../chat/presence.js";
import { lastSeenLabel } from "../lib/last-seen.js";
import { useNow } from "./use-now.js";

/**
 * Someone's presence in words: "online", "last seen 5 minutes ago" (or "offline" when the
 * server never saw them), and "connecting…" while our own connection is down, when nobody's
 * presence is known.
 */
export function PresenceText({ userId }: { userId: number }) {
  const { shown, lastSeen } = usePresence(userId);
  const now = useNow();
  if (shown === "unknown")
    return (
      <span className="presence-text" data-presence="unknown">
        connecting…
      </span>
    );
  if (shown === "online")
    return (
      <span className="presence-text" data-presence="online">
        online
      </span>
    );
  return (
    <span className="presence-text" data-presence="offline">
      {lastSeen ? lastSeenLabel(lastSeen, now) : "offline"}
    </span>
  );
}
