import { useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { listNames } from "../lib/message-text.js";

const NOBODY: readonly number[] = [];

/** "Bob is typing…" under the messages while others type (their frames expire after a few seconds). */
export function TypingIndicator({ conversationId }: { conversationId: number }) {
  const typing = useChatState((s) => s.typing.get(conversationId) ?? NOBODY);
  const users = useChatState((s) => s.users);
  const names = typing.map((id) => displayName(users, id));
  return (
    <p className="typing-indicator">
      {names.length === 0 ? "" : `${listNames(names)} ${names.length === 1 ? "is" : "are"} typing…`}
    </p>
  );
}
