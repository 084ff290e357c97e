import type { User } from "@chatapp/protocol";
import { useState } from "react";
import { useChat } from "../chat/chat-context.js";
import { navigate } from "../lib/hash-route.js";
import { Modal } from "./modal.js";
import { UserPicker } from "./user-picker.js";

/** Find someone and open the direct conversation with them (created on first use). */
export function NewChatDialog({ onClose }: { onClose: () => void }) {
  const chat = useChat();
  const [error, setError] = useState<string>();

  async function start(user: User) {
    try {
      const conversationId = await chat.startDirect(user.id);
      onClose();
      navigate({ conversationId });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <Modal title="New chat" onClose={onClose}>
      <UserPicker label="Find people" onPick={start} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Modal>
  );
}
