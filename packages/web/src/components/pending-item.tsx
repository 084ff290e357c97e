import { useChat } from "../chat/chat-context.js";
import type { PendingMessage } from "../chat/chat-state.js";
import { AttachmentChips } from "./attachment-chips.js";
import { DeliveryTick } from "./delivery-tick.js";
import { LinkifiedText } from "./linkified-text.js";
import { MessageTime } from "./message-time.js";
import { type RowPlace, rowProps } from "./virtual-row.js";

/**
 * One's own message not stored yet: "sending" until its files are uploaded and the server has
 * it, or refused (a file too) with retry/discard.
 */
export function PendingItem({ pending, place }: { pending: PendingMessage; place: RowPlace }) {
  const chat = useChat();
  return (
    <li className="virtual-row message" data-own data-pending={pending.error ? "failed" : "sending"} {...rowProps(place)}>
      <div className="message-body">
        <div className="bubble">
          <span className="visually-hidden">You: </span>
          {pending.uploads && <AttachmentChips keys={pending.uploads} label="Files" />}
          {pending.content !== "" && (
            <p className="text">
              <LinkifiedText text={pending.content} />
            </p>
          )}
          <span className="meta">
            <MessageTime iso={pending.createdAt} />
            {!pending.error && <DeliveryTick status="sending" />}
          </span>
        </div>
        {pending.error && (
          <div className="pending-actions">
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
      </div>
    </li>
  );
}
