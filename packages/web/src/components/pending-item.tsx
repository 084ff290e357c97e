import { useChat } from "../chat/chat-context.js";
import type { PendingMessage } from "../chat/chat-state.js";
import { canRetry } from "../chat/outbox.js";
import { DeliveryTick } from "./delivery-tick.js";
import { LinkifiedText } from "./linkified-text.js";
import { MessageTime } from "./message-time.js";
import { PendingFiles } from "./pending-files.js";
import { type RowPlace, rowProps } from "./virtual-row.js";

/**
 * One's own message not stored yet: "sending" until its files are uploaded and the server has
 * it, or refused (a file too) with retry/discard. A message restored from an earlier visit
 * whose files were not uploaded cannot be retried: only the SDK had their bytes.
 */
export function PendingItem({ pending, place }: { pending: PendingMessage; place: RowPlace }) {
  const chat = useChat();
  return (
    <li className="virtual-row message" data-own data-pending={pending.error ? "failed" : "sending"} {...rowProps(place)}>
      <div className="message-body">
        <div className="bubble">
          <span className="visually-hidden">You: </span>
          <PendingFiles pending={pending} />
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
            {canRetry(pending) && (
              <button type="button" onClick={() => chat.outbox.retry(pending.clientId)}>
                Retry
              </button>
            )}
            <button type="button" onClick={() => chat.outbox.discard(pending.clientId)}>
              Discard
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
