import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";
import { MAX_PINS } from "./pins.js";
import { Message } from "./server-frames.js";

// The HTTP answers about pins carry whole messages; the frames (pins.ts) do not, so that
// server-frames.ts can list them without importing back from here.
const Timestamp = Type.String({ format: "date-time", description: "ISO 8601, UTC, milliseconds" });

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
