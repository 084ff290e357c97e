import { Type } from "@sinclair/typebox";

/** A positive id: integers a JSON number carries exactly (and every database's BIGINT holds). */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** A seq or cursor position: 0 means "before the first message". */
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/**
 * The largest user id: what a token may carry, and the last id local registrations take.
 * Far below 2^53 so that ids stay exact in JSON (a double) with room to spare.
 */
export const MAX_USER_ID = 2 ** 48;
