import type { Message } from "@chatapp/protocol";
import type { Ref } from "react";
import { useChatState } from "../chat/chat-context.js";
import { displayName } from "../chat/chat-state.js";
import { useReplyActions } from "../chat/reply-context.js";
import { LinkifiedText } from "./linkified-text.js";
import { MessageTime } from "./message-time.js";
import { QuoteBlock } from "./reply-quote.js";
import { useSwipeReply } from "./use-swipe-reply.js";

/**
 * A message in the thread panel (its root or a reply): sender, time, the quote it carries and
 * its text. Reply (a button, or a swipe on touch) quotes it above the thread's composer, as
 * the message menu does for the main one. `highlighted` marks the reply a quote or pin led to.
 */
export function ThreadMessage(props: { message: Message; highlighted?: boolean; ref?: Ref<HTMLElement> }) {
  const { message, highlighted, ref } = props;
  const me = useChatState((s) => s.me.id);
  const users = useChatState((s) => s.users);
  const replies = useReplyActions();
  const repliable = replies !== null && !message.deleted && message.kind !== "system";
  const swipe = useSwipeReply(repliable ? () => replies.setReplyTo(message) : undefined);
  const name = message.sender_id === me ? "You" : displayName(users, message.sender_id);
  return (
    <article
      ref={ref}
      className="thread-message"
      aria-label={`${name}: ${message.deleted ? "Message deleted" : message.content}`}
      data-seq={message.seq}
      data-highlighted={highlighted || undefined}
      style={swipe.offset > 0 ? { transform: `translateX(${swipe.offset}px)` } : undefined}
      {...swipe.handlers}
    >
      <span className="sender">{name}</span> <MessageTime iso={message.timestamp} />
      {repliable && (
        <button
          type="button"
          className="quiet thread-reply-button"
          onClick={() => replies.setReplyTo(message)}
          aria-label="Reply to message"
        >
          Reply
        </button>
      )}
      {message.reply_to && !message.deleted && <QuoteBlock quote={message.reply_to} conversationId={message.conversation_id} />}
      {message.deleted ? (
        <p className="text deleted">Message deleted</p>
      ) : (
        <p className="text">
          <LinkifiedText text={message.content} />
        </p>
      )}
    </article>
  );
}
