import type { Conversation } from "@chatapp/protocol";
import { useId, useRef, useState } from "react";
import { useChat } from "../chat/chat-context.js";
import { MUTE_CHOICES, mutedLabel } from "../chat/mutes.js";
import { BlockToggle } from "./block-toggle.js";
import { useAction } from "./use-action.js";
import { useDismiss } from "./use-dismiss.js";
import { useMuted } from "./use-muted.js";

/**
 * The conversation menu in the pane's header: Mute (for 1 hour, 8 hours, 1 week, or until
 * turned back on) or Unmute, and in a direct conversation Block / Unblock of the other
 * person. A mute silences notifications only; messages and unread counts stay. Escape or a
 * click outside closes it, and focus goes back to its button after a choice.
 */
export function ConversationMenu(props: { conversation: Conversation; other: { id: number; name: string } | undefined }) {
  const { conversation, other } = props;
  const chat = useChat();
  const [open, setOpen] = useState(false);
  const [error, act] = useAction();
  const panelId = useId();
  const muteHeadingId = useId();
  const box = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const muted = useMuted(conversation);

  useDismiss(
    open,
    () => box.current,
    (how) => {
      setOpen(false);
      if (how === "escape") trigger.current?.focus();
    },
  );

  const done = () => {
    setOpen(false);
    trigger.current?.focus();
  };
  const choose = (action: () => Promise<void>) =>
    act(async () => {
      await action();
      done();
    });

  return (
    <div className="conversation-menu" ref={box}>
      <button
        ref={trigger}
        type="button"
        className="icon"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label="Conversation options"
        onClick={() => setOpen((v) => !v)}
      >
        ⋯
      </button>
      {open && (
        <div id={panelId} className="conversation-menu-panel">
          {muted ? (
            <div className="menu-section">
              <p className="menu-note">{mutedLabel(conversation, Date.now())}</p>
              <button type="button" className="quiet menu-item" onClick={() => choose(() => chat.unmute(conversation.id))}>
                Unmute
              </button>
            </div>
          ) : (
            // biome-ignore lint/a11y/useSemanticElements: a group of choices under one heading, not a form field set
            <div className="menu-section" role="group" aria-labelledby={muteHeadingId}>
              <p className="menu-note" id={muteHeadingId}>
                Mute notifications
              </p>
              {MUTE_CHOICES.map((choice) => (
                <button
                  key={choice.label}
                  type="button"
                  className="quiet menu-item"
                  onClick={() => choose(() => chat.mute(conversation.id, choice.ms))}
                >
                  {choice.label}
                </button>
              ))}
            </div>
          )}
          {other && (
            <div className="menu-section">
              <BlockToggle userId={other.id} name={other.name} withName onDone={done} />
            </div>
          )}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
