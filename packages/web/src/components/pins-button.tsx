import type { Pin } from "@chatapp/protocol";
import { useId, useRef, useState } from "react";
import { useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { navigate } from "../lib/hash-route.js";
import { bodyText } from "../lib/message-text.js";
import { MessageTime } from "./message-time.js";
import { useDismiss } from "./use-dismiss.js";
import { usePins } from "./use-pins.js";

/**
 * The conversation's pinned messages, in the header: a button with their count that opens the
 * list, newest pin first; choosing one scrolls the timeline to it (loading older history if
 * needed, as a search result does; a thread reply opens in its thread). Each entry names the
 * sender and the time, and says what a message without text holds (its files), or that it was
 * deleted. Shown only while something is pinned.
 */
export function PinsButton({ conversationId }: { conversationId: number }) {
  const pins = usePins(conversationId);
  const users = useChatState((s) => s.users);
  const me = useChatState((s) => s.me.id);
  const [open, setOpen] = useState(false);
  const listId = useId();
  const box = useRef<HTMLDivElement>(null);

  useDismiss(
    open,
    () => box.current,
    () => setOpen(false),
  );

  if (pins.length === 0) return null;
  return (
    <div className="pins" ref={box}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls={listId}
        // The count leads the name: the visible "📌 2" must be part of it (a count in
        // parentheses is not, for speech input), and "2 pinned messages" reads naturally.
        aria-label={pins.length === 1 ? "1 pinned message" : `${pins.length} pinned messages`}
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
                <span className="pin-heading">
                  <span className="pin-sender">
                    {pin.message.sender_id === me ? "You" : displayName(users, pin.message.sender_id)}
                  </span>{" "}
                  <MessageTime iso={pin.message.timestamp} />
                </span>
                <span className="pin-text" data-deleted={pin.message.deleted || undefined}>
                  {pinText(pin.message)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** What an entry says of the message: its text, its files when it has none, or that it is gone. */
function pinText(message: Pin["message"]): string {
  if (message.deleted) return "Deleted message";
  return bodyText(message) || "Empty message";
}
