import type { ConversationMember } from "@chatapp/protocol";
import { useId, useState } from "react";
import { usePresence } from "../chat/presence.js";
import { senderHue } from "../lib/sender-hue.js";
import { Avatar } from "./avatar.js";
import { BlockToggle } from "./block-toggle.js";
import { ConfirmAnswers } from "./confirm-answers.js";
import { PresenceText } from "./presence-text.js";

/**
 * One member of a group: presence, role, read position, Block / Unblock (direct messages
 * between the two stop; the group is unaffected), and for owners a "Remove" that asks
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
  const presence = usePresence(member.user_id).shown;
  const questionId = useId();

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
      {!self && <BlockToggle userId={member.user_id} name={name} />}
      {onRemove &&
        (confirming ? (
          <span className="member-confirm">
            <span className="confirm-text" id={questionId}>
              Remove {name}?
            </span>
            <ConfirmAnswers
              questionId={questionId}
              confirmLabel="Remove"
              confirmAriaLabel={`Yes, remove ${name}`}
              safeLabel="Keep"
              onConfirm={async () => {
                try {
                  await onRemove();
                } finally {
                  setConfirming(false);
                }
              }}
              onCancel={() => setConfirming(false)}
            />
          </span>
        ) : (
          <button type="button" className="quiet" aria-label={`Remove ${name}`} onClick={() => setConfirming(true)}>
            Remove
          </button>
        ))}
    </li>
  );
}
