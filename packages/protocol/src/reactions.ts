import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";

/** Reactions (contract §8). The emoji rule itself (one RGI emoji) is checked by the server. */
export const REACTION_LIMITS = {
  /** Most distinct emoji one message carries; the next one is refused (409 `conflict`). */
  maxEmojiPerMessage: 50,
  /** Longest emoji accepted, in UTF-16 units: the longest RGI sequences are about half of it. */
  maxEmojiLength: 32,
} as const;

/** An emoji as a frame or a path carries it, before the server checks it is one RGI emoji. */
export const ReactionEmoji = Type.String({ minLength: 1, maxLength: REACTION_LIMITS.maxEmojiLength });

/**
 * One emoji's reactions to a message: how many users reacted with it and whether the caller
 * is one of them. HTTP answers always carry `me`; frames fanned out to many may leave it out.
 */
export const Reaction = Type.Object({
  emoji: Type.String(),
  count: Type.Integer({ minimum: 1 }),
  me: Type.Optional(Type.Boolean()),
});
export type Reaction = Static<typeof Reaction>;

/** `PUT`/`DELETE /api/messages/:id/reactions/:emoji`: the message's reactions after the change. */
export const ReactionsResponse = Type.Object({
  message_id: Id,
  conversation_id: Id,
  reactions: Type.Array(Reaction),
});
export type ReactionsResponse = Static<typeof ReactionsResponse>;

/** The path of `PUT`/`DELETE /api/messages/:id/reactions/:emoji` (the emoji percent-encoded). */
export const ReactionParams = Type.Object({ id: Id, emoji: Type.String() });

/** A client frame that adds (`react`) or takes back (`unreact`) one's reaction to a message. */
const ReactionChange = <T extends "react" | "unreact">(type: T) =>
  Type.Object({ type: Type.Literal(type), message_id: Id, emoji: ReactionEmoji });

export const ReactFrame = ReactionChange("react");
export type ReactFrame = Static<typeof ReactFrame>;

export const UnreactFrame = ReactionChange("unreact");
export type UnreactFrame = Static<typeof UnreactFrame>;

/**
 * A reaction was added or removed: to every connection of every member, the reacting one
 * included (its confirmation). `count` is the emoji's new total on the message.
 */
export const ReactionFrame = Type.Object({
  type: Type.Literal("reaction"),
  conversation_id: Id,
  message_id: Id,
  user_id: Id,
  emoji: Type.String(),
  action: Type.Union([Type.Literal("add"), Type.Literal("remove")]),
  count: Type.Integer({ minimum: 0 }),
});
export type ReactionFrame = Static<typeof ReactionFrame>;
