import type { ReadyFrame } from "@chatapp/protocol";
import { fieldsOf, receiverOf, toWireMessage } from "../chat/message-view.js";
import type { ChatServices } from "../chat/services.js";
import type { Connection } from "./connection.js";

const PAGE = 500;

/**
 * What a connection gets first: a `ready` frame with each conversation's `last_seq` and the
 * user's cursors (so a client can fetch what it missed), then (seed) every message from
 * others that arrived while the user had no connection, in seq order per conversation,
 * merged with the live messages held meanwhile. Waits for the socket to drain rather than
 * overrun it; a message's delivery cursor moves only once it was written.
 */
export async function sendBacklog(conn: Connection, chat: ChatServices): Promise<void> {
  const [cursors, mentions] = await Promise.all([
    chat.conversations.repo.cursorsOf(conn.userId),
    chat.mentions.unreadCounts(conn.userId),
  ]);
  const conversations = cursors.map((c) => ({ ...c, mention_count: mentions.get(c.id) ?? 0 }));
  const ready: ReadyFrame = { type: "ready", user_id: conn.userId, conversations };
  conn.send(JSON.stringify(ready));

  let after: { conversationId: number; seq: number } | null = null;
  for (;;) {
    const rows = await chat.messages.undelivered(conn.userId, after, PAGE);
    // This user's own copy of each message: its reactions with `me`, one query per page.
    const [quotes, reactions] = await Promise.all([
      chat.messages.quotes(rows),
      chat.reactions.byMessage(
        conn.userId,
        rows.filter((r) => r.deleted_at === null).map((r) => r.id),
      ),
    ]);
    for (const row of rows) {
      if (conn.backedUp) await conn.drained();
      if (!conn.open) return;
      const info = await chat.conversations.get(row.conversation_id);
      if (!info) continue;
      const message = toWireMessage(fieldsOf(row, quotes), receiverOf(info.kind, info.memberIds, row.sender_id), "delivered");
      const own = reactions.get(row.id);
      if (own) message.reactions = own;
      conn.sendBacklog(
        { conversationId: row.conversation_id, seq: row.seq, senderId: row.sender_id },
        JSON.stringify({ type: "message", ...message }),
      );
    }
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = { conversationId: last.conversation_id, seq: last.seq };
  }
}
