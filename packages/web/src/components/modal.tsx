import { type ReactNode, useEffect, useId, useRef } from "react";

/**
 * A modal built on <dialog>: the browser traps focus, closes it on Escape and restores focus
 * after. The first field inside gets focus (or the close button if there is none). With
 * `closeOnBackdrop`, a click outside it closes it too (where nothing inside needs keeping).
 */
export function Modal({
  title,
  onClose,
  children,
  className = "modal",
  closeOnBackdrop = false,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  closeOnBackdrop?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  });
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // Escape (or any close the browser makes) tells the owner. The close event comes a task
    // later: one from a cleanup's close() (unmounting, or StrictMode's trial unmount and
    // remount) finds the dialog open again, or no listener, and is not the user closing it.
    const closed = () => {
      if (!dialog.open) onCloseRef.current();
    };
    dialog.addEventListener("close", closed);
    dialog.showModal();
    dialog.querySelector<HTMLElement>("input, textarea")?.focus();
    return () => {
      dialog.removeEventListener("close", closed);
      dialog.close();
    };
  }, []);
  return (
    // A click on the backdrop lands on the dialog itself, never on its content (which fills it).
    // Keyboard users have Escape and the close button.
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes the dialog (the browser's own handling)
    <dialog
      ref={ref}
      className={className}
      aria-labelledby={titleId}
      onClick={closeOnBackdrop ? (e) => e.target === e.currentTarget && onClose() : undefined}
    >
      <header className="modal-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="quiet icon" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}
