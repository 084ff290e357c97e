import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";

/** Most user ids one send may name in `mentions` (contract §7). */
export const MAX_MENTION_IDS = 50;

/** A send's `mentions`: 0-50 user ids (repeats are allowed and count once). */
export const MentionIds = Type.Array(Id, { maxItems: MAX_MENTION_IDS });
export type MentionIds = Static<typeof MentionIds>;

/** How a bad `mentions` is described to the client (the send frame's union names no field). */
export const MENTIONS_SHAPE = `mentions: at most ${MAX_MENTION_IDS} user ids (positive integers)`;
