import { type Static, Type } from "@sinclair/typebox";
import { Id, Seq } from "./ids.js";
import { LIMITS } from "./limits.js";
import { MentionIds } from "./mentions.js";
import { ReactFrame, UnreactFrame } from "./reactions.js";
import { Text } from "./text.js";

/** Length bounds are checked by the server itself so that it can answer `too_large`. */
const Content = Type.String();
const ClientId = Text({ minLength: 1, maxLength: LIMITS.maxClientIdChars });
/** Upload ids (`POST /api/uploads`) the message carries: 1–10, each once. */
export const AttachmentIds = Type.Array(Id, { minItems: 1, maxItems: LIMITS.maxAttachments, uniqueItems: true });

/** (seed) The original untyped frame: a direct message to `receiver_id`. */
export const SeedSendFrame = Type.Object({
  receiver_id: Id,
  content: Content,
});
export type SeedSendFrame = Static<typeof SeedSendFrame>;

/** A send to a user (direct conversation) or to a conversation; exactly one target. */
export const SendFrame = Type.Union([
  Type.Object({
    type: Type.Literal("send"),
    receiver_id: Id,
    content: Content,
    client_id: Type.Optional(ClientId),
    attachments: Type.Optional(AttachmentIds),
    mentions: Type.Optional(MentionIds),
    reply_to: Type.Optional(Id),
    thread_root_id: Type.Optional(Id),
  }),
  Type.Object({
    type: Type.Literal("send"),
    conversation_id: Id,
    content: Content,
    client_id: Type.Optional(ClientId),
    attachments: Type.Optional(AttachmentIds),
    mentions: Type.Optional(MentionIds),
    reply_to: Type.Optional(Id),
    thread_root_id: Type.Optional(Id),
  }),
]);
export type SendFrame = Static<typeof SendFrame>;

export const TypingFrame = Type.Object({
  type: Type.Literal("typing"),
  conversation_id: Id,
});
export type TypingFrame = Static<typeof TypingFrame>;

export const ReadFrame = Type.Object({
  type: Type.Literal("read"),
  conversation_id: Id,
  seq: Seq,
});
export type ReadFrame = Static<typeof ReadFrame>;

export const PingFrame = Type.Object({ type: Type.Literal("ping") });
export type PingFrame = Static<typeof PingFrame>;

/** Schemas of the typed client frames, keyed by `type`. */
export const CLIENT_FRAME_SCHEMAS = {
  send: SendFrame,
  typing: TypingFrame,
  read: ReadFrame,
  ping: PingFrame,
  react: ReactFrame,
  unreact: UnreactFrame,
} as const;

export type ClientFrameType = keyof typeof CLIENT_FRAME_SCHEMAS;
export type ClientFrame = SendFrame | TypingFrame | ReadFrame | PingFrame | ReactFrame | UnreactFrame;
