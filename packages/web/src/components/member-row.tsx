import type { ConversationMember } from "@chatapp/protocol";
import { useEffect, useId, useRef, useState } from "react";
import { usePresence } from "../chat/presence.js";
import { senderHue } from "../lib/sender-hue.js";
import { Avatar } from "./avatar.js";
import { PresenceText } from "./presence-text.js";

/**
 * One member of a group: presence, role, read position, and for owners a "Remove" that asks
 * first, as deleting a message does. The question takes focus on its "Keep" button, so a
 * second Enter keeps the member; removing needs a deliberate move to "Remove".
 */
export function MemberRow(props: {
  member: ConversationMember;
  name: string;
  self: boolean;
  readPosition: string;
  onRemove: (() => Promise<void>) | undefined;
}) {
  const { member, name, self, onRemove } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const keepRef = useRef<HTMLButtonElement>(null);
  const presence = usePresence(member.user_id).shown;
  const questionId = useId();

  useEffect(() => {
    if (confirming) keepRef.current?.focus();
  }, [confirming]);

  return (
    <li className="member" data-user-id={member.user_id}>
      <Avatar name={name} size="small" presence={presence} hue={senderHue(member.user_id)} />
      <span className="member-text">
        <span className="member-name">
          {name}
          {self && " (you)"}
          {member.role === "owner" && <span className="role"> · owner</span>}
        </span>
        {!self && <PresenceText userId={member.user_id} />}
        <span className="read-position">{props.readPosition}</span>
      </span>
      {onRemove &&
        (confirming ? (
          <span className="member-confirm">
            <span className="confirm-text" id={questionId}>
              Remove {name}?
            </span>
            <button
              type="button"
              className="danger"
              disabled={busy}
              aria-label={`Yes, remove ${name}`}
              onClick={async () => {
                setBusy(true);
                try {
                  await onRemove();
                } finally {
                  setBusy(false);
                  setConfirming(false);
                }
              }}
            >
              Remove
            </button>
            {/* Focus lands here: the question is read with it. */}
            <button type="button" ref={keepRef} aria-describedby={questionId} onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="quiet" aria-label={`Remove ${name}`} onClick={() => setConfirming(true)}>
            Remove
          </button>
        ))}
    </li>
  );
}
