import { type KeyboardEvent, lazy, Suspense } from "react";
import { QUICK_REACTIONS } from "../chat/reactions.js";

/** The full picker and its emoji data load on first use only (shared with the composer's). */
const EmojiPicker = lazy(() => import("./emoji-picker.js"));

/** The quick reactions in a message's actions, and the button that opens the full picker. */
export function QuickReactions(props: {
  isMine: (emoji: string) => boolean;
  onToggle: (emoji: string, add: boolean) => void;
  onMore: () => void;
}) {
  return (
    <>
      {QUICK_REACTIONS.map((emoji) => (
        <button
          key={emoji}
          type="button"
          className="quiet quick-reaction"
          aria-label={`React with ${emoji}`}
          aria-pressed={props.isMine(emoji)}
          onClick={() => props.onToggle(emoji, !props.isMine(emoji))}
        >
          {emoji}
        </button>
      ))}
      <button type="button" className="quiet" aria-label="More reactions" onClick={props.onMore}>
        <span aria-hidden="true">＋</span>
      </button>
    </>
  );
}

/**
 * The full emoji picker for one message, under it: a pick reacts and closes it; Escape, or
 * focus going elsewhere on the page, closes it.
 */
export function ReactionPickerPanel(props: { onPick: (emoji: string) => void; onClose: () => void }) {
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    props.onClose();
  };
  return (
    <div
      className="reaction-picker"
      role="dialog"
      aria-label="Pick a reaction"
      onKeyDown={onKeyDown}
      onBlur={(e) => {
        const next = e.relatedTarget as Node | null;
        if (next && !e.currentTarget.contains(next)) props.onClose();
      }}
    >
      <Suspense fallback={<p className="emoji-loading">Loading emoji…</p>}>
        <EmojiPicker onPick={props.onPick} />
      </Suspense>
    </div>
  );
}
