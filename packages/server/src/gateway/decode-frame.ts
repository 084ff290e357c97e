import {
  AttachmentIds,
  CLIENT_FRAME_SCHEMAS,
  type ClientFrameType,
  type ErrorCode,
  illFormedTextAt,
  isWellFormedText,
  LIMITS,
  MENTIONS_SHAPE,
  MentionIds,
  SeedSendFrame,
} from "@chatapp/protocol";
import type { TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { threadExtraError } from "./decode-thread-extras.js";

export type DecodedFrame =
  | {
      type: "send";
      receiverId?: number;
      conversationId?: number;
      content: string;
      clientId?: string;
      attachments?: number[];
      mentions?: number[];
      replyTo?: number;
      threadRootId?: number;
    }
  | { type: "typing"; conversationId: number }
  | { type: "read"; conversationId: number; seq: number }
  | { type: "react" | "unreact"; messageId: number; emoji: string }
  | { type: "ping" };

export type DecodeResult = { ok: true; frame: DecodedFrame } | { ok: false; code: ErrorCode; message: string; clientId?: string };

// Compiled once at load: validating a frame is a plain function call.
const seedCheck = TypeCompiler.Compile(SeedSendFrame);
const attachmentsCheck = TypeCompiler.Compile(AttachmentIds);
const mentionsCheck = TypeCompiler.Compile(MentionIds);
/** A send's frame is a union (one target or the other), whose first error names no field. */
const ATTACHMENTS_SHAPE = `attachments: 1 to ${LIMITS.maxAttachments} distinct upload ids (positive integers)`;
const checks = Object.fromEntries(
  Object.entries(CLIENT_FRAME_SCHEMAS).map(([type, schema]) => [type, TypeCompiler.Compile(schema as TSchema)]),
) as Record<ClientFrameType, TypeCheck<TSchema>>;

const fail = (code: ErrorCode, message: string, clientId?: string): DecodeResult =>
  clientId === undefined ? { ok: false, code, message } : { ok: false, code, message, clientId };

/**
 * Text frame -> validated client frame, or the error to answer with. Only fields the
 * server reads are taken: a client cannot smuggle `sender_id`, `id` or `timestamp` into
 * what others receive.
 */
export function decodeFrame(data: Buffer | string, isBinary: boolean): DecodeResult {
  if (isBinary) return fail("invalid_frame", "binary frames are not accepted: send JSON as text");
  const size = typeof data === "string" ? Buffer.byteLength(data) : data.length;
  if (size > LIMITS.maxFrameBytes) return fail("too_large", `frame is larger than ${LIMITS.maxFrameBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(typeof data === "string" ? data : data.toString("utf8"));
  } catch {
    return fail("invalid_frame", "frame is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("invalid_frame", "frame must be a JSON object");
  }
  const raw = value as Record<string, unknown>;
  // Echoed in the error, so that the client can tell which send was refused: only when it is
  // an id the client could have sent, never an altered copy of one.
  const clientId =
    typeof raw.client_id === "string" && raw.client_id.length <= LIMITS.maxClientIdChars && isWellFormedText(raw.client_id)
      ? raw.client_id
      : undefined;
  // Every string the frame carries, before any is read: a lone surrogate is stored altered,
  // so a client_id holding one would never match itself again (issue 12).
  const illFormed = illFormedTextAt(raw);
  if (illFormed !== undefined) {
    return fail("invalid_frame", `${illFormed}: text must be well-formed Unicode (no lone surrogates)`, clientId);
  }

  if (raw.type === undefined) {
    // (seed) the original's untyped frame: {"receiver_id": 2, "content": "hi"}
    if (!seedCheck.Check(raw)) return fail("invalid_frame", describe(seedCheck, raw, "a frame without type"), clientId);
    return { ok: true, frame: { type: "send", receiverId: raw.receiver_id as number, content: raw.content as string } };
  }
  if (typeof raw.type !== "string" || !Object.hasOwn(checks, raw.type)) {
    return fail("invalid_frame", `unknown frame type ${JSON.stringify(raw.type)}`, clientId);
  }
  const type = raw.type as ClientFrameType;
  const check = checks[type];
  if (type === "send" && raw.attachments !== undefined && !attachmentsCheck.Check(raw.attachments)) {
    return fail("invalid_frame", `a "send" frame is not valid: ${ATTACHMENTS_SHAPE}`, clientId);
  }
  if (type === "send" && raw.mentions !== undefined && !mentionsCheck.Check(raw.mentions)) {
    return fail("invalid_frame", `a "send" frame is not valid: ${MENTIONS_SHAPE}`, clientId);
  }
  const badThreadExtra = type === "send" ? threadExtraError(raw) : undefined;
  if (badThreadExtra) return fail("invalid_frame", `a "send" frame is not valid: ${badThreadExtra}`, clientId);
  if (!check.Check(raw)) return fail("invalid_frame", describe(check, raw, `a "${type}" frame`), clientId);

  switch (type) {
    case "send": {
      if (raw.receiver_id !== undefined && raw.conversation_id !== undefined) {
        return fail("invalid_frame", "a send names receiver_id or conversation_id, not both", clientId);
      }
      const frame: DecodedFrame = { type: "send", content: raw.content as string };
      if (raw.receiver_id !== undefined) frame.receiverId = raw.receiver_id as number;
      else frame.conversationId = raw.conversation_id as number;
      if (clientId !== undefined) frame.clientId = clientId;
      if (raw.attachments !== undefined) frame.attachments = raw.attachments as number[];
      if (raw.mentions !== undefined) frame.mentions = raw.mentions as number[];
      if (raw.reply_to !== undefined) frame.replyTo = raw.reply_to as number;
      if (raw.thread_root_id !== undefined) frame.threadRootId = raw.thread_root_id as number;
      return { ok: true, frame };
    }
    case "typing":
      return { ok: true, frame: { type, conversationId: raw.conversation_id as number } };
    case "read":
      return { ok: true, frame: { type, conversationId: raw.conversation_id as number, seq: raw.seq as number } };
    case "ping":
      return { ok: true, frame: { type } };
    case "react":
    case "unreact":
      return { ok: true, frame: { type, messageId: raw.message_id as number, emoji: raw.emoji as string } };
  }
}

/** The first schema error as a sentence, e.g. `a "read" frame: /seq Expected integer`. */
function describe(check: TypeCheck<TSchema>, value: unknown, what: string): string {
  const first = check.Errors(value).First();
  if (!first) return `${what} is not valid`;
  const path = first.path === "" ? "" : `${first.path.slice(1)}: `;
  return `${what} is not valid: ${path}${first.message.toLowerCase()}`;
}
