import { type PointerEvent, useRef, useState } from "react";

/** A touch drawn this far to the right replies; the row follows the finger up to MAX_PX. */
const SWIPE_PX = 60;
const MAX_PX = 80;
/** More vertical than this before it counts as a swipe: the reader is scrolling. */
const SCROLL_PX = 24;

/**
 * Swipe right on a message to reply, as on WhatsApp and Telegram: touch only (a mouse drag
 * selects text). Returns the handlers for the row and how far it is drawn now.
 */
export function useSwipeReply(onReply: (() => void) | undefined) {
  const start = useRef<{ x: number; y: number; id: number }>(undefined);
  const [offset, setOffset] = useState(0);
  const reset = () => {
    start.current = undefined;
    setOffset(0);
  };
  if (!onReply) return { offset: 0, handlers: {} };
  return {
    offset,
    handlers: {
      onPointerDown(event: PointerEvent) {
        if (event.pointerType === "touch") start.current = { x: event.clientX, y: event.clientY, id: event.pointerId };
      },
      onPointerMove(event: PointerEvent) {
        const s = start.current;
        if (!s || s.id !== event.pointerId) return;
        const dx = event.clientX - s.x;
        if (Math.abs(event.clientY - s.y) > SCROLL_PX && dx < SWIPE_PX / 2) return reset();
        setOffset(Math.max(0, Math.min(dx, MAX_PX)));
      },
      onPointerUp() {
        if (start.current && offset >= SWIPE_PX) onReply();
        reset();
      },
      onPointerCancel: reset,
    },
  };
}
