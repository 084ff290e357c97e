/**
 * The keys the SDK stores under (see storage/adapter.ts: keys sort as strings, so numbers are
 * zero-padded to the 16 digits of Number.MAX_SAFE_INTEGER and key order is numeric order).
 */
const WIDTH = 16;

function pad(n: number): string {
  return String(n).padStart(WIDTH, "0");
}

export const KEYS = {
  /** Whose data this is: `{userId}`. */
  meta: "meta",
  /** The first page of the conversation list, as last fetched and kept current since. */
  list: "list",
  /** Per conversation: `{seq, top}`, the cursor (last emitted seq) and the highest cached seq. */
  cursorPrefix: "c:",
  cursor: (conversationId: number) => `c:${pad(conversationId)}`,
  /** Cached messages: one record per message, in seq order under its conversation's prefix. */
  messagePrefix: (conversationId: number) => `m:${pad(conversationId)}:`,
  message: (conversationId: number, seq: number) => `m:${pad(conversationId)}:${pad(seq)}`,
  /** Per direct conversation, by the other user's id: its conversation id (for send lanes). */
  peerPrefix: "p:",
  peer: (userId: number) => `p:${pad(userId)}`,
  /** The outbox: one record per unanswered send, in the order the sends were made. */
  outboxPrefix: "o:",
  outbox: (order: number, clientId: string) => `o:${pad(order)}:${clientId}`,
} as const;

/** The number in a `c:` or `p:` key. */
export function idOfKey(key: string): number {
  return Number(key.slice(2));
}
