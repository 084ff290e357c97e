import type { ThreadUpdate } from "@chatapp/client";
import type { Message } from "@chatapp/protocol";

/** The messages with the root's counters as the SDK now counts them (the same array when the root is not among them). */
export function withThreadCount(messages: readonly Message[], update: ThreadUpdate): readonly Message[] {
  const index = messages.findIndex((m) => m.id === update.root_id);
  const root = messages[index];
  if (!root) return messages;
  const { reply_count: _count, last_reply_at: _last, ...rest } = root;
  const next: Message = update.reply_count > 0 ? { ...rest, reply_count: update.reply_count } : rest;
  if (update.reply_count > 0 && update.last_reply_at !== undefined) next.last_reply_at = update.last_reply_at;
  const copy = [...messages];
  copy[index] = next;
  return copy;
}

/** Thread replies show in their thread, not in the conversation's timeline. */
export const isTopLevel = (m: { thread_root_id?: number | undefined; threadRootId?: number | undefined }) =>
  m.thread_root_id === undefined && m.threadRootId === undefined;
