import { useEffect, useId, useRef, useState } from "react";
import { useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { navigate } from "../lib/hash-route.js";
import { usePins } from "./use-pins.js";

/**
 * The conversation's pinned messages, in the header: a button with their count that opens the
 * list, newest pin first; choosing one scrolls the timeline to it (loading older history if
 * needed, as a search result does). Shown only while something is pinned.
 */
export function PinsButton({ conversationId }: { conversationId: number }) {
  const pins = usePins(conversationId);
  const users = useChatState((s) => s.users);
  const [open, setOpen] = useState(false);
  const listId = useId();
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !box.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", close);
    document.addEventListener("pointerdown", close);
    return () => {
      document.removeEventListener("keydown", close);
      document.removeEventListener("pointerdown", close);
    };
  }, [open]);

  if (pins.length === 0) return null;
  return (
    <div className="pins" ref={box}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls={listId}
        aria-label={`Pinned messages (${pins.length})`}
        onClick={() => setOpen((v) => !v)}
      >
        📌 {pins.length}
      </button>
      {open && (
        <ul id={listId} className="pins-list" aria-label="Pinned messages">
          {pins.map((pin) => (
            <li key={pin.message_id}>
              <button
                type="button"
                className="quiet pin-entry"
                onClick={() => {
                  setOpen(false);
                  navigate({ conversationId, focusSeq: pin.message.seq });
                }}
              >
                <span className="pin-sender">{displayName(users, pin.message.sender_id)}</span>
                <span className="pin-text">{pin.message.content || "Attachment"}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
