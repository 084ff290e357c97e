import { type ReactNode, useRef } from "react";
import { useDismiss } from "./use-dismiss.js";

/**
 * One's own message's actions, laid over the message so that showing them moves nothing.
 * On a desktop they show on hover and when the message or a button has keyboard focus; on a
 * touch screen or at phone width they stay hidden until opened, by the "⋯" button or a long
 * press (the browser's context menu gesture), and close on Escape or a tap elsewhere.
 */
export function MessageActions(props: { open: boolean; onOpenChange: (open: boolean) => void; children: ReactNode }) {
  const { open, onOpenChange } = props;
  const toolbar = useRef<HTMLDivElement>(null);

  useDismiss(
    open,
    () => toolbar.current?.parentElement,
    () => onOpenChange(false),
  );

  return (
    <>
      <button
        type="button"
        className="message-more"
        aria-label="Message actions"
        aria-expanded={open}
        onClick={() => {
          onOpenChange(!open);
          // Keyboard and screen-reader users land on the first action.
          if (!open) requestAnimationFrame(() => toolbar.current?.querySelector("button")?.focus());
        }}
      >
        ⋯
      </button>
      <div ref={toolbar} className="message-toolbar" role="toolbar" aria-label="Message actions" data-open={open || undefined}>
        {props.children}
      </div>
    </>
  );
}
