import { type ReactNode, useEffect, useId, useRef } from "react";

/**
 * A modal built on <dialog>: the browser traps focus, closes it on Escape and restores focus
 * after. The first field inside gets focus (or the close button if there is none).
 */
export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
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
    <dialog ref={ref} className="modal" aria-labelledby={titleId}>
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
