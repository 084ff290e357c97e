import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";

const Timestamp = Type.String({ format: "date-time", description: "ISO 8601, UTC, milliseconds" });

/** Most messages pinned in one conversation at once (contract §9). */
export const MAX_PINS = 50;

/** A message was pinned; to every member. */
export const PinnedFrame = Type.Object({
  type: Type.Literal("pinned"),
  conversation_id: Id,
  message_id: Id,
  by: Id,
  pinned_at: Timestamp,
});
export type PinnedFrame = Static<typeof PinnedFrame>;

/**
 * A message was unpinned, or deleted while pinned (`by` the deleter; null when an admin
 * deleted it through the admin API); to every member.
 */
export const UnpinnedFrame = Type.Object({
  type: Type.Literal("unpinned"),
  conversation_id: Id,
  message_id: Id,
  by: Type.Union([Id, Type.Null()]),
});
export type UnpinnedFrame = Static<typeof UnpinnedFrame>;
