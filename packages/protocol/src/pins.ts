import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";
import { Message } from "./server-frames.js";

const Timestamp = Type.String({ format: "date-time", description: "ISO 8601, UTC, milliseconds" });

/** Most messages pinned in one conversation at once (contract §9). */
export const MAX_PINS = 50;

/** A pinned message (contract §9): who pinned it and when, with the message as it is now. */
export const Pin = Type.Object({
  message_id: Id,
  conversation_id: Id,
  pinned_by: Id,
  pinned_at: Timestamp,
  message: Message,
});
export type Pin = Static<typeof Pin>;

/** `GET /api/conversations/:id/pins`: newest pin first. */
export const PinsResponse = Type.Object({ pins: Type.Array(Pin, { maxItems: MAX_PINS }) });
export type PinsResponse = Static<typeof PinsResponse>;

/** `PUT` and `DELETE /api/conversations/:id/pins/:message_id`. */
export const PinParams = Type.Object({ id: Id, message_id: Id });
export type PinParams = Static<typeof PinParams>;

/** A message was pinned; to every member. */
export const PinnedFrame = Type.Object({
  type: Type.Literal("pinned"),
  conversation_id: Id,
  message_id: Id,
  by: Id,
  pinned_at: Timestamp,
});
export type PinnedFrame = Static<typeof PinnedFrame>;

/** A message was unpinned, or deleted while pinned (`by` the deleter); to every member. */
export const UnpinnedFrame = Type.Object({
  type: Type.Literal("unpinned"),
  conversation_id: Id,
  message_id: Id,
  by: Id,
});
export type UnpinnedFrame = Static<typeof UnpinnedFrame>;
