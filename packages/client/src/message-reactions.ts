import type { Message, Reaction, ReactionFrame } from "@chatapp/protocol";

/** How many messages' reactions one conversation keeps; the oldest seen are forgotten first. */
const MAX_MESSAGES = 5000;

/**
 * The reactions of one conversation's messages as this user sees them, kept current as
 * `reaction` frames arrive: counts from the frames, `me` from the user's own changes (frames
 * fanned out to every member do not carry it). Seeded from the messages the server answers.
 */
export class MessageReactions {
  private readonly byMessage = new Map<number, Reaction[]>();

  /** A message's reactions, in the order each emoji was first added (empty when it has none). */
  of(messageId: number): Reaction[] {
    return this.byMessage.get(messageId) ?? [];
  }

  /**
   * Takes a message's reactions as the server gave them. An HTTP answer carries `me`; a
   * fanned-out frame (`message_updated`) does not, so `me` is kept from what was known.
   */
  seed(message: Message): void {
    if (message.deleted) {
      this.byMessage.delete(message.id);
      return;
    }
    // Absent says nothing here: a server older than reactions leaves the field out.
    if (message.reactions) this.update(message.id, message.reactions);
  }

  /** A message's whole list as the server answered it (an empty one: none left). */
  update(messageId: number, reactions: readonly Reaction[]): void {
    this.set(messageId, withKnownMe(this.of(messageId), reactions));
  }

  /** Applies a `reaction` frame; returns the message's reactions after it. */
  apply(frame: ReactionFrame, userId: number | undefined): Reaction[] {
    const list = applyReaction(this.of(frame.message_id), frame, userId);
    this.set(frame.message_id, list);
    return list;
  }

  private set(messageId: number, reactions: Reaction[]): void {
    this.byMessage.delete(messageId);
    if (reactions.length === 0) return;
    this.byMessage.set(messageId, reactions);
    if (this.byMessage.size > MAX_MESSAGES) {
      const oldest = this.byMessage.keys().next().value;
      if (oldest !== undefined) this.byMessage.delete(oldest);
    }
  }
}

/**
 * A message's reactions after a `reaction` frame: the emoji's count from the frame (gone at
 * 0, appended when new), `me` from the frame when `userId` made the change, else as it was.
 */
export function applyReaction(reactions: readonly Reaction[], frame: ReactionFrame, userId: number | undefined): Reaction[] {
  const list = reactions.slice();
  const i = list.findIndex((r) => r.emoji === frame.emoji);
  const mine = frame.user_id === userId ? frame.action === "add" : i >= 0 && list[i]?.me === true;
  if (frame.count === 0) {
    if (i >= 0) list.splice(i, 1);
  } else if (i >= 0) {
    list[i] = { emoji: frame.emoji, count: frame.count, me: mine };
  } else {
    list.push({ emoji: frame.emoji, count: frame.count, me: mine });
  }
  return list;
}

/** `incoming` with `me` filled in from `known` where it was left out (a fanned-out copy). */
export function withKnownMe(known: readonly Reaction[], incoming: readonly Reaction[]): Reaction[] {
  const mine = new Map(known.map((r) => [r.emoji, r.me === true]));
  return incoming.map((r) => ({ emoji: r.emoji, count: r.count, me: r.me ?? mine.get(r.emoji) ?? false }));
}
