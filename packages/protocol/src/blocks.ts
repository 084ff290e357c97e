import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";

/** Blocking and muting (integrations §3). */

/**
 * The most users one user may block: bounds `GET /api/blocks` and each node's cached block
 * pairs. The next block is refused with 409 `conflict`.
 */
export const MAX_BLOCKS_PER_USER = 10_000;

/** `POST`/`DELETE /api/blocks/:user_id`. */
export const BlockParams = Type.Object({ user_id: Id });
export type BlockParams = Static<typeof BlockParams>;

/** One of the caller's blocks, as `GET /api/blocks` lists it (newest first). */
export const Block = Type.Object({
  user_id: Id,
  created_at: Type.String({ format: "date-time" }),
});
export type Block = Static<typeof Block>;
export const BlocksResponse = Type.Array(Block);
export type BlocksResponse = Static<typeof BlocksResponse>;

/** `PUT /api/conversations/:id/mute`: without `until` the mute lasts until it is removed. */
export const MuteBody = Type.Object({
  until: Type.Optional(Type.String({ format: "date-time" })),
});
export type MuteBody = Static<typeof MuteBody>;

export const MuteResponse = Type.Object({
  conversation_id: Id,
  muted: Type.Literal(true),
  muted_until: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});
export type MuteResponse = Static<typeof MuteResponse>;
