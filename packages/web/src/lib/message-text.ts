import type { Message } from "@chatapp/protocol";

/** Who made what has no user behind it: admin notices, and changes made through the admin API. */
export const NO_SENDER_NAME = "Admin";

/** The longest message the server stores, in Unicode code points (the protocol's LIMITS.maxContentChars). */
export const MAX_CONTENT_CHARS = 4000;

export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Drops blank lines and spaces around what was typed; indentation inside stays. */
export function tidyContent(text: string): string {
  return text.replace(/^\s*\n/, "").trimEnd();
}

/** "Alice", "Alice and Bob", "Alice, Bob and Carol". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "nobody";
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/**
 * A system message (membership, title) told with names, from its structured `system` part;
 * the reader is "You" or "you".
 */
export function systemText(message: Message, nameOf: (id: number) => string, me: number): string {
  const info = message.system;
  if (!info) return message.content;
  const actor = info.actor_id === me ? "You" : typeof info.actor_id === "number" ? nameOf(info.actor_id) : NO_SENDER_NAME;
  const named = (info.user_ids ?? []).map((id) => (id === me ? "you" : nameOf(id)));
  // Big changes name only the first few users.
  const more = (info.user_count ?? named.length) - named.length;
  const people = listNames(more > 0 ? [...named, `${more} others`] : named);
  switch (info.event) {
    case "conversation_created":
      return info.title ? `${actor} created the group “${info.title}”` : `${actor} created the group`;
    case "member_joined":
      return `${actor} added ${people}`;
    case "member_left":
      return info.user_ids?.length === 1 && info.user_ids[0] === info.actor_id ? `${actor} left` : `${actor} removed ${people}`;
    case "conversation_updated":
      return `${actor} renamed the group to “${info.title ?? ""}”`;
    default:
      return message.content;
  }
}

/** One line for the conversation list. */
export function previewText(message: Message | null, me: number, nameOf: (id: number) => string, group: boolean): string {
  if (message === null) return "No messages yet";
  if (message.kind === "system") return systemText(message, nameOf, me);
  const text = message.deleted ? "Message deleted" : bodyText(message).replace(/\s+/g, " ");
  if (message.sender_id === me) return `You: ${text}`;
  const sender = message.sender_id === null ? NO_SENDER_NAME : nameOf(message.sender_id);
  return group ? `${sender}: ${text}` : text;
}

/** A message's text, or what it carries when it has none (a message of files only): "📎 plan.png", "📎 3 files". */
export function bodyText(message: Pick<Message, "content" | "attachments">): string {
  if (message.content !== "" || !message.attachments?.length) return message.content;
  const [only, ...others] = message.attachments;
  return others.length === 0 && only ? `📎 ${only.name}` : `📎 ${message.attachments.length} files`;
}
