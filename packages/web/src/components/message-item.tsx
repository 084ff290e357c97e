import type { Conversation, Message } from "@chatapp/protocol";
import { memo, useCallback, useState } from "react";
import { useChat, useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { reactedWith } from "../chat/reactions.js";
import { useReplyActions } from "../chat/reply-context.js";
import { directStatus } from "../lib/delivery.js";
import { listNames, systemText } from "../lib/message-text.js";
import { senderHue } from "../lib/sender-hue.js";
import { Avatar } from "./avatar.js";
import { DeliveryTick } from "./delivery-tick.js";
import { LinkPreviewCards } from "./link-preview-cards.js";
import { LinkifiedText } from "./linkified-text.js";
import { useMentionNames } from "./mention-text.js";
import { MessageActions } from "./message-actions.js";
import { MessageAttachments } from "./message-attachments.js";
import { MessageEditor } from "./message-editor.js";
import { MessageTime } from "./message-time.js";
import { usePinControl } from "./pin-actions.js";
import { ReactionChips } from "./reaction-chips.js";
import { QuickReactions, ReactionPickerPanel } from "./reaction-picker.js";
import { QuoteBlock } from "./reply-quote.js";
import { ThreadLink } from "./thread-link.js";
import { useAction } from "./use-action.js";
import { useSwipeReply } from "./use-swipe-reply.js";
import "./replies.css";
import { type RowPlace, rowProps } from "./virtual-row.js";

export const messageDomId = (conversationId: number, seq: number) => `message-${conversationId}-${seq}`;

interface Props {
  message: Message;
  conversation: Conversation | undefined;
  /** Heads a run of one sender's messages: in a group, their name and avatar show here. */
  firstOfRun: boolean;
  /** Group members whose read position is this message. */
  readers: number[] | undefined;
  highlighted: boolean;
  /** Where the list places the row: plain values (not one object), so that memo skips rows that stay put. */
  index: number;
  start: number;
  rowRef: RowPlace["ref"];
}

/**
 * One message: own on the right, others' on the left (in a group, under the sender's name and
 * avatar in their colour); ticks on one's own direct messages; edit and delete for one's own;
 * reactions under every message, added from its actions (quick ones, or the full picker).
 */
export const MessageItem = memo(function MessageItem(props: Props) {
  const { message, conversation, firstOfRun, readers, highlighted } = props;
  const place = { index: props.index, start: props.start, ref: props.rowRef };
  const chat = useChat();
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const [editing, setEditing] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const [picking, setPicking] = useState(false);
  const [error, act] = useAction();
  const replies = useReplyActions();
  const repliable = replies !== null && message.kind !== "system" && !message.deleted;
  const swipe = useSwipeReply(repliable ? () => replies.setReplyTo(message) : undefined);
  const openMenu = useCallback((open: boolean) => {
    setMenuOpen(open);
    if (!open) setConfirmingDelete(false);
  }, []);
  const mentionNames = useMentionNames(message);
  const pin = usePinControl(message, conversation);
  const id = messageDomId(message.conversation_id, message.seq);
  const nameOf = (user: number | null) => (user === me ? "You" : displayName(users, user));

  const seenBy = readers && readers.length > 0 && <p className="readers">Seen by {listNames(readers.map(nameOf))}</p>;

  if (message.kind === "system") {
    return (
      <li id={id} className="virtual-row system-message" data-seq={message.seq} {...rowProps(place)}>
        {systemText(message, (user) => displayName(users, user), me)} · <MessageTime iso={message.timestamp} />
        {seenBy}
      </li>
    );
  }
  const own = message.sender_id === me;
  const group = conversation?.kind === "group";
  const other = conversation?.members.find((m) => m.user_id !== me);
  const status = own && !group && !message.deleted ? directStatus(message.seq, other) : undefined;
  const editable = own && !message.deleted && !editing;
  // Anyone's message may be reacted to, replied to and (by who may pin) pinned; one's own may
  // also be edited and deleted.
  const menuable = !message.deleted && !editing;
  const mentionsMe = !own && !message.deleted && (message.mentions?.includes(me) ?? false);
  const toggle = (emoji: string, add: boolean) => act(() => chat.react(message.id, emoji, add));
  const hue = senderHue(message.sender_id);

  return (
    <li
      id={id}
      className="virtual-row message"
      data-own={own || undefined}
      data-seq={message.seq}
      data-highlighted={highlighted || undefined}
      data-first={firstOfRun || undefined}
      data-mentions-me={mentionsMe || undefined}
      data-pinned={pin.pinned || undefined}
      // A message with actions takes focus, which shows them to keyboard users.
      tabIndex={menuable ? 0 : undefined}
      onContextMenu={
        menuable
          ? (event) => {
              event.preventDefault();
              openMenu(true);
            }
          : undefined
      }
      {...rowProps(place)}
      {...swipe.handlers}
    >
      {group && !own && (
        <span className="message-avatar">{firstOfRun && <Avatar name={nameOf(message.sender_id)} size="small" hue={hue} />}</span>
      )}
      <div className="message-body" style={swipe.offset > 0 ? { transform: `translateX(${swipe.offset}px)` } : undefined}>
        <div className="bubble">
          {group && !own && firstOfRun ? (
            <span className="sender" data-hue={hue}>
              {nameOf(message.sender_id)}
            </span>
          ) : (
            <span className="visually-hidden">{nameOf(message.sender_id)}: </span>
          )}
          {message.reply_to && !message.deleted && (
            <QuoteBlock quote={message.reply_to} conversationId={message.conversation_id} />
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
            <>
              {message.attachments && <MessageAttachments attachments={message.attachments} />}
              {message.content !== "" && (
                <p className="text">
                  <LinkifiedText text={message.content} mentions={mentionNames} />
                </p>
              )}
              {message.link_previews && <LinkPreviewCards previews={message.link_previews} />}
            </>
          )}
          <span className="meta">
            {pin.pinned && (
              <span className="pinned-mark" title="Pinned">
                📌<span className="visually-hidden"> pinned</span>
              </span>
            )}
            {message.edited_at && !message.deleted && <span className="edited">edited</span>}
            <MessageTime iso={message.timestamp} />
            {status && <DeliveryTick status={status} />}
          </span>
        </div>
        {message.reactions && !message.deleted && <ReactionChips reactions={message.reactions} onToggle={toggle} />}
        {picking && (
          <ReactionPickerPanel
            onPick={(emoji) => {
              setPicking(false);
              void toggle(emoji, !reactedWith(message, emoji));
            }}
            onClose={() => setPicking(false)}
          />
        )}
        {menuable && (
          <MessageActions open={menuOpen || confirmingDelete} onOpenChange={openMenu}>
            {confirmingDelete ? (
              <>
                <span className="confirm-text">Delete this message?</span>
                <button type="button" className="danger" onClick={() => act(() => chat.remove(message.id))}>
                  Delete
                </button>
                <button type="button" onClick={() => openMenu(false)}>
                  Keep
                </button>
              </>
            ) : (
              <>
                <QuickReactions
                  isMine={(emoji) => reactedWith(message, emoji)}
                  onToggle={(emoji, add) => {
                    openMenu(false);
                    void toggle(emoji, add);
                  }}
                  onMore={() => {
                    openMenu(false);
                    setPicking(true);
                  }}
                />
                {editable && (
                  <>
                    <button
                      type="button"
                      className="quiet"
                      onClick={() => {
                        openMenu(false);
                        setEditing(true);
                      }}
                      aria-label="Edit message"
                    >
                      Edit
                    </button>
                    <button type="button" className="quiet" onClick={() => setConfirmingDelete(true)} aria-label="Delete message">
                      Delete
                    </button>
                  </>
                )}
                {repliable && (
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => {
                      openMenu(false);
                      replies.setReplyTo(message);
                    }}
                    aria-label="Reply to message"
                  >
                    Reply
                  </button>
                )}
                {repliable && message.thread_root_id === undefined && (
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => {
                      openMenu(false);
                      replies.openThread(message.id);
                    }}
                    aria-label="Reply in thread"
                  >
                    Thread
                  </button>
                )}
                {pin.canPin && (
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => {
                      openMenu(false);
                      void act(pin.toggle);
                    }}
                    aria-label={pin.pinned ? "Unpin message" : "Pin message"}
                  >
                    {pin.pinned ? "Unpin" : "Pin"}
                  </button>
                )}
              </>
            )}
          </MessageActions>
        )}
        {message.reply_count !== undefined && replies && (
          <ThreadLink count={message.reply_count} onOpen={() => replies.openThread(message.id)} />
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {seenBy}
      </div>
    </li>
  );
});
