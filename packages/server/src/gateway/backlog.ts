import type { ReadyFrame } from "@chatapp/protocol";
import { fieldsOf, receiverOf, toWireMessage } from "../chat/message-view.js";
import type { ChatServices } from "../chat/services.js";
import type { Connection } from "./connection.js";

const PAGE = 500;

/**
 * What a connection gets first: a `ready` frame with each conversation's `last_seq` and the
 * user's cursors (so a client can fetch what it missed), then (seed) every message from
 * others that arrived while the user had no connection, in seq order per conversation.
 * Returns the highest seq sent per conversation.
 */
export async function sendBacklog(conn: Connection, chat: ChatServices): Promise<Map<number, number>> {
  const cursors = await chat.conversations.repo.cursorsOf(conn.userId);
  const ready: ReadyFrame = { type: "ready", user_id: conn.userId, conversations: cursors };
  conn.send(JSON.stringify(ready));

  const sent = new Map<number, number>();
  let after: { conversationId: number; seq: number } | null = null;
  for (;;) {
    const rows = await chat.messages.undelivered(conn.userId, after, PAGE);
    for (const row of rows) {
      const info = await chat.conversations.get(row.conversation_id);
      if (!info) continue;
      const message = toWireMessage(fieldsOf(row), receiverOf(info.kind, info.memberIds, row.sender_id), "delivered");
      conn.send(JSON.stringify({ type: "message", ...message }));
      sent.set(row.conversation_id, row.seq);
    }
    const last = rows.at(-1);
    if (!last || rows.length < PAGE || !conn.open) break;
    after = { conversationId: last.conversation_id, seq: last.seq };
    await conn.drained();
  }
  for (const [conversationId, seq] of sent) chat.receipts.delivered(conn.userId, conversationId, seq);
  return sent;
}
