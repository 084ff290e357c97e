import { useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { dayLabel, timeLabel } from "../lib/dates.js";

/**
 * The pane of a conversation the user is not in. Removed by someone while this device was
 * connected: who did it and when. Otherwise the server only says "not found", so the text
 * names both causes. The history is not shown: the server lets only members read it.
 */
export function NotAMember({ conversationId }: { conversationId: number }) {
  const removal = useChatState((s) => s.removals.get(conversationId));
  const users = useChatState((s) => s.users);

  if (!removal) {
    return (
      <div className="pane-empty">
        <p>This conversation is not available: you are not a member of it. You may have left it, or been removed from it.</p>
        <a href="#/">Back to conversations</a>
      </div>
    );
  }
  const group = removal.title ?? "the group";
  const when = `${dayLabel(removal.at).toLowerCase()} at ${timeLabel(removal.at)}`;
  return (
    <div className="pane-empty removed-notice">
      <h2>{removal.title ?? "Group"}</h2>
      <p>
        You were removed from {removal.title ? `“${group}”` : group} by {displayName(users, removal.by)} ({when}).
      </p>
      <p className="hint">Only members can read a group’s messages, so its history is no longer available here.</p>
      <a href="#/">Back to conversations</a>
    </div>
  );
}
