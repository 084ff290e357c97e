import { useChat } from "../chat/chat-context.js";
import type { PendingMessage } from "../chat/chat-state.js";
import { timeLabel } from "../lib/dates.js";
import { DeliveryTick } from "./delivery-tick.js";
import { LinkifiedText } from "./linkified-text.js";

/** One's own message not stored yet: "sending" until the server has it, or refused with retry/discard. */
export function PendingItem({ pending }: { pending: PendingMessage }) {
  const chat = useChat();
  return (
    <li className="message" data-own data-pending={pending.error ? "failed" : "sending"}>
      <div className="bubble">
        <span className="visually-hidden">You: </span>
        <p className="text">
          <LinkifiedText text={pending.content} />
        </p>
        <span className="meta">
          <time dateTime={pending.createdAt}>{timeLabel(pending.createdAt)}</time>
          {!pending.error && <DeliveryTick status="sending" />}
        </span>
      </div>
      {pending.error && (
        <div className="message-actions" data-visible>
          <span className="error" role="alert">
            {pending.error}
          </span>
          <button type="button" onClick={() => chat.outbox.retry(pending.clientId)}>
            Retry
          </button>
          <button type="button" onClick={() => chat.outbox.discard(pending.clientId)}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}
