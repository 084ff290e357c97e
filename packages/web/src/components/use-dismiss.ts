import { useEffect, useRef } from "react";

/**
 * Closes a popover (a menu, a list, a toolbar) while it is open: Escape anywhere, or a
 * pointer pressed outside the element `inside()` returns. `dismiss` is told which, so a menu
 * can give focus back to its button after Escape. The latest callbacks are used, so callers
 * may pass inline functions without re-subscribing on every render.
 */
export function useDismiss(
  open: boolean,
  inside: () => Node | null | undefined,
  dismiss: (how: "escape" | "outside") => void,
): void {
  const latest = useRef({ inside, dismiss });
  latest.current = { inside, dismiss };
  useEffect(() => {
    if (!open) return;
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent) {
        if (event.key === "Escape") latest.current.dismiss("escape");
      } else if (!latest.current.inside()?.contains(event.target as Node)) {
        latest.current.dismiss("outside");
      }
    };
    document.addEventListener("keydown", close);
    document.addEventListener("pointerdown", close);
    return () => {
      document.removeEventListener("keydown", close);
      document.removeEventListener("pointerdown", close);
    };
  }, [open]);
}
