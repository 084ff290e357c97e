import type { Message } from "@chatapp/protocol";

/**
 * The message Up-arrow edits: one's own latest chat message that is still there (not a system
 * line, not deleted). Messages are in ascending seq, so the search runs from the end.
 */
export function lastEditable(messages: readonly Message[], me: number): Message | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message && message.sender_id === me && message.kind !== "system" && !message.deleted) return message;
  }
  return undefined;
}
