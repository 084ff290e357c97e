import { useSyncExternalStore } from "react";
import { useChat } from "../chat/chat-context.js";

/** Whether this user blocks `userId` (false for none). */
export function useBlocked(userId: number | undefined): boolean {
  const chat = useChat();
  return useSyncExternalStore(chat.blocks.store.subscribe, () => userId !== undefined && chat.blocks.store.get().has(userId));
}
