import { useEffect, useId, useRef, useState } from "react";

/**
 * "Leave group", asked first: leaving ends the messages from the group and its history on
 * this device. The question takes focus on "Stay", so a stray Enter does not leave.
 */
export function LeaveGroup({ title, onLeave }: { title: string; onLeave: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const stayRef = useRef<HTMLButtonElement>(null);
  const leaveRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  const questionId = useId();

  useEffect(() => {
    if (confirming) stayRef.current?.focus();
    else if (asked.current) leaveRef.current?.focus();
    asked.current = confirming;
  }, [confirming]);

  if (!confirming) {
    return (
      <button type="button" className="danger" ref={leaveRef} onClick={() => setConfirming(true)}>
        Leave group
      </button>
    );
  }
  return (
    <div className="leave-confirm">
      <p className="confirm-text" id={questionId}>
        Leave “{title}”? You will no longer receive its messages.
      </p>
      <div className="actions">
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await onLeave();
            } finally {
              setBusy(false);
            }
          }}
        >
          Leave
        </button>
        {/* Focus lands here: the question is read with it. */}
        <button type="button" ref={stayRef} aria-describedby={questionId} onClick={() => setConfirming(false)}>
          Stay
        </button>
      </div>
    </div>
  );
}
