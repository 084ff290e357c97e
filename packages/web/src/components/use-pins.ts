import type { Pin } from "@chatapp/protocol";
import { useSyncExternalStore } from "react";
import { useChat } from "../chat/chat-context.js";

const NONE: readonly Pin[] = [];

/** The conversation's pins, newest first (empty until fetched). */
export function usePins(conversationId: number): readonly Pin[] {
  const chat = useChat();
  return useSyncExternalStore(chat.pins.store.subscribe, () => chat.pins.store.get().get(conversationId) ?? NONE);
}
