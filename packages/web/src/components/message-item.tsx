import type { Conversation, Message } from "@chatapp/protocol";
import { memo, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { timeLabel } from "../lib/dates.js";
import { directStatus } from "../lib/delivery.js";
import { listNames, systemText } from "../lib/message-text.js";
import { DeliveryTick } from "./delivery-tick.js";
import { LinkifiedText } from "./linkified-text.js";
import { MessageEditor } from "./message-editor.js";
import { useAction } from "./use-action.js";

export const messageDomId = (conversationId: number, seq: number) => `message-${conversationId}-${seq}`;

interface Props {
  message: Message;
  conversation: Conversation | undefined;
  firstOfRun: boolean;
  /** Group members whose read position is this message. */
  readers: number[] | undefined;
  highlighted: boolean;
}

/** One message: own on the right, others' on the left; ticks on one's own direct messages; edit and delete. */
export const MessageItem = memo(function MessageItem({ message, conversation, firstOfRun, readers, highlighted }: Props) {
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const [editing, setEditing] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [error, act] = useAction();
  const id = messageDomId(message.conversation_id, message.seq);
  const nameOf = (user: number) => (user === me ? "You" : displayName(users, user));

  const seenBy = readers && readers.length > 0 && <p className="readers">Seen by {listNames(readers.map(nameOf))}</p>;

  if (message.kind === "system") {
    return (
      <li id={id} className="system-message" data-seq={message.seq}>
        {systemText(message, (user) => displayName(users, user), me)} ·{" "}
        <time dateTime={message.timestamp}>{timeLabel(message.timestamp)}</time>
        {seenBy}
      </li>
    );
  }
  const own = message.sender_id === me;
  const group = conversation?.kind === "group";
  const other = conversation?.members.find((m) => m.user_id !== me);
  const status = own && !group && !message.deleted ? directStatus(message.seq, other) : undefined;

  return (
    <li
      id={id}
      className="message"
      data-own={own || undefined}
      data-seq={message.seq}
      data-highlighted={highlighted || undefined}
      data-first={firstOfRun || undefined}
    >
      <div className="bubble">
        {group && !own && firstOfRun ? (
          <span className="sender">{nameOf(message.sender_id)}</span>
        ) : (
          <span className="visually-hidden">{nameOf(message.sender_id)}: </span>
        )}
        {message.deleted ? (
          <p className="text deleted">Message deleted</p>
        ) : editing ? (
          <MessageEditor
            initial={message.content}
            onCancel={() => setEditing(false)}
            onSave={(content) =>
              act(async () => {
                await chat.edit(message.id, content);
                setEditing(false);
              })
            }
          />
        ) : (
          <p className="text">
            <LinkifiedText text={message.content} />
          </p>
        )}
        <span className="meta">
          {message.edited_at && !message.deleted && <span className="edited">edited</span>}
          <time dateTime={message.timestamp}>{timeLabel(message.timestamp)}</time>
          {status && <DeliveryTick status={status} />}
        </span>
      </div>
      {own && !message.deleted && !editing && (
        <div className="message-actions">
          {confirmingDelete ? (
            <>
              <span className="confirm-text">Delete this message?</span>
              <button type="button" className="danger" onClick={() => act(() => chat.remove(message.id))}>
                Delete
              </button>
              <button type="button" onClick={() => setConfirmingDelete(false)}>
                Keep
              </button>
            </>
          ) : (
            <>
              <button type="button" className="quiet" onClick={() => setEditing(true)} aria-label="Edit message">
                Edit
              </button>
              <button type="button" className="quiet" onClick={() => setConfirmingDelete(true)} aria-label="Delete message">
                Delete
              </button>
            </>
          )}
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {seenBy}
    </li>
  );
});
