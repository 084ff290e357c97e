import { useEffect, useState } from "react";
import type { Session } from "../auth/session-storage.js";
import { ChatContext } from "../chat/chat-context.js";
import { ChatSession } from "../chat/chat-session.js";
import { ChatLayout } from "./chat-layout.js";

/** Owns the ChatSession for as long as the user is logged in: connects on mount, closes on unmount. */
export function ChatScreen({ session, onEnded }: { session: Session; onEnded: (notice?: string) => void }) {
  const [chat, setChat] = useState<ChatSession>();
  useEffect(() => {
    const next = new ChatSession(session, onEnded);
    next.start();
    setChat(next);
    return () => next.stop();
  }, [session, onEnded]);
  if (!chat) return null;
  return (
    <ChatContext value={chat}>
      <ChatLayout />
    </ChatContext>
  );
}
