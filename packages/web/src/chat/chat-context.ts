import { createContext, useContext, useSyncExternalStore } from "react";
import type { ChatSession } from "./chat-session.js";
import type { ChatState } from "./chat-state.js";

export const ChatContext = createContext<ChatSession | null>(null);

export function useChat(): ChatSession {
  const chat = useContext(ChatContext);
  if (!chat) throw new Error("useChat() outside <ChatContext>");
  return chat;
}

/**
 * A part of the chat state; the component re-renders when that part changes. `select` must
 * return something already in the state (a field, a map entry), not a new object each call.
 */
export function useChatState<T>(select: (state: ChatState) => T): T {
  const chat = useChat();
  return useSyncExternalStore(chat.store.subscribe, () => select(chat.store.get()));
}
