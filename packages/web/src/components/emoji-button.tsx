import { type KeyboardEvent, lazy, Suspense, useId, useRef, useState } from "react";

/** The picker and its emoji data load on first use only: they are not in the first screen's bundle. */
const EmojiPicker = lazy(() => import("./emoji-picker.js"));

/**
 * The composer's emoji button: opens a picker above it. A pick closes it and goes in at the
 * caret, where typing goes on (as in Slack). Escape or the button again closes it with focus
 * back on the button; focus moving elsewhere closes it too.
 */
export function EmojiButton({ onPick }: { onPick: (emoji: string) => void }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  function close() {
    setOpen(false);
    button.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== "Escape" || !open) return;
    // The composer must not see it (it would give up an edit).
    event.preventDefault();
    event.stopPropagation();
    close();
  }

  return (
    <div className="emoji">
      <button
        ref={button}
        type="button"
        className="quiet icon emoji-toggle"
        aria-label="Emoji"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => (open ? close() : setOpen(true))}
        onKeyDown={onKeyDown}
      >
        <span aria-hidden="true">☺</span>
      </button>
      {open && (
        <div
          id={panelId}
          className="emoji-panel"
          role="dialog"
          aria-label="Emoji picker"
          onKeyDown={onKeyDown}
          onBlur={(e) => {
            // Focus went somewhere else on the page (not within the picker, whose shadow root
            // shows here as the picker element, nor to the button). Leaving the window is no blur.
            const next = e.relatedTarget as Node | null;
            if (next && !e.currentTarget.contains(next) && next !== button.current) setOpen(false);
          }}
        >
          <Suspense fallback={<p className="emoji-loading">Loading emoji…</p>}>
            <EmojiPicker
              onPick={(emoji) => {
                setOpen(false);
                onPick(emoji);
              }}
            />
          </Suspense>
        </div>
      )}
    </div>
  );
}
