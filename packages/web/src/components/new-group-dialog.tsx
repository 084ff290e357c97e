import type { User } from "@chatapp/protocol";
import { type FormEvent, useId, useState } from "react";
import { useChat } from "../chat/chat-context.js";
import { navigate } from "../lib/hash-route.js";
import { Modal } from "./modal.js";
import { UserPicker } from "./user-picker.js";

/** A group: a title and the people in it (the creator becomes its owner). */
export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const chat = useChat();
  const [title, setTitle] = useState("");
  const [members, setMembers] = useState<User[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const titleId = useId();

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const conversationId = await chat.createGroup(
        title.trim(),
        members.map((m) => m.id),
      );
      onClose();
      navigate({ conversationId });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <Modal title="New group" onClose={onClose}>
      <form className="group-form" onSubmit={create}>
        <label htmlFor={titleId}>Group name</label>
        <input id={titleId} value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={128} />
        <UserPicker
          label="Add people"
          exclude={members.map((m) => m.id)}
          onPick={(user) => setMembers((current) => [...current, user])}
        />
        {members.length > 0 && (
          <ul className="chips" aria-label="People in the group">
            {members.map((m) => (
              <li key={m.id} className="chip">
                {m.display_name ?? m.username}
                <button
                  type="button"
                  className="quiet icon"
                  aria-label={`Remove ${m.display_name ?? m.username}`}
                  onClick={() => setMembers((current) => current.filter((u) => u.id !== m.id))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || title.trim() === ""}>
          Create group
        </button>
      </form>
    </Modal>
  );
}
