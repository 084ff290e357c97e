import type { Conversation, Message } from "@chatapp/protocol";
import { useRef } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { seenUpTo } from "../lib/delivery.js";
import { navigate } from "../lib/hash-route.js";
import { LeaveGroup } from "./leave-group.js";
import { MemberRow } from "./member-row.js";
import { RenameGroup } from "./rename-group.js";
import { useAction } from "./use-action.js";
import { UserPicker } from "./user-picker.js";

const NO_MESSAGES: readonly Message[] = [];

/**
 * A group's members: presence, role, how far each has read; owners rename the group, add and
 * remove members; anyone leaves. Removing and leaving ask first; after a removal focus goes to
 * the panel's heading, never to the next member's "Remove".
 */
export function MembersPanel({ id, conversation, onClose }: { id: string; conversation: Conversation; onClose: () => void }) {
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const messages = useChatState((s) => s.timelines.get(conversation.id)?.messages ?? NO_MESSAGES);
  const [error, act] = useAction();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const owner = conversation.members.some((m) => m.user_id === me && m.role === "owner");
  const title = conversation.title ?? "Group";

  return (
    <aside id={id} className="members-panel" aria-label="Group members">
      <header className="members-header">
        <h3 ref={headingRef} tabIndex={-1}>
          Members ({conversation.member_count})
        </h3>
        <button type="button" className="quiet icon" onClick={onClose} aria-label="Close members">
          ×
        </button>
      </header>
      {owner && <RenameGroup title={title} onRename={(next) => chat.renameGroup(conversation.id, next)} />}
      <ul className="members">
        {conversation.members.map((m) => {
          const self = m.user_id === me;
          return (
            <MemberRow
              key={m.user_id}
              member={m}
              name={displayName(users, m.user_id)}
              self={self}
              readPosition={readPosition(conversation.last_seq - seenUpTo(m, messages))}
              onRemove={
                owner && !self
                  ? () =>
                      act(async () => {
                        await chat.removeMember(conversation.id, m.user_id);
                        headingRef.current?.focus();
                      })
                  : undefined
              }
            />
          );
        })}
      </ul>
      {owner && (
        <UserPicker
          label="Add people"
          exclude={conversation.members.map((m) => m.user_id)}
          onPick={(user) => act(() => chat.addMembers(conversation.id, [user.id]))}
        />
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <LeaveGroup
        title={title}
        onLeave={() =>
          act(async () => {
            await chat.removeMember(conversation.id, me);
            navigate({});
          })
        }
      />
    </aside>
  );
}

/** How far a member has read, in messages behind the last. */
function readPosition(behind: number): string {
  if (behind <= 0) return "read everything";
  return `${behind} ${behind === 1 ? "message" : "messages"} not read yet`;
}
