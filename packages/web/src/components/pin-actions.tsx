import type { Conversation, Message } from "@chatapp/protocol";
import { useChat, useChatState } from "../chat/chat-context.js";
import { usePins } from "./use-pins.js";

/**
 * Whether the user may pin `message` (an owner of a group, either member of a direct
 * conversation; never a deleted or system message), whether it is pinned, and the action
 * that turns it over.
 */
export function usePinControl(message: Message, conversation: Conversation | undefined) {
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const pins = usePins(message.conversation_id);
  const pinned = pins.some((p) => p.message_id === message.id);
  const canPin =
    !message.deleted &&
    message.kind !== "system" &&
    conversation !== undefined &&
    (conversation.kind === "direct" || conversation.members.some((m) => m.user_id === me && m.role === "owner"));
  const toggle = () =>
    pinned ? chat.pins.unpin(message.conversation_id, message.id) : chat.pins.pin(message.conversation_id, message.id);
  return { canPin, pinned, toggle };
}
