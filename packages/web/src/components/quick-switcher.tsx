import { lazy, Suspense, useEffect, useState } from "react";
import { createPortal } from "react-dom";

/** The dialog loads on the first Ctrl+K: it is not part of the first screen's script. */
const SwitcherDialog = lazy(() => import("./switcher-dialog.js"));

/**
 * Ctrl+K (Cmd+K on a Mac) anywhere in the chat: a box that finds conversations by title and
 * people by name, as Slack's and Telegram's do. Arrow keys move, Enter opens, Escape closes.
 * Picking a person opens the direct conversation with them (created on first use).
 */
export function QuickSwitcher() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key.toLowerCase() !== "k" || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      // The browser's own Ctrl+K (its search box) gives way, as in the chat apps that use it.
      e.preventDefault();
      setOpen(true);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  // Into <body>: the sidebar that holds this is hidden at phone width while a chat is open,
  // and a dialog inside a hidden element is not shown, even in the top layer.
  return open
    ? createPortal(
        <Suspense fallback={null}>
          <SwitcherDialog onClose={() => setOpen(false)} />
        </Suspense>,
        document.body,
      )
    : null;
}
