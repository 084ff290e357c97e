import type { Conversation, Message } from "@chatapp/protocol";
import type { ChatState } from "./chat-state.js";

/**
 * The user ids a state shows by name: senders, the people system lines are about, list
 * previews, members and typists. With `before`, only what changed since then is read (a
 * timeline or conversation that is the same object is skipped), so watching stays cheap.
 */
export function idsMentioned(state: ChatState, before?: ChatState): Set<number> {
  const ids = new Set<number>();
  if (state.timelines !== before?.timelines) {
    for (const [id, timeline] of state.timelines) {
      if (before?.timelines.get(id) === timeline) continue;
      for (const message of timeline.messages) addFromMessage(ids, message);
    }
  }
  if (state.conversations !== before?.conversations) {
    for (const [id, conversation] of state.conversations) {
      if (before?.conversations.get(id) === conversation) continue;
      addFromConversation(ids, conversation);
    }
  }
  if (state.removals !== before?.removals)
    for (const removal of state.removals.values()) if (removal.by !== null) ids.add(removal.by);
  if (state.typing !== before?.typing) for (const users of state.typing.values()) for (const id of users) ids.add(id);
  return ids;
}

function addFromConversation(ids: Set<number>, conversation: Conversation): void {
  for (const member of conversation.members) ids.add(member.user_id);
  if (conversation.last_message) addFromMessage(ids, conversation.last_message);
}

function addFromMessage(ids: Set<number>, message: Message): void {
  if (message.sender_id !== null) ids.add(message.sender_id);
  // Mentioned members are shown as their @username.
  for (const id of message.mentions ?? []) ids.add(id);
  if (message.system) {
    if (typeof message.system.actor_id === "number") ids.add(message.system.actor_id);
    for (const id of message.system.user_ids ?? []) ids.add(id);
  }
}
