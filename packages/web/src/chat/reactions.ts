import { applyReaction, withKnownMe } from "@chatapp/client";
import type { Message, Reaction, ReactionFrame } from "@chatapp/protocol";

/** The emoji offered with one tap in a message's actions (the full picker has the rest). */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🎉"] as const;

/** The message with these reactions: the field left out when there are none, as the server does. */
export function withReactions(message: Message, reactions: Reaction[]): Message {
  const { reactions: _previous, ...rest } = message;
  return reactions.length > 0 ? { ...rest, reactions } : rest;
}

/** The message after a `reaction` frame: counts from the frame, `me` from one's own changes. */
export function withReactionFrame(message: Message, frame: ReactionFrame, me: number): Message {
  return withReactions(message, applyReaction(message.reactions ?? [], frame, me));
}

/**
 * A changed copy of a message keeps its reactions as known: a `message_updated` goes to every
 * member, so its reactions carry no `me` (an edit's) or are left out (link previews').
 */
export function keepReactions(known: Message | undefined, incoming: Message): Message {
  if (incoming.deleted || !known?.reactions) return incoming;
  return withReactions(incoming, incoming.reactions ? withKnownMe(known.reactions, incoming.reactions) : known.reactions);
}

/** Whether the user has reacted to the message with this emoji. */
export const reactedWith = (message: Message, emoji: string): boolean =>
  message.reactions?.some((r) => r.emoji === emoji && r.me === true) ?? false;
