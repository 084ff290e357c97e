import { useEffect, useRef, useState } from "react";

/**
 * The two answers to a destructive question (leave a group, remove a member). The safe answer
 * takes focus when they appear and is read with the question (`questionId`), so a stray Enter
 * keeps things as they are; the destructive one is disabled while its action runs.
 */
export function ConfirmAnswers(props: {
  questionId: string;
  confirmLabel: string;
  /** What a screen reader says for the destructive answer, when its label alone is not enough. */
  confirmAriaLabel?: string;
  safeLabel: string;
  onConfirm: () => Promise<void>;
  onCancel: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const safeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    safeRef.current?.focus();
  }, []);

  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={busy}
        aria-label={props.confirmAriaLabel}
        onClick={async () => {
          setBusy(true);
          try {
            await props.onConfirm();
          } finally {
            setBusy(false);
          }
        }}
      >
        {props.confirmLabel}
      </button>
      <button type="button" ref={safeRef} aria-describedby={props.questionId} onClick={props.onCancel}>
        {props.safeLabel}
      </button>
    </>
  );
}
