import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./ids.js";

/** How much of a quoted message's text a reply carries, in characters (code points). */
export const MAX_QUOTE_CHARS = 200;

/**
 * The message a reply quotes (contract §5): its text cut to 200 characters. The `message`
 * frame shows it as it was when the reply was sent; HTTP answers show it as it is now, and a
 * quoted message deleted since shows `deleted: true` with no text.
 */
export const ReplyTo = Type.Object({
  id: Id,
  seq: Id,
  /** Null when the quoted message had no sender (an admin notice). */
  sender_id: Type.Union([Id, Type.Null()]),
  content: Type.String(),
  deleted: Type.Optional(Type.Literal(true)),
});
export type ReplyTo = Static<typeof ReplyTo>;

/**
 * `GET /api/conversations/:id/messages` besides its paging: `thread` lists that root's
 * replies (contract §6); `top_level=true` only the messages that are in no thread.
 */
export const ThreadListingQuery = Type.Object({
  thread: Type.Optional(Id),
  top_level: Type.Optional(Type.Union([Type.Literal("true"), Type.Literal("false")])),
});
export type ThreadListingQuery = Static<typeof ThreadListingQuery>;
