import { useEffect, useId, useRef, useState } from "react";
import { ConfirmAnswers } from "./confirm-answers.js";

/**
 * "Leave group", asked first: leaving ends the messages from the group and its history on
 * this device. The question takes focus on "Stay", so a stray Enter does not leave.
 */
export function LeaveGroup({ title, onLeave }: { title: string; onLeave: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const leaveRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  const questionId = useId();

  useEffect(() => {
    // Back from the question ("Stay"): focus returns to the button that asked it.
    if (!confirming && asked.current) leaveRef.current?.focus();
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
        <ConfirmAnswers
          questionId={questionId}
          confirmLabel="Leave"
          safeLabel="Stay"
          onConfirm={onLeave}
          onCancel={() => setConfirming(false)}
        />
      </div>
    </div>
  );
}
