import type { Conversation, Message } from "@chatapp/protocol";
import { useChat, useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { seenUpTo } from "../lib/delivery.js";
import { navigate } from "../lib/hash-route.js";
import { Avatar } from "./avatar.js";
import { useAction } from "./use-action.js";
import { UserPicker } from "./user-picker.js";

const NO_MESSAGES: readonly Message[] = [];

/** A group's members: presence, role, how far each has read; owners add and remove, anyone leaves. */
export function MembersPanel({ id, conversation, onClose }: { id: string; conversation: Conversation; onClose: () => void }) {
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const presence = useChatState((s) => s.presence);
  const messages = useChatState((s) => s.timelines.get(conversation.id)?.messages ?? NO_MESSAGES);
  const [error, act] = useAction();
  const owner = conversation.members.some((m) => m.user_id === me && m.role === "owner");

  return (
    <aside id={id} className="members-panel" aria-label="Group members">
      <header className="members-header">
        <h3>Members ({conversation.member_count})</h3>
        <button type="button" className="quiet icon" onClick={onClose} aria-label="Close members">
          ×
        </button>
      </header>
      <ul className="members">
        {conversation.members.map((m) => {
          const name = displayName(users, m.user_id);
          const self = m.user_id === me;
          return (
            <li key={m.user_id} className="member" data-user-id={m.user_id}>
              <Avatar name={name} size="small" online={self ? true : presence.get(m.user_id) === "online"} />
              <span className="member-text">
                <span className="member-name">
                  {name}
                  {self && " (you)"}
                  {m.role === "owner" && <span className="role"> · owner</span>}
                </span>
                <span className="read-position">{readPosition(conversation.last_seq - seenUpTo(m, messages))}</span>
              </span>
              {owner && !self && (
                <button
                  type="button"
                  className="quiet"
                  aria-label={`Remove ${name}`}
                  onClick={() => act(() => chat.removeMember(conversation.id, m.user_id))}
                >
                  Remove
                </button>
              )}
            </li>
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
      <button
        type="button"
        className="danger"
        onClick={() =>
          act(async () => {
            await chat.removeMember(conversation.id, me);
            navigate({});
          })
        }
      >
        Leave group
      </button>
    </aside>
  );
}

/** How far a member has read, in messages behind the last. */
function readPosition(behind: number): string {
  if (behind <= 0) return "read everything";
  return `${behind} ${behind === 1 ? "message" : "messages"} not read yet`;
}
