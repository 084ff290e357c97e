import { useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { bodyText } from "../lib/message-text.js";

/** A screen-reader-only live region: it reads out messages from others as they arrive. */
export function Announcer() {
  const message = useChatState((s) => s.lastIncoming);
  const users = useChatState((s) => s.users);
  const conversation = useChatState((s) => (message ? s.conversations.get(message.conversation_id) : undefined));
  let text = "";
  if (message) {
    const where = conversation?.kind === "group" && conversation.title ? ` in ${conversation.title}` : "";
    text = `${displayName(users, message.sender_id)}${where}: ${bodyText(message).slice(0, 300)}`;
  }
  return (
    <div className="visually-hidden" aria-live="polite">
      {text}
    </div>
  );
}
