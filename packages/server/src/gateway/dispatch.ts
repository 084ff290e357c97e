import type { AckFrame, ErrorCode, ErrorFrame, Message } from "@chatapp/protocol";
import type { FastifyBaseLogger } from "fastify";
import { ChatError } from "../chat/errors.js";
import type { ChatServices } from "../chat/services.js";
import type { Connection } from "./connection.js";
import type { DecodedFrame } from "./decode-frame.js";

export function errorFrame(code: ErrorCode, message: string, clientId?: string, retryAfterMs?: number): string {
  const frame: ErrorFrame = { type: "error", code, message };
  if (clientId !== undefined) frame.client_id = clientId;
  if (retryAfterMs !== undefined) frame.retry_after_ms = Math.max(1, Math.ceil(retryAfterMs));
  return JSON.stringify(frame);
}

/** Runs one valid client frame; every refusal becomes an `error` frame on this socket. */
export async function dispatch(
  conn: Connection,
  frame: DecodedFrame,
  chat: ChatServices,
  log: FastifyBaseLogger,
  onRateLimited: (retryAfterMs: number) => void = () => {},
): Promise<void> {
  const clientId = frame.type === "send" ? frame.clientId : undefined;
  try {
    switch (frame.type) {
      case "ping":
        conn.send('{"type":"pong"}');
        return;
      case "send": {
        // The ack is written by the messaging service right after the commit, ahead of any
        // later message of the conversation.
        const ack = (message: Message, duplicate: boolean) => {
          if (clientId === undefined) return;
          const frame: AckFrame = {
            type: "ack",
            client_id: clientId,
            id: message.id,
            conversation_id: message.conversation_id,
            seq: message.seq,
            timestamp: message.timestamp,
          };
          if (message.receiver_id !== undefined) frame.receiver_id = message.receiver_id;
          if (message.mentions) frame.mentions = message.mentions;
          conn.send(JSON.stringify(duplicate ? { ...frame, duplicate: true } : frame));
        };
        await chat.messaging.send(
          conn.userId,
          {
            receiverId: frame.receiverId,
            conversationId: frame.conversationId,
            content: frame.content,
            clientId,
            attachments: frame.attachments,
            mentions: frame.mentions,
            replyTo: frame.replyTo,
            threadRootId: frame.threadRootId,
          },
          { connectionId: conn.id, order: conn.sendOrder, ack },
        );
        return;
      }
      case "typing":
        await chat.typing.typing(conn.userId, frame.conversationId);
        return;
      case "read":
        await chat.receipts.read(conn.userId, frame.conversationId, frame.seq);
        return;
      // The `reaction` frame every member gets is this socket's confirmation too.
      case "react":
      case "unreact":
        await chat.reactions.fromSocket(conn.userId, frame.messageId, frame.emoji, frame.type === "react" ? "add" : "remove");
        return;
    }
  } catch (err) {
    if (err instanceof ChatError) {
      conn.send(errorFrame(err.socketCode, err.message, clientId, err.retryAfterMs));
      if (err.code === "rate_limited") onRateLimited(err.retryAfterMs ?? 0);
    } else {
      log.error({ err, userId: conn.userId, frame: frame.type }, "frame failed");
      conn.send(errorFrame("unavailable", "the server could not handle this frame; retry later", clientId));
    }
  }
}
